package io.github.unixsocket.sample;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Runs the repackaged jar with {@code java -jar} on the JDK running the build: its sockets
 * come up, and junixsocket's native library loads without JDK 22+'s restricted-method
 * warning (the manifest's {@code Enable-Native-Access}), and Actuator is served on
 * actuator.sock, not on TCP.
 */
@Timeout(120)
class FatJarIT {

	@TempDir
	Path socketDir;

	@Test
	void runsWithoutTheRestrictedNativeAccessWarning() throws Exception {
		int port;
		try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = free.getLocalPort();
		}
		SampleJar app = SampleJar.start(this.socketDir, List.of(), "--server.port=" + port);
		try (app) {
			app.awaitSocket(this.socketDir.resolve("events.sock"));
			app.awaitSocket(this.socketDir.resolve("actuator.sock"));
			assertThat(new SocketHttp(this.socketDir.resolve("actuator.sock")).get("/actuator/health", 200))
				.contains("\"status\":\"UP\"");
			// Actuator on its 0600 socket only: no TCP port for every local user to read it on.
			try (Socket tcp = new Socket()) {
				assertThatIOException().isThrownBy(
						() -> tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000));
			}
		}
		assertThat(app.log()).contains("Unix socket server 'events' receiving on")
			.doesNotContain("restricted method")
			.doesNotContain("enable-native-access");
		assertThat(this.socketDir.resolve("events.sock")).doesNotExist();
	}

}
