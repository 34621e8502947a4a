package io.github.unixsocket.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.unixsocket.command.CommandProcessor;
import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.FramedConnectionHandler;
import io.github.unixsocket.server.ServerFixture;
import io.github.unixsocket.server.StreamServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.convert.ApplicationConversionService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;

/** The client against real servers built with the engine, no Spring context. */
@Timeout(60)
class UnixSocketClientTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private Path start(ConnectionHandler handler) throws IOException {
		Path path = this.servers.path("server-" + this.servers.started().size() + ".sock");
		this.servers.start(StreamServer.builder("test", path).handler(handler));
		return path;
	}

	@Test
	void sendsCommandsAndReadsReplies() throws Exception {
		CommandProcessor processor = CommandProcessor.of("test", new Commands(), JsonMapper.shared(),
				ApplicationConversionService.getSharedInstance(), List.of());
		Path path = start(FramedConnectionHandler.lines(processor, 1024 * 1024));
		try (UnixSocketClient client = UnixSocketClient.connect(path)) {
			CommandReply reply = client.send("add", Map.of("a", 2, "b", 3));
			assertThat(reply.isOk()).isTrue();
			assertThat(reply.id().asLong()).isEqualTo(1);
			assertThat(reply.payload(Integer.class)).isEqualTo(5);
			CommandReply error = client.send("add", Map.of("a", 2));
			assertThat(error.isOk()).isFalse();
			assertThat(error.id().asLong()).isEqualTo(2);
			assertThat(error.error()).isEqualTo("missing argument 'b'");
			assertThat(client.send("ping", null).payload(String.class)).isEqualTo("pong");
			assertThat(client.send("echo", Map.of("text", "x".repeat(200_000))).payload(String.class))
				.hasSize(200_000);
			assertThat(client.sendLine("echo text=raw")).isEqualTo("{\"status\":\"ok\",\"payload\":\"raw\"}");
		}
	}

	@Test
	void sendsLengthPrefixedFrames() throws Exception {
		Path path = start(FramedConnectionHandler.lengthPrefixed((connection, message) -> message, 1024 * 1024));
		try (UnixSocketClient client = UnixSocketClient.connect(path)) {
			assertThat(client.sendFrame(new byte[0])).isEmpty();
			byte[] big = new byte[500_000];
			big[499_999] = 7;
			assertThat(client.sendFrame(big)).isEqualTo(big);
			assertThat(client.sendFrame("x".getBytes(StandardCharsets.UTF_8))).containsExactly('x');
		}
	}

	@Test
	void readTimeoutFiresAndClosesTheClient() throws Exception {
		Path path = start((connection) -> connection.inputStream().transferTo(OutputStream.nullOutputStream()));
		try (UnixSocketClient client = UnixSocketClient.builder(path).readTimeout(Duration.ofMillis(300)).connect()) {
			long start = System.nanoTime();
			assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> client.sendLine("hello"));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
			assertThat(client.isOpen()).isFalse();
		}
	}

	@Test
	void connectTimeoutFiresWhenTheServerDoesNotAccept() throws Exception {
		Path path = this.servers.path("busy.sock");
		List<SocketChannel> waiting = new ArrayList<>();
		try (ServerSocketChannel busy = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			busy.bind(UnixDomainSocketAddress.of(path), 1);
			// Fill the accept backlog: the next connect cannot complete.
			for (int i = 0; i < 8; i++) {
				SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
				channel.configureBlocking(false);
				waiting.add(channel);
				try {
					channel.connect(UnixDomainSocketAddress.of(path));
				}
				catch (IOException ex) {
					break;
				}
			}
			long start = System.nanoTime();
			assertThatIOException().isThrownBy(
					() -> UnixSocketClient.builder(path).connectTimeout(Duration.ofMillis(300)).connect().close());
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
		}
		finally {
			for (SocketChannel channel : waiting) {
				channel.close();
			}
		}
	}

	@Test
	void missingSocketFailsToConnect() {
		assertThatIOException().isThrownBy(() -> UnixSocketClient.connect(this.servers.path("none.sock")));
	}

	@Test
	void replyOverTheLimitFailsWithoutReadingIt() throws Exception {
		Path path = start(FramedConnectionHandler.lengthPrefixed((connection, message) -> new byte[100_000], 1024));
		try (UnixSocketClient client = UnixSocketClient.builder(path).maxMessageSize(1000).connect()) {
			assertThatIOException().isThrownBy(() -> client.sendFrame(new byte[1]))
				.withMessageContaining("exceeds the limit of 1000");
			assertThat(client.isOpen()).isFalse();
		}
	}

	@Test
	void sendRejectsWhatIsNotACommandReply() throws Exception {
		Path echo = start(FramedConnectionHandler.lines((connection, message) -> message, 1024 * 1024));
		try (UnixSocketClient client = UnixSocketClient.connect(echo)) {
			assertThatIOException().isThrownBy(() -> client.send("ping", Map.of()))
				.withMessageContaining("Not a command reply: {\"id\":1,");
			assertThat(client.sendLine("not json")).isEqualTo("not json");
		}
		Path wrongId = start(FramedConnectionHandler.lines(
				(connection, message) -> "{\"id\":99,\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8), 1024));
		try (UnixSocketClient client = UnixSocketClient.connect(wrongId)) {
			assertThatIOException().isThrownBy(() -> client.send("ping", Map.of()))
				.withMessageContaining("Expected the reply to request 1");
		}
		Path notJson = start(
				FramedConnectionHandler.lines((connection, message) -> "{oops".getBytes(StandardCharsets.UTF_8), 1024));
		try (UnixSocketClient client = UnixSocketClient.connect(notJson)) {
			assertThatIOException().isThrownBy(() -> client.send("ping", Map.of()))
				.withMessageContaining("Not a command reply: {oops");
		}
	}

	@Test
	void serverClosingIsEndOfStream() throws Exception {
		Path path = start((connection) -> connection.inputStream().readNBytes(4));
		try (UnixSocketClient client = UnixSocketClient.connect(path)) {
			assertThatExceptionOfType(EOFException.class).isThrownBy(() -> client.sendLine("bye"));
		}
	}

	static class Commands {

		@UnixSocketCommand(name = "add")
		int add(int a, int b) {
			return a + b;
		}

		@UnixSocketCommand(name = "echo")
		String echo(String text) {
			return text;
		}

	}

}
