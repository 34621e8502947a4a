package io.github.unixsocket.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.peer.PeerPolicy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

/** Clients that misbehave: the server stays up, bounded, and serves everyone else. */
@Timeout(120)
class AbuseTests {

	private static final ConnectionHandler ECHO = (connection) -> connection.inputStream()
		.transferTo(connection.outputStream());

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	@Test
	void peerAllowListRefusesAnotherUserAndServesTheAllowedOne() throws Exception {
		OtherUser.require("socat");
		// nobody must be able to reach and open the socket: only the peer check may refuse it.
		Files.setPosixFilePermissions(this.servers.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
		Path rootOnly = this.servers.path("root-only.sock");
		StreamServer refusing = this.servers.start(StreamServer.builder("root-only", rootOnly)
			.handler(ECHO)
			.permissions(FilePermissions.parse("0666"))
			.peerPolicy(PeerPolicy.of(List.of("root"), List.of())));
		Path nobodyAllowed = this.servers.path("nobody.sock");
		this.servers.start(StreamServer.builder("nobody", nobodyAllowed)
			.handler(ECHO)
			.permissions(FilePermissions.parse("0666"))
			.peerPolicy(PeerPolicy.of(List.of("nobody"), List.of())));

		assertThat(socatAsNobody(rootOnly, "refused?\n")).isEmpty();
		awaitCondition(() -> refusing.rejectedConnections(RejectReason.UNAUTHORIZED) == 1);
		assertThat(refusing.acceptedConnections()).isZero();
		assertThat(socatAsNobody(nobodyAllowed, "served\n")).isEqualTo("served\n");
		try (TestClient root = TestClient.connect(rootOnly)) {
			assertThat(root.exchange("root is allowed")).isEqualTo("root is allowed");
		}
	}

	@Test
	void connectDisconnectChurnLeaksNoDescriptorsOrThreads() throws Exception {
		Path path = this.servers.path("churn.sock");
		StreamServer server = this.servers.start(StreamServer.builder("churn", path).handler(ECHO));
		try (TestClient warm = TestClient.connect(path)) {
			assertThat(warm.exchange("warm")).isEqualTo("warm");
		}
		awaitCondition(() -> server.openConnections() == 0);
		long fdsBefore = openDescriptors();
		int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
		for (int i = 0; i < 10_000; i++) {
			try (TestClient client = TestClient.connect(path)) {
				if (i % 2 == 0) {
					client.write("half an exchange");
				}
			}
		}
		// Connects complete in the listen backlog: wait until the server has taken and closed them all.
		awaitCondition(() -> server.acceptedConnections() == 10_001 && server.openConnections() == 0);
		awaitCondition(() -> ManagementFactory.getThreadMXBean().getThreadCount() <= threadsBefore + 2);
		assertThat(openDescriptors()).isLessThanOrEqualTo(fdsBefore + 2);
		try (TestClient after = TestClient.connect(path)) {
			assertThat(after.exchange("still serving")).isEqualTo("still serving");
		}
	}

	@Test
	void slowClientsDoNotStarveNormalOnes() throws Exception {
		Path path = this.servers.path("slow.sock");
		StreamServer server = this.servers
			.start(StreamServer.builder("slow", path).handler(ECHO).idleTimeout(Duration.ofMinutes(1)));
		List<TestClient> slow = new ArrayList<>();
		try {
			for (int i = 0; i < 200; i++) {
				TestClient client = TestClient.connect(path);
				client.write("partial, never finished ");
				slow.add(client);
			}
			awaitCondition(() -> server.openConnections() == 200);
			List<CompletableFuture<Long>> normal = new ArrayList<>();
			ExecutorService threads = Executors.newFixedThreadPool(20);
			for (int c = 0; c < 20; c++) {
				normal.add(CompletableFuture.supplyAsync(() -> {
					long worstNanos = 0;
					try (TestClient client = TestClient.connect(path)) {
						for (int i = 0; i < 50; i++) {
							long start = System.nanoTime();
							assertThat(client.exchange("normal " + i)).isEqualTo("normal " + i);
							worstNanos = Math.max(worstNanos, System.nanoTime() - start);
						}
					}
					catch (IOException ex) {
						throw new IllegalStateException(ex);
					}
					return worstNanos;
				}, threads));
			}
			threads.shutdown();
			for (CompletableFuture<Long> client : normal) {
				// A functional bound, not a benchmark: no exchange waits behind the slow clients.
				assertThat(TimeUnit.NANOSECONDS.toMillis(client.get(60, TimeUnit.SECONDS))).isLessThan(5_000);
			}
		}
		finally {
			for (TestClient client : slow) {
				client.close();
			}
		}
	}

	@Test
	void clientThatNeverReadsIsClosedByTheIdleTimeout() throws Exception {
		Path path = this.servers.path("never-reads.sock");
		byte[] chunk = new byte[64 * 1024];
		StreamServer server = this.servers.start(StreamServer.builder("never-reads", path)
			.idleTimeout(Duration.ofMillis(500))
			.handler((connection) -> {
				connection.inputStream().read();
				while (true) {
					connection.outputStream().write(chunk);
				}
			}));
		try (TestClient hog = TestClient.connect(path)) {
			hog.write("x");
			// The handler's write blocks once the socket buffers are full; nothing moves, so it is idle.
			awaitCondition(() -> server.openConnections() == 0);
			try (TestClient other = TestClient.connect(path)) {
				other.write("y");
				assertThat(other.readBytes(1024)).hasSize(1024);
			}
		}
		assertThat(server.handlerErrors()).isZero();
	}

	@Test
	void handlerThatBlocksForeverDoesNotHoldUpShutdown() throws Exception {
		Path path = this.servers.path("stuck.sock");
		CompletableFuture<Void> entered = new CompletableFuture<>();
		StreamServer server = this.servers.start(StreamServer.builder("stuck", path).handler((connection) -> {
			entered.complete(null);
			while (true) {
				try {
					Thread.sleep(1000);
				}
				catch (InterruptedException ex) {
					// a badly written handler that swallows interrupts
				}
			}
		}));
		try (TestClient client = TestClient.connect(path)) {
			entered.get(10, TimeUnit.SECONDS);
			long start = System.nanoTime();
			DrainResult result = server.stop(Duration.ofMillis(300));
			assertThat(result.forceClosed()).isEqualTo(1);
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			assertThat(server.state()).isEqualTo(ServerState.STOPPED);
			assertThat(path).doesNotExist();
		}
	}

	private String socatAsNobody(Path socket, String input) throws Exception {
		Process process = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "socat",
				"-t", "2", "-", "UNIX-CONNECT:" + socket)
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.start();
		process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().close();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
	}

	private static long openDescriptors() throws IOException {
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			return fds.count();
		}
	}

}
