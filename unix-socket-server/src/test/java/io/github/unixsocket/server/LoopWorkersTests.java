package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.unixsocket.server.FramedServerTests.inThread;
import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link StreamServer.Dispatch#WORKERS}: the loop hands each message to a worker; a
 * connection's messages reach its handler one at a time, in order, while different
 * connections' handlers run at the same time.
 */
@Timeout(60)
class LoopWorkersTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private final EventLoopGroup loop = this.servers.loops("workers-test", 1, Duration.ofSeconds(10));

	private Path start(MessageHandler handler, int workers) throws IOException {
		Path path = this.servers.path("workers-" + this.servers.started().size() + ".sock");
		this.servers.start(StreamServer.builder("workers", path)
			.messages(Framing.LINES, handler)
			.dispatch(StreamServer.Dispatch.WORKERS)
			.workers(workers)
			.eventLoops(this.loop));
		return path;
	}

	private StreamServer server() {
		return (StreamServer) this.servers.last();
	}

	@Test
	void slowHandlerGetsPipelinedMessagesOneAtATimeAndRepliesGoOutInRequestOrder() throws Exception {
		AtomicInteger overlaps = new AtomicInteger();
		AtomicInteger outOfOrder = new AtomicInteger();
		Set<String> workerThreads = ConcurrentHashMap.newKeySet();
		Path path = start((connection, message) -> {
			AtomicInteger inHandler = (AtomicInteger) connection.attributes()
				.computeIfAbsent("inHandler", (key) -> new AtomicInteger());
			AtomicLong last = (AtomicLong) connection.attributes().computeIfAbsent("last", (key) -> new AtomicLong(-1));
			if (inHandler.incrementAndGet() > 1) {
				overlaps.incrementAndGet();
			}
			workerThreads.add(Thread.currentThread().getName());
			// Slow, unevenly: up to 1ms per message.
			LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1_000_000));
			long number = Long.parseLong(new String(message, StandardCharsets.UTF_8).split(" ")[1]);
			if (!last.compareAndSet(number - 1, number)) {
				outOfOrder.incrementAndGet();
			}
			inHandler.decrementAndGet();
			return message;
		}, 4);
		List<CompletableFuture<Void>> clients = new ArrayList<>();
		for (int c = 0; c < 4; c++) {
			int client = c;
			clients.add(inThread(() -> {
				StringBuilder requests = new StringBuilder();
				for (int i = 0; i < 400; i++) {
					requests.append("client-").append(client).append(' ').append(i).append('\n');
				}
				try (TestClient connection = TestClient.connect(path)) {
					connection.write(requests.toString());
					assertThat(connection.read(requests.length())).isEqualTo(requests.toString());
				}
			}));
		}
		for (CompletableFuture<Void> client : clients) {
			client.get(30, TimeUnit.SECONDS);
		}
		assertThat(overlaps).as("a connection's handler entered while it was still running").hasValue(0);
		assertThat(outOfOrder).as("messages handled out of order").hasValue(0);
		assertThat(workerThreads).as("worker threads used").hasSizeGreaterThan(1)
			.allMatch((name) -> name.startsWith("unix-socket-workers-worker-"));
	}

	@Test
	void handlersOfTwoConnectionsRunAtTheSameTime() throws Exception {
		CountDownLatch bothInside = new CountDownLatch(2);
		Path path = start((connection, message) -> {
			bothInside.countDown();
			// Only if the other connection's handler runs meanwhile does this return "together".
			return (bothInside.await(10, TimeUnit.SECONDS) ? "together" : "alone").getBytes(StandardCharsets.UTF_8);
		}, 2);
		try (TestClient first = TestClient.connect(path); TestClient second = TestClient.connect(path)) {
			first.write("x\n");
			second.write("y\n");
			assertThat(first.read(9)).isEqualTo("together\n");
			assertThat(second.read(9)).isEqualTo("together\n");
		}
	}

	@Test
	void atMostTheConfiguredNumberOfWorkersRunHandlersAtOnce() throws Exception {
		AtomicInteger inside = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		Path path = start((connection, message) -> {
			inside.incrementAndGet();
			release.await(10, TimeUnit.SECONDS);
			return message;
		}, 2);
		List<TestClient> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 4; i++) {
				TestClient client = TestClient.connect(path);
				clients.add(client);
				client.write(i + "\n");
			}
			awaitCondition(() -> inside.get() == 2 && server().bytesReceived() == 8);
			// The other two wait for a worker.
			Thread.sleep(200);
			assertThat(inside).hasValue(2);
			release.countDown();
			for (int i = 0; i < 4; i++) {
				assertThat(clients.get(i).read(2)).isEqualTo(i + "\n");
			}
		}
		finally {
			release.countDown();
			for (TestClient client : clients) {
				client.close();
			}
		}
	}

	@Test
	void handlerThatThrowsClosesOnlyItsConnectionAndIsCounted() throws Exception {
		Set<String> handled = ConcurrentHashMap.newKeySet();
		Path path = start((connection, message) -> {
			String text = new String(message, StandardCharsets.UTF_8);
			handled.add(text);
			if (text.equals("boom")) {
				throw new IllegalStateException("handler bug");
			}
			return message;
		}, 2);
		StreamServer server = server();
		try (TestClient bystander = TestClient.connect(path)) {
			assertThat(bystander.exchange("before\n")).isEqualTo("before\n");
			try (TestClient failing = TestClient.connect(path)) {
				failing.write("a\nboom\nnever\n");
				assertThat(failing.read(2)).isEqualTo("a\n");
				assertThat(failing.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			}
			awaitCondition(() -> server.handlerErrors() == 1 && server.openConnections() == 1);
			assertThat(handled).doesNotContain("never");
			assertThat(bystander.exchange("after\n")).isEqualTo("after\n");
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.handlerErrors()).isEqualTo(1);
		assertThat(server.isRunning()).isTrue();
	}

	@Test
	void givenExecutorOrThreadFactoryRunsTheHandlers() throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(2, (task) -> new Thread(task, "given-executor"));
		try {
			Map<String, String> threads = new ConcurrentHashMap<>();
			MessageHandler recordThread = (connection, message) -> Thread.currentThread().getName()
				.getBytes(StandardCharsets.UTF_8);
			Path byExecutor = this.servers.path("executor.sock");
			StreamServer first = StreamServer.builder("executor", byExecutor)
				.messages(Framing.LINES, recordThread)
				.workerExecutor(executor)
				.eventLoops(this.loop)
				.build();
			this.servers.start(first);
			Path byFactory = this.servers.path("factory.sock");
			StreamServer second = StreamServer.builder("factory", byFactory)
				.messages(Framing.LINES, recordThread)
				.threadFactory((task) -> new Thread(task, "given-factory"))
				.eventLoops(this.loop)
				.build();
			this.servers.start(second);
			try (TestClient client = TestClient.connect(byExecutor)) {
				client.write("x\n");
				threads.put("executor", client.read(15).trim());
			}
			try (TestClient client = TestClient.connect(byFactory)) {
				client.write("x\n");
				threads.put("factory", client.read(14).trim());
			}
			assertThat(threads).containsEntry("executor", "given-executor").containsEntry("factory", "given-factory");
		}
		finally {
			executor.shutdownNow();
		}
	}

}
