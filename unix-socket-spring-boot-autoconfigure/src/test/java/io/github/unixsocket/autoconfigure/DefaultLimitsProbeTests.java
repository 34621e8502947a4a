package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.management.UnixOperatingSystemMXBean;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ChildOutput;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.OtherUser;
import io.github.unixsocket.server.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The security review's attack on an application with <em>default</em> settings, in a JVM
 * of its own with a 256MB heap: many clients each sending 1MB without a newline to a
 * {@code lines} server, thousands of idle clients on a {@code raw} echo server. The
 * process must stay up, never run out of heap, keep its thread count bounded, and go on
 * serving a new client promptly. Before the default limits, this threw
 * {@code OutOfMemoryError} and started a thread per idle connection. Takes 10-15 s here;
 * the timeout leaves room for a loaded machine.
 */
@Timeout(45)
class DefaultLimitsProbeTests {

	private static final int FRAMED_CLIENTS = 200;

	private static final int PARTIAL_MESSAGE_SIZE = 1024 * 1024;

	private static final int IDLE_CLIENTS = 4000;

	/** StreamServer.DEFAULT_MAX_CONNECTIONS, what a raw server's connection threads are bounded by. */
	private static final int DEFAULT_MAX_CONNECTIONS = 1000;

	@TempDir
	Path dir;

	@Test
	void manyLocalClientsExhaustNeitherHeapNorThreads() throws Exception {
		OtherUser.require(Files.isReadable(Path.of("/proc/self/status")), "it needs Linux /proc");
		Path lines = this.dir.resolve("lines.sock");
		Path raw = this.dir.resolve("raw.sock");
		int idleClients = IDLE_CLIENTS;
		String idleNote = IDLE_CLIENTS + " idle clients";
		UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		long available = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - FRAMED_CLIENTS - 100;
		if (available < IDLE_CLIENTS) {
			// Every client connection is a descriptor here (and one in the child, which has the same limit).
			idleClients = (int) Math.max(0, available);
			idleNote = idleClients + " idle clients (reduced from " + IDLE_CLIENTS
					+ ": the descriptor limit, ulimit -n, is " + os.getMaxFileDescriptorCount() + ")";
		}
		Process child = startChild(lines, raw);
		ChildOutput output = new ChildOutput(child.getInputStream());
		List<SocketChannel> clients = new ArrayList<>();
		ThreadSampler threads = null;
		try {
			assertThat(output.await("READY", Duration.ofSeconds(25)))
				.as("child started; its output:%n%s", output.tail())
				.isTrue();
			threads = new ThreadSampler(child.pid());
			int baseline = threads.current();

			FloodResult flood = flood(lines, clients);
			assertThat(flood.unfinished)
				.as("every 1MB write finished, or the server closed its connection; child output:%n%s", output.tail())
				.isZero();
			for (int i = 0; i < idleClients; i++) {
				clients.add(SocketChannel.open(UnixDomainSocketAddress.of(raw)));
			}
			// The accept loop takes connections in order: once this one is answered or refused, all were handled.
			assertThat(answeredOrRefused(raw)).as("raw server handled the idle clients").isTrue();

			long start = System.nanoTime();
			CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
				try (TestClient fresh = TestClient.connect(lines)) {
					return fresh.exchange("hello\n");
				}
				catch (IOException ex) {
					return ex.toString();
				}
			});
			assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("hello\n");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a new client's reply time")
				.isLessThan(Duration.ofSeconds(1));

