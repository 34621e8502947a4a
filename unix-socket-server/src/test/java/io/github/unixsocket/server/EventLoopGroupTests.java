package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The loops' lifecycle, shared by servers, and the watchdog for a blocked loop. */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class EventLoopGroupTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private StreamServer server(EventLoopGroup loops, String name, MessageHandler handler,
			StreamServer.Dispatch dispatch) {
		return this.servers.add(StreamServer.builder(name, this.servers.path(name + ".sock"))
			.messages(Framing.LINES, handler)
			.dispatch(dispatch)
			.eventLoops(loops)
			.build());
	}

	private Path path(StreamServer server) {
		return this.servers.path(server.name() + ".sock");
	}

	@Test
	void handlerBlockingTheLoopIsCountedAndReportedWithTheLoopThreadsStack(CapturedOutput output) throws Exception {
		EventLoopGroup loops = this.servers.loops("blocked", 1, Duration.ofMillis(100));
		StreamServer server = server(loops, "blocking", EventLoopGroupTests::sleepsOnTheLoop,
				StreamServer.Dispatch.EVENT_LOOP);
		server.start();
		try (TestClient client = TestClient.connect(path(server))) {
			assertThat(client.exchange("quick\n")).isEqualTo("quick\n");
			assertThat(loops.blockedCount()).isZero();
			assertThat(client.exchange("sleep\n")).isEqualTo("sleep\n");
			awaitCondition(() -> loops.blockedCount() == 1);
			awaitCondition(() -> output.getOut().contains("sleepsOnTheLoop"));
			// Quick ones are fine, and the long one was reported once, though the watchdog looked several times.
			for (int i = 0; i < 100; i++) {
				assertThat(client.exchange("quick\n")).isEqualTo("quick\n");
			}
			assertThat(loops.blockedCount()).isEqualTo(1);
		}
		assertThat(output.getOut()).contains("WARN")
			.contains("Event loop blocked-1 has been busy with one task for")
			.contains("(threshold 100 ms): a handler on the event loop must not block; use dispatch: workers")
			.contains("java.lang.IllegalStateException: Blocked here")
			.contains("java.lang.Thread.sleep")
			.contains("io.github.unixsocket.server.EventLoopGroupTests.sleepsOnTheLoop(EventLoopGroupTests.java:");
	}

	private static byte[] sleepsOnTheLoop(Connection connection, byte[] message) throws InterruptedException {
		if (new String(message, StandardCharsets.UTF_8).equals("sleep")) {
			Thread.sleep(500);
		}
		return message;
	}

	@Test
	void loopsRunWhileAServerUsesThemAndStartAgainWithTheNext() throws Exception {
		Set<Thread> before = nonDaemonThreads();
		EventLoopGroup loops = this.servers.loops("lifecycle", 2, Duration.ofSeconds(1));
		StreamServer first = server(loops, "first", FramedServerTests.ECHO, StreamServer.Dispatch.WORKERS);
		StreamServer second = server(loops, "second", FramedServerTests.ECHO, StreamServer.Dispatch.EVENT_LOOP);
		assertThat(loops.isRunning()).isFalse();
		assertThat(groupThreads()).isEmpty();
		first.start();
		second.start();
		assertThat(loops.isRunning()).isTrue();
		assertThat(groupThreads()).containsExactlyInAnyOrder("lifecycle-1", "lifecycle-2", "lifecycle-watchdog");
		exchange(first);
		exchange(second);
		// Still used by the second server.
		first.stop();
		assertThat(loops.isRunning()).isTrue();
		exchange(second);
		second.stop();
		assertThat(loops.isRunning()).isFalse();
		// The loops end with the last server, the watchdog soon after: nothing keeps the JVM alive.
		awaitCondition(() -> groupThreads().isEmpty());
		assertThat(nonDaemonThreads()).isEqualTo(before);
		// A server starting again starts them again.
		first.start();
		assertThat(loops.isRunning()).isTrue();
		assertThat(groupThreads()).containsExactlyInAnyOrder("lifecycle-1", "lifecycle-2", "lifecycle-watchdog");
		exchange(first);
		first.stop();
		awaitCondition(() -> groupThreads().isEmpty());
		assertThat(nonDaemonThreads()).isEqualTo(before);
	}

	@Test
	void loopsAreNonDaemonThreadsThatKeepTheJvmAlive() throws Exception {
		EventLoopGroup loops = this.servers.loops("alive", 1, Duration.ofSeconds(1));
		StreamServer server = server(loops, "alive", FramedServerTests.ECHO, StreamServer.Dispatch.EVENT_LOOP);
		server.start();
		Thread loop = Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("alive-1"))
			.findFirst()
			.orElseThrow();
		assertThat(loop.isDaemon()).isFalse();
		server.stop();
		assertThat(loop.isAlive()).isFalse();
	}

	@Test
	void loopThatNeverStartedReleasesItsSelector() throws Exception {
		// What EventLoopGroup does with the loops it opened when opening the next one fails (no descriptor left).
		EventLoop loop = new EventLoop("never-started", java.nio.channels.spi.SelectorProvider.provider());
		loop.shutdown();
		assertThat(loop.selector().isOpen()).isFalse();
	}

	@Test
	void settingsAreChecked() {
		assertThatIllegalArgumentException().isThrownBy(() -> new EventLoopGroup("none", 0, Duration.ofSeconds(1)));
		assertThatIllegalArgumentException().isThrownBy(() -> new EventLoopGroup("zero", 1, Duration.ZERO));
		assertThat(EventLoopGroup.shared().threads())
			.isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
		assertThat(EventLoopGroup.shared().blockedThreshold()).isEqualTo(Duration.ofSeconds(1));
	}

	private void exchange(StreamServer server) throws IOException {
		try (TestClient client = TestClient.connect(path(server))) {
			assertThat(client.exchange("to " + server.name() + "\n")).isEqualTo("to " + server.name() + "\n");
		}
	}

	private static Set<String> groupThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.map(Thread::getName)
			.filter((name) -> name.startsWith("lifecycle-"))
			.collect(Collectors.toSet());
	}

	private static Set<Thread> nonDaemonThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> !thread.isDaemon() && thread.isAlive())
			.collect(Collectors.toSet());
	}

}
