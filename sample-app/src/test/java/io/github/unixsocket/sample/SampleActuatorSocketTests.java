package io.github.unixsocket.sample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.client.CommandReply;
import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.server.UnixSocketServerView;
import io.github.unixsocket.test.AutoConfigureUnixSocketTestClients;
import io.github.unixsocket.test.UnixSocketTestClients;
import io.github.unixsocket.test.UnixSocketTestDirectory;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's Actuator over actuator.sock with curl, as the README shows it (in this test
 * context's socket directory, the web server's socket is {@code http.sock}).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@UnixSocketTestDirectory
@AutoConfigureUnixSocketTestClients
class SampleActuatorSocketTests {

	@Autowired
	UnixSocketTestClients sockets;

	@Autowired
	UnixSocketServers servers;

	@Test
	void healthEndpointAndMetricsOverTheSocket() throws Exception {
		Path socket = this.sockets.path("http");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)))
			.isEqualTo("rw-------");
		assertThat(curl(socket, "/actuator/health/unixSocket")).contains("\"http\"").contains("\"status\":\"UP\"");
		assertThat(curl(socket, "/actuator/unixsockets/http")).contains("\"protocol\":\"http\"")
			.contains("\"user\":\"" + System.getProperty("user.name") + "\"");
		assertThat(curl(socket, "/actuator/metrics/unix.socket.connections.current?tag=server:http"))
			.contains("\"name\":\"unix.socket.connections.current\"");
	}

	/** admin.sock's self-health: the "self" HTTP client calls this application over its own actuator.sock. */
	@Test
	void selfHealthFetchesTheHealthOverTheSocketWithTheNamedClient() throws Exception {
		UnixSocketServerView http = this.servers.get("http");
		long accepted = http.acceptedConnections();
		try (UnixSocketClient admin = UnixSocketClient.connect(this.sockets.path("admin"))) {
			CommandReply reply = admin.send("self-health", Map.of());
			assertThat(reply.isOk()).as(reply.toString()).isTrue();
			JsonNode health = reply.payload(JsonNode.class);
			assertThat(health.get("status").asString()).isEqualTo("UP");
			assertThat(health.get("components").get("unixSocket").get("status").asString()).isEqualTo("UP");
		}
		assertThat(http.acceptedConnections()).isGreaterThan(accepted);
	}

	private static String curl(Path socket, String path) throws Exception {
		Required.onPath("curl");
		Process process = new ProcessBuilder("curl", "-s", "--max-time", "10", "--unix-socket", socket.toString(),
				"http://localhost" + path)
			.start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
		return out;
	}

}
