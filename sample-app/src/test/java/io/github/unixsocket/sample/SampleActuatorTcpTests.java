package io.github.unixsocket.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * What the sample serves on TCP: by default nothing, since every local user can reach a
 * loopback port and what actuator.sock (0600) protects would be theirs; with
 * {@code server.unix-socket.tcp-enabled=true}, Actuator on loopback, with a startup warning.
 */
@Timeout(90)
@ExtendWith(OutputCaptureExtension.class)
class SampleActuatorTcpTests {

	@TempDir
	Path dir;

	private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	private final HttpClient http = HttpClient.newHttpClient();

	/** The sample's own configuration, on a port nothing else uses, as a user runs it with --server.port. */
	private int start(String... arguments) throws IOException {
		int port;
		try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = free.getLocalPort();
		}
		List<String> all = new ArrayList<>(List.of("--sample.socket-dir=" + this.dir, "--server.port=" + port));
		all.addAll(List.of(arguments));
		this.contexts.add(new SpringApplicationBuilder(SampleApplication.class).run(all.toArray(String[]::new)));
		return port;
	}

	@AfterEach
	void close() {
		this.contexts.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void byDefaultActuatorIsOnItsSocketOnlyAndNothingListensOnTcp(CapturedOutput output) throws Exception {
		int port = start();
		SocketHttp socket = new SocketHttp(this.dir.resolve("actuator.sock"));
		assertThat((String) JsonPath.read(socket.get("/actuator/health", 200),
				"$.components.unixSocket.components.echo.status")).isEqualTo("UP");
		assertThat(socket.get("/actuator/unixsockets/echo", 200)).contains("\"connections\"");
		try (Socket tcp = new Socket()) {
			assertThatIOException().as("TCP on 127.0.0.1:%d", port)
				.isThrownBy(() -> tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000));
		}
		assertThat(output).doesNotContain("are served on TCP port");
	}

	@Test
	void theDocumentedPropertyPutsActuatorOnLoopbackTcpWithAWarning(CapturedOutput output) throws Exception {
		int port = start("--server.unix-socket.tcp-enabled=true");
		String health = get(port, "/actuator/health");
		assertThat((Integer) JsonPath.read(health, "$.components.unixSocket.components.echo.details.openConnections"))
			.isZero();
		assertThat(get(port, "/actuator/unixsockets/echo")).contains("\"connections\"");
		assertThat(get(port, "/actuator/metrics/unix.socket.connections.accepted")).contains("\"measurements\"");
		assertThat(new SocketHttp(this.dir.resolve("actuator.sock")).get("/actuator/health", 200))
			.contains("\"status\":\"UP\"");
		assertThat(output).contains("are served on TCP port " + port + " as well as on the web server's Unix socket "
				+ this.dir.resolve("actuator.sock"));
		// Loopback only, as application.yml says.
		Optional<InetAddress> other = otherAddress();
		Required.that(other.isPresent(), "this machine has no address besides loopback");
		try (Socket socket = new Socket()) {
			assertThatIOException().as("HTTP on %s", other.get())
				.isThrownBy(() -> socket.connect(new InetSocketAddress(other.get(), port), 5000));
		}
	}

	private String get(int port, String path) throws Exception {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
		return response.body();
	}

	private static Optional<InetAddress> otherAddress() throws SocketException {
		return NetworkInterface.networkInterfaces()
			.filter((network) -> {
				try {
					return network.isUp() && !network.isLoopback();
				}
				catch (SocketException ex) {
					return false;
				}
			})
			.flatMap(NetworkInterface::inetAddresses)
			.filter((address) -> !address.isLoopbackAddress() && !address.isLinkLocalAddress())
			.findFirst();
	}

}
