package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.unixsocket.server.FramedServerTests.awaitStable;
import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Stopping a server served by event loops: the file goes at once, connections idle between
 * requests close at once, what was received is answered (and sent) first, and what is left
 * at the deadline is closed.
 */
@Timeout(60)
class LoopDrainTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private final EventLoopGroup loop = this.servers.loops("drain", 1, Duration.ofSeconds(10));

	private StreamServer start(Path path, MessageHandler handler, StreamServer.Dispatch dispatch) throws IOException {
		return this.servers.start(StreamServer.builder("drain", path)
			.messages(Framing.LINES, handler)
			.dispatch(dispatch)
			.eventLoops(this.loop));
	}

	@Test
	void idleCloseAtOnceARequestInFlightIsAnsweredAndStragglersAreClosedAtTheDeadline() throws Exception {
		Path path = this.servers.path("drain.sock");
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		StreamServer server = start(path, (connection, message) -> {
			if (new String(message, StandardCharsets.UTF_8).equals("slow")) {
				entered.countDown();
				release.await(10, TimeUnit.SECONDS);
				return "done".getBytes(StandardCharsets.UTF_8);
			}
			return message;
		}, StreamServer.Dispatch.WORKERS);
		try (TestClient idle = TestClient.connect(path); TestClient alsoIdle = TestClient.connect(path);
				TestClient inFlight = TestClient.connect(path); TestClient straggler = TestClient.connect(path)) {
			assertThat(idle.exchange("a\n")).isEqualTo("a\n");
			assertThat(alsoIdle.exchange("b\n")).isEqualTo("b\n");
			inFlight.write("slow\n");
			assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
			straggler.write("half a li");
			awaitCondition(() -> server.bytesReceived() == 2 + 2 + 5 + 9);
			long start = System.nanoTime();
			CompletableFuture<DrainResult> stopping = CompletableFuture
				.supplyAsync(() -> server.stop(Duration.ofMillis(1000)));
			// The file goes at once: nobody new gets in.
			awaitCondition(() -> server.state() == ServerState.DRAINING && !path.toFile().exists());
			assertThatIOException().isThrownBy(() -> TestClient.connect(path));
			// Idle connections close at once, not at the deadline.
			assertThat(idle.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(alsoIdle.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(800));
			// The request in flight is answered, then its connection closes.
			release.countDown();
			assertThat(inFlight.read(5)).isEqualTo("done\n");
			assertThat(inFlight.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(800));
			// The unfinished message is cut off at the deadline.
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(3, 1));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
			assertThat(straggler.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
		finally {
			release.countDown();
		}
		assertThat(server.state()).isEqualTo(ServerState.STOPPED);
		assertThat(server.openConnections()).isZero();
		assertThat(server.connections()).isEmpty();
		assertThat(server.bufferBudget().used()).isZero();
	}

	@Test
	void repliesTheClientHasNotReadYetAreSentBeforeTheConnectionCloses() throws Exception {
		Path path = this.servers.path("unsent.sock");
		String large = "r".repeat(100_000);
		StreamServer server = start(path, (connection, message) -> large.getBytes(StandardCharsets.UTF_8),
				StreamServer.Dispatch.EVENT_LOOP);
		try (TestClient client = TestClient.connect(path)) {
			// Ten requests, a megabyte of replies: more than the socket takes, they wait on the server.
			client.write("1\n2\n3\n4\n5\n6\n7\n8\n9\n0\n");
			long sent = awaitStable(server::bytesSent, Duration.ofMillis(200));
			assertThat(sent).isLessThan(1_000_010);
			CompletableFuture<DrainResult> stopping = CompletableFuture
				.supplyAsync(() -> server.stop(Duration.ofSeconds(30)));
			awaitCondition(() -> server.state() == ServerState.DRAINING);
			// Not idle while replies wait to be sent: all of them arrive, then the end.
			assertThat(client.read(1_000_010)).isEqualTo((large + "\n").repeat(10));
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(1, 0));
		}
	}

	@Test
	void stoppingWithNothingOpenIsImmediateAndTheServerStartsAgain() throws Exception {
		Path path = this.servers.path("again.sock");
		StreamServer server = start(path, FramedServerTests.ECHO, StreamServer.Dispatch.WORKERS);
		for (int i = 0; i < 3; i++) {
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.exchange("round " + i + "\n")).isEqualTo("round " + i + "\n");
			}
			awaitCondition(() -> server.openConnections() == 0);
			long start = System.nanoTime();
			assertThat(server.stop(Duration.ofSeconds(30))).isEqualTo(DrainResult.NONE);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
			assertThat(path).doesNotExist();
			assertThat(this.loop.isRunning()).isFalse();
			server.start();
		}
	}

}
