package io.github.unixsocket.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** What the fixture promises the tests that use it, run by hand around a "test". */
@Timeout(60)
class ServerFixtureTests {

	@Test
	void stopsWhatTheTestLeftRunningAndRemovesItsDirectory() throws Exception {
		ServerFixture fixture = new ServerFixture();
		fixture.beforeEach(null);
		Path dir = fixture.dir();
		assertThat(dir).isEmptyDirectory();
		EventLoopGroup loops = fixture.loops("fixture-test", 1, Duration.ofSeconds(1));
		StreamServer onLoops = fixture.start(StreamServer.builder("on-loops", fixture.path("loops.sock"))
			.messages(Framing.LINES, (connection, message) -> message)
			.eventLoops(loops));
		DatagramServer datagrams = fixture.start(DatagramServer.builder("datagrams", fixture.path("d/d.sock"))
			.handler((datagram) -> {
			}));
		Files.writeString(fixture.path("d/left.txt"), "left behind");
		CountDownLatch closed = new CountDownLatch(1);
		fixture.closing(closed::countDown);
		assertThat(loops.isRunning()).isTrue();
		fixture.afterEach(null);
		assertThat(onLoops.state()).isEqualTo(ServerState.STOPPED);
		assertThat(datagrams.state()).isEqualTo(ServerState.STOPPED);
		assertThat(loops.isRunning()).isFalse();
		assertThat(closed.getCount()).isZero();
		assertThat(dir).doesNotExist();
	}

	@Test
	void failsWhenAServerThreadOutlivesTheTest() throws Exception {
		ServerFixture fixture = new ServerFixture(Duration.ofMillis(200));
		fixture.beforeEach(null);
		CountDownLatch end = new CountDownLatch(1);
		Thread stray = new Thread(() -> {
			try {
				end.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "unix-socket-stray-accept");
		stray.start();
		try {
			assertThatIllegalStateException().isThrownBy(() -> fixture.afterEach(null))
				.withMessage("Left running after the test: [thread unix-socket-stray-accept]");
		}
		finally {
			end.countDown();
			stray.join();
		}
	}

}