			int closedByBudget = closed(clients.subList(0, FRAMED_CLIENTS));
			System.out.printf(
					"PROBE threads: %d before, at most %d; framed clients closed by the server: %d of %d (%d of them "
							+ "mid-write); %s; fresh client's reply in %d ms%n",
					baseline, threads.max(), closedByBudget, FRAMED_CLIENTS, flood.refused, idleNote,
					TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
			// 200 buffers of about 1MB cannot all fit in 32MB: the budget must have closed most of them.
			assertThat(closedByBudget).as("framed clients closed by the buffer budget").isPositive();
			assertThat(child.isAlive()).as("child alive; its output:%n%s", output.tail()).isTrue();
			assertThat(output.toString()).as("child output").doesNotContain("OutOfMemoryError");
			int bound = baseline + DEFAULT_MAX_CONNECTIONS + FRAMED_CLIENTS + 50;
			assertThat(threads.max()).as(
					"most threads in the child (%d before the attack) with %d framed clients (%d closed by the "
							+ "server) and %s",
					baseline, FRAMED_CLIENTS, flood.refused, idleNote)
				.isLessThanOrEqualTo(bound);
		}
		finally {
			for (SocketChannel client : clients) {
				client.close();
			}
			if (threads != null) {
				threads.stop();
			}
			child.destroy();
			if (!child.waitFor(20, TimeUnit.SECONDS)) {
				child.destroyForcibly();
			}
		}
	}

	private Process startChild(Path lines, Path raw) throws IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
				ProbeApplication.class.getName(), lines.toString(), raw.toString())
			.redirectErrorStream(true)
			.start();
	}

	/** Each client sends 1MB without a newline; non-blocking, so a server that stops reading cannot hang us. */
	private static FloodResult flood(Path lines, List<SocketChannel> clients) throws IOException {
		ByteBuffer payload = ByteBuffer.allocateDirect(PARTIAL_MESSAGE_SIZE);
		byte[] chunk = new byte[8192];
		Arrays.fill(chunk, (byte) 'x');
		while (payload.hasRemaining()) {
			payload.put(chunk, 0, Math.min(chunk.length, payload.remaining()));
		}
		payload.flip();
		FloodResult result = new FloodResult();
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < FRAMED_CLIENTS; i++) {
				SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(lines));
				clients.add(client);
				client.configureBlocking(false);
				client.register(selector, SelectionKey.OP_WRITE, payload.duplicate());
			}
			result.unfinished = FRAMED_CLIENTS;
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
			while (result.unfinished > 0 && System.nanoTime() < deadline) {
				selector.select(100);
				Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
				while (keys.hasNext()) {
					SelectionKey key = keys.next();
					keys.remove();
					ByteBuffer rest = (ByteBuffer) key.attachment();
					try {
						((SocketChannel) key.channel()).write(rest);
						if (rest.hasRemaining()) {
							continue;
						}
					}
					catch (IOException ex) {
						// closed by the server mid-write: the buffer budget at work
						result.refused++;
					}
					key.cancel();
					result.unfinished--;
				}
			}
		}
		return result;
	}

	/** @return how many of these non-blocking clients the server has closed */
	private static int closed(List<SocketChannel> clients) {
		int closed = 0;
		ByteBuffer buffer = ByteBuffer.allocate(1);
		for (SocketChannel client : clients) {
			try {
				if (client.read(buffer.clear()) < 0) {
					closed++;
				}
			}
			catch (IOException ex) {
				closed++;
			}
		}
		return closed;
	}

	/** @return whether the server echoed a byte or closed the connection (beyond max-connections) */
	private static boolean answeredOrRefused(Path raw) throws Exception {
		try (SocketChannel marker = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			marker.connect(UnixDomainSocketAddress.of(raw));
			CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
				try {
					marker.write(ByteBuffer.wrap(new byte[] { 'm' }));
					return marker.read(ByteBuffer.allocate(1));
				}
				catch (IOException ex) {
					return -1;
				}
			});
			int n = read.get(10, TimeUnit.SECONDS);
			return n == 1 || n == -1;
		}
	}

	private static final class FloodResult {

		int unfinished;

		int refused;

	}


	/** Follows the child's live thread count ({@code Threads:} in /proc/pid/status) and keeps its maximum. */
	private static final class ThreadSampler {

		private final Path status;

		private final AtomicInteger max = new AtomicInteger();

		private final Thread sampler;

		private volatile boolean running = true;

		ThreadSampler(long pid) {
			this.status = Path.of("/proc", Long.toString(pid), "status");
			this.max.set(current());
			this.sampler = new Thread(() -> {
				while (this.running) {
					this.max.accumulateAndGet(current(), Math::max);
					try {
						Thread.sleep(10);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "probe-threads");
			this.sampler.setDaemon(true);
			this.sampler.start();
		}

		int current() {
			try {
				for (String line : Files.readAllLines(this.status)) {
					if (line.startsWith("Threads:")) {
						return Integer.parseInt(line.substring("Threads:".length()).trim());
					}
				}
			}
			catch (IOException ex) {
				// the child is gone: nothing to add
			}
			return 0;
		}

		int max() {
			this.max.accumulateAndGet(current(), Math::max);
			return this.max.get();
		}

		void stop() {
			this.running = false;
			this.sampler.interrupt();
		}

	}

	/** The application under attack: default settings but for paths and protocols. */
	static final class ProbeApplication {

		public static void main(String[] args) {
			new SpringApplicationBuilder(ProbeConfiguration.class).web(WebApplicationType.NONE)
				.bannerMode(Banner.Mode.OFF)
				.run("--unix-socket.servers.lines.path=" + args[0], "--unix-socket.servers.lines.protocol=lines",
						"--unix-socket.servers.raw.path=" + args[1], "--spring.main.log-startup-info=false");
			System.out.println("READY");
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(UnixSocketAutoConfiguration.class)
	static class ProbeConfiguration {

		@Bean
		@UnixSocketHandler("lines")
		MessageHandler linesEcho() {
			return (connection, message) -> message;
		}

		@Bean
		@UnixSocketHandler("raw")
		ConnectionHandler rawEcho() {
			return (connection) -> connection.inputStream().transferTo(connection.outputStream());
		}

	}

}
