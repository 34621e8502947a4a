package io.github.unixsocket.sample;

import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import io.github.unixsocket.test.AutoConfigureUnixSocketTestClients;
import io.github.unixsocket.test.UnixSocketTestClients;
import io.github.unixsocket.test.UnixSocketTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** With unrestricted access, {@code DELETE /actuator/unixsockets/echo/{id}} closes that connection. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.unixsockets.access=unrestricted")
@UnixSocketTestDirectory
@AutoConfigureUnixSocketTestClients
@Timeout(60)
class SampleActuatorWriteAccessTests {

	@Autowired
	UnixSocketTestClients sockets;

	@LocalServerPort
	int port;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void deleteClosesTheConnection() throws Exception {
		try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			client.connect(UnixDomainSocketAddress.of(this.sockets.path("echo")));
			client.write(ByteBuffer.wrap(new byte[] { 'x' }));
			assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(1);
			HttpResponse<String> detail = send(HttpRequest.newBuilder(uri("/actuator/unixsockets/echo")).build());
			Integer id = JsonPath.read(detail.body(), "$.connections[0].id");

			HttpResponse<String> deleted = send(
					HttpRequest.newBuilder(uri("/actuator/unixsockets/echo/" + id)).DELETE().build());
			assertThat(deleted.statusCode()).isEqualTo(200);
			assertThat((Integer) JsonPath.read(deleted.body(), "$.id")).isEqualTo(id);
			CompletableFuture<Integer> eof = CompletableFuture.supplyAsync(() -> {
				try {
					return client.read(ByteBuffer.allocate(1));
				}
				catch (Exception ex) {
					return -1;
				}
			});
			assertThat(eof.get(20, TimeUnit.SECONDS)).isEqualTo(-1);

			// The client saw end-of-stream; the server unregisters the connection a moment later.
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
			int status;
			do {
				status = send(HttpRequest.newBuilder(uri("/actuator/unixsockets/echo/" + id)).DELETE().build())
					.statusCode();
			}
			while (status == 200 && System.nanoTime() < deadline && sleep());
			assertThat(status).isEqualTo(204);
		}
	}

	private static boolean sleep() throws InterruptedException {
		Thread.sleep(20);
		return true;
	}

	private HttpResponse<String> send(HttpRequest request) throws Exception {
		return this.http.send(HttpRequest.newBuilder(request, (name, value) -> true).timeout(Duration.ofSeconds(20)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

}
