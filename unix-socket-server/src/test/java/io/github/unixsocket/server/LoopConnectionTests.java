package io.github.unixsocket.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.peer.PeerPolicy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a server does for each connection, on the event loop: limits, peer checks,
 * customizers, listeners, closing from outside, counters, and what a handler may not do.
 */
@Timeout(60)
class LoopConnectionTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private final EventLoopGroup loops = this.servers.loops("connections", 2, Duration.ofSeconds(10));

	private StreamServer start(String name, StreamServer.Dispatch dispatch, MessageHandler handler,
			UnaryOperator<StreamServer.Builder> settings) throws IOException {
		return this.servers.start(settings.apply(StreamServer.builder(name, this.servers.path(name + ".sock"))
			.messages(Framing.LINES, handler)
			.dispatch(dispatch)
			.eventLoops(this.loops)));
	}

	private Path path(StreamServer server) {
		return this.servers.path(server.name() + ".sock");
	}

	@ParameterizedTest
	@EnumSource(StreamServer.Dispatch.class)
	void maxConnectionsRefusesBeyondTheLimitAndRecovers(StreamServer.Dispatch dispatch) throws Exception {
		Events events = new Events();
		StreamServer server = start("max", dispatch, FramedServerTests.ECHO,
				(builder) -> builder.maxConnections(2).listener(events));
		Path path = path(server);
		try (TestClient first = TestClient.connect(path); TestClient second = TestClient.connect(path)) {
			assertThat(first.exchange("1\n")).isEqualTo("1\n");
			assertThat(second.exchange("2\n")).isEqualTo("2\n");
			try (TestClient third = TestClient.connect(path)) {
				assertThat(third.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			}
			assertThat(server.rejectedConnections(RejectReason.MAX_CONNECTIONS)).isEqualTo(1);
			first.close();
			awaitCondition(() -> server.openConnections() == 1);
			try (TestClient fourth = TestClient.connect(path)) {
				assertThat(fourth.exchange("4\n")).isEqualTo("4\n");
			}
			awaitCondition(() -> server.openConnections() == 1);
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.acceptedConnections()).isEqualTo(3);
		// A connection refused for the limit is never opened, so it gets no id and no closed event. (The first
		// two open on different loops, in either order.)
		List<String> list = events.list();
		assertThat(list.subList(1, 3)).containsExactlyInAnyOrder("opened 1", "opened 2");
		assertThat(list).hasSize(8)
			.startsWith("started")
			.endsWith("rejected max-connections", "closed 1", "opened 3", "closed 3", "closed 2");
	}

	@Test
	void idleTimeoutClosesIdleButNotActiveConnections() throws Exception {
		StreamServer server = start("idle", StreamServer.Dispatch.WORKERS, FramedServerTests.ECHO,
				(builder) -> builder.idleTimeout(Duration.ofMillis(300)));
		try (TestClient idle = TestClient.connect(path(server)); TestClient active = TestClient.connect(path(server))) {
			long start = System.nanoTime();
			// The active client talks back to back (no pause that a busy machine could stretch past the
			// timeout) until the idle one is closed and three timeouts have passed.
			while (server.openConnections() > 1 || TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 900) {
				assertThat(active.exchange("ping\n")).isEqualTo("ping\n");
				assertThat(System.nanoTime() - start).as("idle connection closed within 10s")
					.isLessThan(TimeUnit.SECONDS.toNanos(10));
			}
			assertThat(idle.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			assertThat(active.exchange("still here\n")).isEqualTo("still here\n");
		}
	}

	@Test
	void peerPolicyRefusesAnotherUserBeforeTheHandlerAndServesAnAllowedOne() throws Exception {
		OtherUser.require("socat");
		// nobody must be able to reach and open the sockets: only the peer check may refuse it.
		Files.setPosixFilePermissions(this.servers.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
		AtomicInteger handled = new AtomicInteger();
		MessageHandler echo = (connection, message) -> {
			handled.incrementAndGet();
			return (connection.peer().user() + ": " + new String(message, StandardCharsets.UTF_8))
				.getBytes(StandardCharsets.UTF_8);
		};
		Events events = new Events();
		StreamServer rootOnly = start("root-only", StreamServer.Dispatch.WORKERS, echo,
				(builder) -> builder.permissions(FilePermissions.parse("0666"))
					.peerPolicy(PeerPolicy.of(List.of("root"), List.of()))
					.listener(events));
		StreamServer nobodyToo = start("nobody-too", StreamServer.Dispatch.EVENT_LOOP, echo,
				(builder) -> builder.permissions(FilePermissions.parse("0666"))
					.peerPolicy(PeerPolicy.of(List.of("root"), List.of(OtherUser.GROUP))));
		assertThat(socatAsNobody(path(rootOnly), "refused?\n")).isEmpty();
		awaitCondition(() -> rootOnly.rejectedConnections(RejectReason.UNAUTHORIZED) == 1);
		assertThat(rootOnly.acceptedConnections()).isZero();
		assertThat(handled).hasValue(0);
		assertThat(events.list()).containsExactly("started", "rejected unauthorized");
		assertThat(socatAsNobody(path(nobodyToo), "served\n")).isEqualTo(OtherUser.USER + ": served\n");
		try (TestClient root = TestClient.connect(path(rootOnly))) {
			root.write("x\n");
			assertThat(root.read(8)).isEqualTo("root: x\n");
		}
	}

	@ParameterizedTest
	@EnumSource(StreamServer.Dispatch.class)
	void customizerAdjustsEachConnectionBeforeItsFirstMessageOrRefusesIt(StreamServer.Dispatch dispatch)
			throws Exception {
		Events events = new Events();
		StreamServer server = start("customized", dispatch, (connection, message) -> {
			String text = new String(message, StandardCharsets.UTF_8);
			return (text + " " + connection.attributes().get("greeting")).getBytes(StandardCharsets.UTF_8);
		}, (builder) -> builder.listener(events).customizer((connection) -> {
			if (connection.id() == 2) {
				throw new IllegalStateException("not this one");
			}
			connection.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
			connection.attributes().put("greeting", "customized " + connection.id());
		}));
		try (TestClient first = TestClient.connect(path(server))) {
			first.write("hello\n");
			assertThat(first.read(19)).isEqualTo("hello customized 1\n");
			try (TestClient second = TestClient.connect(path(server))) {
				assertThat(second.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			}
			awaitCondition(() -> server.rejectedConnections(RejectReason.SETUP_FAILED) == 1);
			try (TestClient third = TestClient.connect(path(server))) {
				third.write("hi\n");
				assertThat(third.read(16)).isEqualTo("hi customized 3\n");
			}
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.acceptedConnections()).isEqualTo(2);
		assertThat(events.list()).contains("rejected setup-failed").doesNotContain("opened 2", "closed 2");
	}

	@ParameterizedTest
	@EnumSource(StreamServer.Dispatch.class)
	void connectionsAreListedAndOneClosedFromAnotherThreadEndsAlone(StreamServer.Dispatch dispatch) throws Exception {
		Events events = new Events();
		StreamServer server = start("listed", dispatch, FramedServerTests.ECHO, (builder) -> builder.listener(events));
		Instant before = Instant.now();
		try (TestClient one = TestClient.connect(path(server)); TestClient two = TestClient.connect(path(server));
				TestClient three = TestClient.connect(path(server))) {
			assertThat(one.exchange("1\n")).isEqualTo("1\n");
			assertThat(two.exchange("two\n")).isEqualTo("two\n");
			assertThat(three.exchange("3\n")).isEqualTo("3\n");
			Collection<Connection> connections = server.connections();
			assertThat(connections).extracting(Connection::id).containsExactlyInAnyOrder(1L, 2L, 3L);
			Connection second = connections.stream().filter((c) -> c.id() == 2).findFirst().orElseThrow();
			assertThat(second.serverName()).isEqualTo("listed");
			assertThat(second.peer().user()).isEqualTo(System.getProperty("user.name"));
			assertThat(second.openedAt()).isAfterOrEqualTo(before.minusSeconds(1));
			assertThat(second.bytesReceived()).isEqualTo(4);
			awaitCondition(() -> second.bytesSent() == 4);
			assertThat(second.isOpen()).isTrue();
			// What the Actuator endpoint's DELETE does, from a thread of its own.
			second.close();
			assertThat(two.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			awaitCondition(() -> !second.isOpen() && server.openConnections() == 2);
			assertThat(server.connections()).extracting(Connection::id).containsExactlyInAnyOrder(1L, 3L);
			assertThat(events.list()).contains("closed 2");
			assertThat(one.exchange("still\n")).isEqualTo("still\n");
			assertThat(three.exchange("here\n")).isEqualTo("here\n");
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.connections()).isEmpty();
		assertThat(server.handlerErrors()).isZero();
	}

	@Test
	void byteCountersNeverGoDownWhileConnectionsComeAndGo() throws Exception {
		StreamServer server = start("monotonic", StreamServer.Dispatch.WORKERS, FramedServerTests.ECHO,
				UnaryOperator.identity());
		AtomicInteger decreases = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(1);
		Thread reader = new Thread(() -> {
			long lastReceived = 0;
			long lastSent = 0;
			while (done.getCount() > 0) {
				long received = server.bytesReceived();
				long sent = server.bytesSent();
				if (received < lastReceived || sent < lastSent) {
					decreases.incrementAndGet();
				}
				lastReceived = received;
				lastSent = sent;
			}
		});
		reader.start();
		List<CompletableFuture<Void>> clients = new ArrayList<>();
		for (int c = 0; c < 4; c++) {
			clients.add(FramedServerTests.inThread(() -> {
				for (int i = 0; i < 250; i++) {
					try (TestClient client = TestClient.connect(path(server))) {
						assertThat(client.exchange("0123456789\n")).isEqualTo("0123456789\n");
					}
				}
			}));
		}
		for (CompletableFuture<Void> client : clients) {
			client.get(30, TimeUnit.SECONDS);
		}
		awaitCondition(() -> server.openConnections() == 0);
		done.countDown();
		reader.join();
		assertThat(decreases).as("times a byte total went down").hasValue(0);
		assertThat(server.bytesReceived()).isEqualTo(11_000);
		assertThat(server.bytesSent()).isEqualTo(11_000);
	}

	@Test
	@Tag(Slow.TAG)
	void tenThousandConnectsAndDisconnectsLeakNoDescriptorsOrConnections() throws Exception {
		StreamServer server = start("churn", StreamServer.Dispatch.WORKERS, FramedServerTests.ECHO,
				(builder) -> builder.maxConnections(0));
		Path path = path(server);
		try (TestClient warm = TestClient.connect(path)) {
			assertThat(warm.exchange("warm\n")).isEqualTo("warm\n");
		}
		awaitCondition(() -> server.openConnections() == 0);
		long descriptorsBefore = socketAndSelectorDescriptors();
		int threadsBefore = Thread.activeCount();
		for (int i = 0; i < 10_000; i++) {
			try (TestClient client = TestClient.connect(path)) {
				switch (i % 3) {
					case 0 -> client.write("half a line");
					case 1 -> client.write("a line\n");
					default -> {
					}
				}
			}
		}
		// Connects complete in the listen backlog: wait until the server has taken and closed them all.
		awaitCondition(() -> server.acceptedConnections() == 10_001 && server.openConnections() == 0);
		assertThat(server.connections()).isEmpty();
		assertThat(server.bufferBudget().used()).isZero();
		// Sockets and selectors, that is: class loading may open jar files meanwhile.
		awaitCondition(() -> socketAndSelectorDescriptors() <= descriptorsBefore + 2);
		assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 8);
		try (TestClient after = TestClient.connect(path)) {
			assertThat(after.exchange("still serving\n")).isEqualTo("still serving\n");
		}
	}

	private static long socketAndSelectorDescriptors() {
		try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
			return descriptors.filter((fd) -> {
				try {
					String target = Files.readSymbolicLink(fd).toString();
					return target.startsWith("socket:") || target.startsWith("anon_inode:") || target.startsWith("pipe:");
				}
				catch (IOException ex) {
					return false;
				}
			}).count();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String socatAsNobody(Path socket, String input) throws Exception {
		Process process = OtherUser.command("socat", "-t", "2", "-", "UNIX-CONNECT:" + socket).start();
		process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().close();
		try (InputStream output = process.getInputStream()) {
			String text = new String(output.readAllBytes(), StandardCharsets.UTF_8);
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
			return text;
		}
	}

	/** Records a server's events, in order. */
	static final class Events implements ServerListener {

		private final Queue<String> events = new ConcurrentLinkedQueue<>();

		@Override
		public void serverStarted(UnixSocketServer server) {
			this.events.add("started");
		}

		@Override
		public void serverStopped(UnixSocketServer server, DrainResult result) {
			this.events.add("stopped " + result);
		}

		@Override
		public void connectionOpened(Connection connection) {
			this.events.add("opened " + connection.id());
		}

		@Override
		public void connectionClosed(Connection connection) {
			this.events.add("closed " + connection.id());
		}

		@Override
		public void connectionRejected(UnixSocketServer server, RejectReason reason) {
			this.events.add("rejected " + reason.tag());
		}

		List<String> list() {
			return List.copyOf(this.events);
		}

	}

}
