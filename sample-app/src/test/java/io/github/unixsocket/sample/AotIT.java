package io.github.unixsocket.sample;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.unixsocket.client.CommandReply;
import io.github.unixsocket.client.UnixDatagramClient;
import io.github.unixsocket.client.UnixSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repackaged jar, AOT-processed at build time ({@code process-aot}), run with
 * {@code -Dspring.aot.enabled=true}: the generated bean definitions and runtime hints are
 * what a native image would run on. Every socket is driven: raw echo, the command socket
 * (reflective command methods, Jackson binding), datagrams, lines, and HTTP on
 * {@code actuator.sock}.
 */
@Timeout(150)
class AotIT {

	@TempDir
	Path dir;

	@Test
	void everySocketServesInAotMode() throws Exception {
		SampleJar app = SampleJar.start(this.dir, List.of("-Dspring.aot.enabled=true"), "--server.port=0");
		try (app) {
			for (String socket : List.of("actuator.sock", "echo.sock", "admin.sock", "events.sock", "lines.sock")) {
				app.awaitSocket(this.dir.resolve(socket));
			}
			try (SocketChannel echo = connect(this.dir.resolve("echo.sock"))) {
				assertThat(exchange(echo, "raw\n", 4)).isEqualTo("raw\n");
			}
			try (SocketChannel lines = connect(this.dir.resolve("lines.sock"))) {
				assertThat(exchange(lines, "one\ntwo\n", 8)).isEqualTo("one\ntwo\n");
			}
			try (UnixSocketClient admin = UnixSocketClient.connect(this.dir.resolve("admin.sock"))) {
				assertThat(admin.send("ping", Map.of()).payload().asString()).isEqualTo("pong");
				CommandReply echo = admin.send("echo", Map.of("text", "aot"));
				assertThat(echo.payload().asString()).isEqualTo("aot");
				assertThat(admin.send("status", Map.of()).payload().get("servers").has("lines")).isTrue();
				// The "self" HTTP client: a bean definition the AOT-generated code registers.
				assertThat(admin.send("self-health", Map.of()).payload().get("status").asString()).isEqualTo("UP");
			}
			try (UnixDatagramClient events = UnixDatagramClient.connect(this.dir.resolve("events.sock"))) {
				assertThat(events.request("event", Duration.ofSeconds(10))).isEqualTo("ok 1");
			}
			try (SocketChannel http = connect(this.dir.resolve("actuator.sock"))) {
				String response = httpGet(http, "/actuator/health");
				assertThat(response).startsWith("HTTP/1.1 200").contains("\"status\":\"UP\"");
			}
		}
		assertThat(app.log()).contains("Unix socket server 'lines' listening on").doesNotContain("ERROR");
	}

	private static SocketChannel connect(Path socket) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		channel.connect(UnixDomainSocketAddress.of(socket));
		return channel;
	}

	private static String exchange(SocketChannel channel, String text, int length) throws IOException {
		channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
		ByteBuffer reply = ByteBuffer.allocate(length);
		while (reply.hasRemaining() && channel.read(reply) >= 0) {
			// until the whole reply is back
		}
		return new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8);
	}

	private static String httpGet(SocketChannel channel, String path) throws IOException {
		channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII)));
		ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
		while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
			// until the server closes
		}
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
	}

}
