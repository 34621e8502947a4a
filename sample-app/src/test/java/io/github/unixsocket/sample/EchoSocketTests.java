package io.github.unixsocket.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.test.RawConnection;
import io.github.unixsocket.test.UnixSocketTest;
import io.github.unixsocket.test.UnixSocketTestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** Drives the sample's {@code echo.sock} with real command-line clients, and the test client. */
@UnixSocketTest(handlers = EchoHandler.class)
@Timeout(60)
class EchoSocketTests {

	@Autowired
	UnixSocketTestClients sockets;

	private Path echo() {
		return this.sockets.path("echo");
	}

	@Test
	void echoSocketHasTheDocumentedMode() throws IOException {
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(echo()))).isEqualTo("rw-rw----");
	}

	@Test
	void socatGetsItsBytesBack() throws Exception {
		Required.onPath("socat");
		String reply = run("hello from socat\n", "socat", "-", "UNIX-CONNECT:" + echo());
		assertThat(reply).isEqualTo("hello from socat\n");
	}

	@Test
	void netcatGetsItsBytesBack() throws Exception {
		Required.onPath("nc");
		// -N: shut down the write side at end of input, so the server sees EOF and nc exits.
		String reply = run("hello from nc\n", "nc", "-N", "-U", echo().toString());
		assertThat(reply).isEqualTo("hello from nc\n");
	}

	@Test
	void everyByteComesBackUntilTheClientCloses() throws IOException {
		try (RawConnection echo = this.sockets.connect("echo")) {
			assertThat(echo.write("one\n").readLine()).isEqualTo("one");
			assertThat(echo.write(new byte[] { 0, (byte) 0xff }).readNBytes(2)).containsExactly(0, 0xff);
			// Half-closed: the handler sees the end, echoes what is left and closes its side.
			assertThat(echo.write("the end").shutdownOutput().readAll()).isEqualTo("the end");
		}
	}

	private static String run(String input, String... command) throws Exception {
		Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
		process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().close();
		assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
		return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
	}

}
