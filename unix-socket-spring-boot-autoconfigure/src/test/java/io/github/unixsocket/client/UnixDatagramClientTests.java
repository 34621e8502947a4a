package io.github.unixsocket.client;

import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.github.unixsocket.server.DatagramServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@Timeout(60)
class UnixDatagramClientTests {

	@TempDir
	Path dir;

	@Test
	void requestGetsTheServersReplyAndTheClientCleansUp() throws Exception {
		Path path = this.dir.resolve("upper.sock");
		AtomicReference<String> sender = new AtomicReference<>();
		try (DatagramServer server = DatagramServer.builder("upper", path).handler((datagram) -> {
			sender.set(datagram.sender());
			datagram.reply(datagram.text().toUpperCase());
		}).build()) {
			server.start();
			try (UnixDatagramClient client = UnixDatagramClient.connect(path)) {
				assertThat(client.request("hello", Duration.ofSeconds(5))).isEqualTo("HELLO");
				assertThat(client.request("again", Duration.ofSeconds(5))).isEqualTo("AGAIN");
			}
			assertThat(Path.of(sender.get())).as("the client's private address is removed on close")
				.doesNotExist();
			assertThat(server.datagramsReceived()).isEqualTo(2);
		}
	}

	@Test
	void receiveTimesOutWhenNoReplyComes() throws Exception {
		Path path = this.dir.resolve("silent.sock");
		try (DatagramServer server = DatagramServer.builder("silent", path).handler((datagram) -> {
		}).build()) {
			server.start();
			try (UnixDatagramClient client = UnixDatagramClient.connect(path)) {
				client.send("anyone?".getBytes());
				assertThatExceptionOfType(SocketTimeoutException.class)
					.isThrownBy(() -> client.receive(Duration.ofMillis(200)));
			}
		}
	}

}
