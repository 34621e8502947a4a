package io.github.unixsocket.sample;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With unrestricted access, {@code DELETE /actuator/unixsockets/echo/{id}} over the web
 * server's socket closes that connection.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.unixsockets.access=unrestricted")
@UnixSocketTestDirectory
@AutoConfigureUnixSocketTestClients
@Timeout(60)
class SampleActuatorWriteAccessTests {

	@Autowired
	UnixSocketTestClients sockets;


	@Test
	void deleteClosesTheConnection() throws Exception {
		try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			client.connect(UnixDomainSocketAddress.of(this.sockets.path("echo")));
			client.write(ByteBuffer.wrap(new byte[] { 'x' }));
			assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(1);
			SocketHttp http = new SocketHttp(this.sockets.path("http"));
			Integer id = JsonPath.read(http.get("/actuator/unixsockets/echo", 200), "$.connections[0].id");

			SocketHttp.Response deleted = http.request("DELETE", "/actuator/unixsockets/echo/" + id);
			assertThat(deleted.status()).isEqualTo(200);
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
				status = http.request("DELETE", "/actuator/unixsockets/echo/" + id).status();
			}
			while (status == 200 && System.nanoTime() < deadline && sleep());
			assertThat(status).isEqualTo(204);
		}
	}

	private static boolean sleep() throws InterruptedException {
		Thread.sleep(20);
		return true;
	}

}
