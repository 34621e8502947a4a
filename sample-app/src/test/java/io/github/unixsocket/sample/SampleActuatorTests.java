package io.github.unixsocket.sample;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.test.AutoConfigureUnixSocketTestClients;
import io.github.unixsocket.test.UnixSocketTestClients;
import io.github.unixsocket.test.UnixSocketTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reads the sample's Actuator endpoints over its web server's socket (in this test
 * context's socket directory, {@code http.sock}) while real clients hold connections to
 * echo.sock.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@UnixSocketTestDirectory
@AutoConfigureUnixSocketTestClients
@Timeout(60)
class SampleActuatorTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@Autowired
	UnixSocketTestClients sockets;

	private Path echo() {
		return this.sockets.path("echo");
	}

	@Test
	void healthEndpointAndMetricsSeeOpenConnections() throws Exception {
		List<SocketChannel> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 2; i++) {
				clients.add(connectAndEcho());
			}
			String health = get("/actuator/health", 200);
			assertThat((String) JsonPath.read(health, "$.status")).isEqualTo("UP");
			assertThat((String) JsonPath.read(health, "$.components.unixSocket.components.echo.status")).isEqualTo("UP");
			assertThat((Integer) JsonPath.read(health,
					"$.components.unixSocket.components.echo.details.openConnections")).isEqualTo(2);
			assertThat((String) JsonPath.read(health, "$.components.unixSocket.components.echo.details.path"))
				.isEqualTo(echo().toString());

			String servers = get("/actuator/unixsockets", 200);
			assertThat((String) JsonPath.read(servers, "$.servers[0].name")).isEqualTo("echo");
			assertThat((String) JsonPath.read(servers, "$.servers[0].permissions")).isEqualTo("0660");
			assertThat((Integer) JsonPath.read(servers, "$.servers[0].openConnections")).isEqualTo(2);
			assertThat((Integer) JsonPath.read(servers, "$.servers[0].acceptedConnections")).isGreaterThanOrEqualTo(2);

			String echo = get("/actuator/unixsockets/echo", 200);
			assertThat((List<?>) JsonPath.read(echo, "$.connections")).hasSize(2);
			assertThat((Integer) JsonPath.read(echo, "$.connections[0].bytesReceived")).isEqualTo(1);
			assertThat((String) JsonPath.read(echo, "$.connections[0].openedAt")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
			assertThat((String) JsonPath.read(echo, "$.connections[0].peer.user"))
				.isEqualTo(System.getProperty("user.name"));
			get("/actuator/unixsockets/nope", 404);

			assertThat(currentConnections()).isEqualTo(2.0);
		}
		finally {
			for (SocketChannel client : clients) {
				client.close();
			}
		}
		await().atMost(WAIT).until(() -> currentConnections() == 0.0);
		String accepted = get("/actuator/metrics/unix.socket.connections.accepted?tag=server:echo", 200);
		assertThat((Double) JsonPath.read(accepted, "$.measurements[0].value")).isGreaterThanOrEqualTo(2.0);
	}

	@Test
	void linesAndAdminShowMessageCountsAndHandlerTimeWithoutAnObservationPerMessage() throws Exception {
		try (SocketChannel lines = SocketChannel.open(UnixDomainSocketAddress.of(this.sockets.path("lines")))) {
			for (int i = 0; i < 2; i++) {
				lines.write(ByteBuffer.wrap("hi\n".getBytes(StandardCharsets.UTF_8)));
				ByteBuffer reply = ByteBuffer.allocate(3);
				while (reply.hasRemaining()) {
					assertThat(lines.read(reply)).isNotNegative();
				}
			}
		}
		try (UnixSocketClient admin = UnixSocketClient.connect(this.sockets.path("admin"))) {
			assertThat(admin.send("ping", Map.of()).payload(String.class)).isEqualTo("pong");
		}
		for (String server : new String[] { "lines", "admin" }) {
			double expected = server.equals("lines") ? 2.0 : 1.0;
			await().atMost(WAIT).until(() -> (Double) JsonPath.read(
					get("/actuator/metrics/unix.socket.messages.received?tag=server:" + server, 200),
					"$.measurements[0].value") >= expected);
			String time = get("/actuator/metrics/unix.socket.handler.time?tag=server:" + server, 200);
			List<Double> count = JsonPath.read(time, "$.measurements[?(@.statistic=='COUNT')].value");
			List<Double> total = JsonPath.read(time, "$.measurements[?(@.statistic=='TOTAL_TIME')].value");
			assertThat(count.get(0)).isGreaterThanOrEqualTo(expected);
			assertThat(total.get(0)).isPositive();
		}
		// As shipped, no observation per message: no unix.socket.handler timer for them.
		get("/actuator/metrics/unix.socket.handler?tag=server:lines", 404);
	}

	@Test
	void closingConnectionsNeedsUnrestrictedAccess() throws Exception {
		try (SocketChannel client = connectAndEcho()) {
			Integer id = JsonPath.read(get("/actuator/unixsockets/echo", 200), "$.connections[0].id");
			assertThat(http().request("DELETE", "/actuator/unixsockets/echo/" + id).status()).isEqualTo(404);
			// The server kept the connection: it still echoes (a closed one reads end-of-stream) and is listed.
			echo(client);
			List<Integer> ids = JsonPath.read(get("/actuator/unixsockets/echo", 200), "$.connections[*].id");
			assertThat(ids).contains(id);
		}
	}

	@Test
	@DirtiesContext
	void deletingTheSocketFileTurnsHealthDown() throws Exception {
		assertThat((String) JsonPath.read(get("/actuator/health/unixSocket", 200), "$.status")).isEqualTo("UP");
		Files.delete(echo());
		String health = get("/actuator/health/unixSocket", 503);
		assertThat((String) JsonPath.read(health, "$.components.echo.status")).isEqualTo("DOWN");
		assertThat((String) JsonPath.read(health, "$.components.echo.details.reason")).contains("deleted");
		assertThat((String) JsonPath.read(get("/actuator/health", 503), "$.status")).isEqualTo("DOWN");
	}

	private SocketChannel connectAndEcho() throws IOException {
		SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
		client.connect(UnixDomainSocketAddress.of(echo()));
		// The echo proves the handler runs, so the connection is counted as open.
		echo(client);
		return client;
	}

	private static void echo(SocketChannel client) throws IOException {
		client.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)));
		ByteBuffer reply = ByteBuffer.allocate(1);
		while (reply.hasRemaining()) {
			assertThat(client.read(reply)).as("echo from the server").isNotNegative();
		}
		assertThat(reply.get(0)).isEqualTo((byte) 'x');
	}

	private double currentConnections() throws Exception {
		String body = get("/actuator/metrics/unix.socket.connections.current?tag=server:echo", 200);
		return JsonPath.read(body, "$.measurements[0].value");
	}

	private String get(String path, int expectedStatus) throws Exception {
		return http().get(path, expectedStatus);
	}

	private SocketHttp http() {
		return new SocketHttp(this.sockets.path("http"));
	}

}
