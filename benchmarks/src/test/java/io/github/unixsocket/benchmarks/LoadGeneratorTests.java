package io.github.unixsocket.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.github.unixsocket.server.Framing;
import io.github.unixsocket.server.StreamServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The load generator must count real round trips and catch a server that corrupts data. */
@Timeout(60)
class LoadGeneratorTests {

	@TempDir
	Path dir;

	@Test
	void countsVerifiedRoundTripsAgainstAnEchoServer() throws Exception {
		Path path = this.dir.resolve("echo.sock");
		try (StreamServer server = StreamServer.builder("echo", path)
			.handler((connection) -> connection.inputStream().transferTo(connection.outputStream()))
			.build()) {
			server.start();
			LoadGenerator.Result result = new LoadGenerator(path, 4, 64).run(Duration.ofMillis(100),
					Duration.ofMillis(300));
			assertThat(result.errors()).isZero();
			assertThat(result.requests()).isPositive();
			assertThat(server.bytesReceived()).isGreaterThanOrEqualTo(result.requests() * 64);
			assertThat(result.line()).startsWith("RESULT conns=4 msg=64 requests=" + result.requests() + " ");
		}
	}

	@Test
	void countsCorruptedEchoesAsErrors() throws Exception {
		Path path = this.dir.resolve("corrupt.sock");
		try (StreamServer server = StreamServer.builder("corrupt", path).handler((connection) -> {
			byte[] message = new byte[64];
			while (connection.inputStream().readNBytes(message, 0, 64) == 64) {
				message[63] ^= 1;
				connection.outputStream().write(message);
			}
		}).build()) {
			server.start();
			LoadGenerator.Result result = new LoadGenerator(path, 2, 64).run(Duration.ZERO, Duration.ofMillis(200));
			assertThat(result.errors()).isPositive();
		}
	}

	@Test
	void lineModeSendsOneLineOfTextPerMessageAndChecksTheEcho() throws Exception {
		Path path = this.dir.resolve("lines.sock");
		AtomicLong lines = new AtomicLong();
		try (StreamServer server = StreamServer.builder("lines", path).messages(Framing.LINES, (connection, line) -> {
			// A line is the message without its newline: 63 printable bytes, so exactly one line per message.
			if (line.length != 63) {
				throw new IllegalStateException("line of " + line.length + " bytes");
			}
			for (byte b : line) {
				if (b < '!' || b > '~') {
					throw new IllegalStateException("byte " + b + " in a line");
				}
			}
			lines.incrementAndGet();
			return line;
		}).dispatch(StreamServer.Dispatch.EVENT_LOOP).build()) {
			server.start();
			LoadGenerator.Result result = new LoadGenerator(path, 4, 64, true).run(Duration.ofMillis(100),
					Duration.ofMillis(300));
			assertThat(result.errors()).isZero();
			assertThat(result.requests()).isPositive();
			assertThat(lines.get()).isGreaterThanOrEqualTo(result.requests());
			assertThat(server.handlerErrors()).isZero();
			assertThat(result.line()).startsWith("RESULT conns=4 msg=64 requests=").endsWith(" mode=lines");
		}
	}

	@Test
	void lineModeCountsACorruptedLineAsAnError() throws Exception {
		Path path = this.dir.resolve("corrupt-lines.sock");
		try (StreamServer server = StreamServer.builder("corrupt-lines", path)
			.messages(Framing.LINES, (connection, line) -> {
				line[line.length - 1] ^= 1;
				return line;
			})
			.dispatch(StreamServer.Dispatch.EVENT_LOOP)
			.build()) {
			server.start();
			LoadGenerator.Result result = new LoadGenerator(path, 2, 64, true).run(Duration.ZERO,
					Duration.ofMillis(200));
			assertThat(result.errors()).isPositive();
		}
	}

	@Test
	void lineModeNeedsRoomForTheHeaderAndTheNewline() {
		assertThatIllegalArgumentException().isThrownBy(() -> new LoadGenerator(this.dir.resolve("x.sock"), 1, 16, true));
	}

}
