package io.github.unixsocket.server;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Descriptors passed over a connection both ways, with a real file behind them: what a
 * handler takes is its own, what it leaves is closed, no more than the limit is taken, and
 * nothing leaks (the process's {@code /proc/self/fd} is counted).
 */
@Timeout(60)
@EnabledOnOs(OS.LINUX)
class FileDescriptorPassingTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	/** "read": the content of the first descriptor received; "count": how many came; "send": a file back. */
	private MessageHandler fileHandler(Path served) {
		return (connection, message) -> {
			String command = new String(message, StandardCharsets.UTF_8);
			switch (command) {
				case "read" -> {
					FileDescriptor[] received = connection.receiveFileDescriptors();
					try (FileInputStream in = new FileInputStream(received[0])) {
						return in.readAllBytes();
					}
				}
				case "count" -> {
					FileDescriptor[] received = connection.receiveFileDescriptors();
					for (FileDescriptor descriptor : received) {
						new FileInputStream(descriptor).close();
					}
					return String.valueOf(received.length).getBytes(StandardCharsets.UTF_8);
				}
				case "send" -> {
					try (FileInputStream file = new FileInputStream(served.toFile())) {
						connection.sendFileDescriptors(file.getFD());
					}
					return "sent".getBytes(StandardCharsets.UTF_8);
				}
				default -> {
					// Takes nothing: whatever came is closed for it.
					return message;
				}
			}
		};
	}

	@ParameterizedTest
	@EnumSource(StreamServer.Dispatch.class)
	void aFramedHandlerReadsAFileItWasPassedAndSendsOneBack(StreamServer.Dispatch dispatch) throws Exception {
		Path secret = Files.writeString(this.servers.path("secret.txt"), "the log\n");
		Path given = Files.writeString(this.servers.path("given.txt"), "from the peer");
		Path path = this.servers.path("files.sock");
		this.servers.start(StreamServer.builder("files", path)
			.messages(Framing.LINES, fileHandler(secret))
			.dispatch(dispatch)
			.maxFileDescriptors(2));
		try (AFUNIXSocket client = connect(path); FileInputStream file = new FileInputStream(given.toFile())) {
			client.setOutboundFileDescriptors(file.getFD());
			assertThat(exchange(client, "read")).isEqualTo("from the peer");

			assertThat(exchange(client, "send")).isEqualTo("sent");
			FileDescriptor[] received = client.getReceivedFileDescriptors();
			assertThat(received).hasSize(1);
			try (FileInputStream log = new FileInputStream(received[0])) {
				assertThat(new String(log.readAllBytes(), StandardCharsets.UTF_8))
					.as("the server closed its own: the duplicate it sent is open")
					.isEqualTo("the log\n");
			}
		}
	}

	@Test
	void noMoreThanTheLimitIsTakenAndWhatIsLeftIsClosed() throws Exception {
		Path given = Files.writeString(this.servers.path("given.txt"), "x");
		Path path = this.servers.path("files.sock");
		this.servers.start(StreamServer.builder("files", path)
			.messages(Framing.LINES, fileHandler(given))
			.maxFileDescriptors(2));
		try (FileInputStream file = new FileInputStream(given.toFile())) {
			FileDescriptor[] ten = new FileDescriptor[10];
			Arrays.fill(ten, file.getFD());
			try (AFUNIXSocket client = connect(path)) {
				assertThat(exchange(client, "ping")).as("warm up: the loop's own descriptors").isEqualTo("ping");
				long before = openDescriptors();
				for (int i = 0; i < 50; i++) {
					client.setOutboundFileDescriptors(ten);
					assertThat(exchange(client, "count")).isEqualTo("2");
					client.setOutboundFileDescriptors(ten);
					assertThat(exchange(client, "ignored")).isEqualTo("ignored");
				}
				assertThat(openDescriptors()).as("500 sent, 100 taken and closed, the rest closed unclaimed")
					.isEqualTo(before);
			}
		}
	}

	@Test
	void aRawHandlerTakesWhatCameWithItsLastRead() throws Exception {
		Path given = Files.writeString(this.servers.path("given.txt"), "raw");
		Path path = this.servers.path("raw.sock");
		this.servers.start(StreamServer.builder("raw", path).maxFileDescriptors(1).handler((connection) -> {
			InputStream in = connection.inputStream();
			OutputStream out = connection.outputStream();
			int b = in.read();
			FileDescriptor[] received = connection.receiveFileDescriptors();
			connection.sendFileDescriptors(received);
			new FileInputStream(received[0]).close();
			out.write(b);
			out.flush();
		}));
		try (AFUNIXSocket client = connect(path); FileInputStream file = new FileInputStream(given.toFile())) {
			client.setOutboundFileDescriptors(file.getFD());
			client.getOutputStream().write('!');
			assertThat(client.getInputStream().read()).isEqualTo('!');
			FileDescriptor[] back = client.getReceivedFileDescriptors();
			assertThat(back).as("the one it was given, echoed").hasSize(1);
			try (FileInputStream echoed = new FileInputStream(back[0])) {
				assertThat(new String(echoed.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("raw");
			}
		}
	}

	@Test
	void aServerThatDoesNotPassDescriptorsSaysHowToTurnThemOn() throws Exception {
		Path path = this.servers.path("plain.sock");
		this.servers.start(StreamServer.builder("plain", path).messages(Framing.LINES, (connection, message) -> {
			try {
				connection.receiveFileDescriptors();
				return "taken".getBytes(StandardCharsets.UTF_8);
			}
			catch (UnsupportedOperationException ex) {
				return ex.getMessage().getBytes(StandardCharsets.UTF_8);
			}
		}));
		try (AFUNIXSocket client = connect(path); FileInputStream file = new FileInputStream(path.toFile().getParentFile())) {
			client.setOutboundFileDescriptors(file.getFD());
			assertThat(exchange(client, "x")).contains("'plain' does not pass file descriptors")
				.contains("max-file-descriptors");
		}
		catch (IOException directory) {
			// A directory cannot be opened as a stream on every JVM: send none then.
			try (AFUNIXSocket client = connect(path)) {
				assertThat(exchange(client, "x")).contains("max-file-descriptors");
			}
		}
	}

	@Test
	void theLimitIsTheKernels() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StreamServer.builder("x", this.servers.path("x.sock")).maxFileDescriptors(254))
			.withMessageContaining("SCM_MAX_FD");
	}

	private static AFUNIXSocket connect(Path path) throws IOException {
		AFUNIXSocket client = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
		client.setAncillaryReceiveBufferSize(1024);
		client.setSoTimeout(10_000);
		return client;
	}

	private static String exchange(AFUNIXSocket client, String line) throws IOException {
		client.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
		InputStream in = client.getInputStream();
		StringBuilder reply = new StringBuilder();
		int b;
		while ((b = in.read()) != '\n' && b >= 0) {
			reply.append((char) b);
		}
		return reply.toString();
	}

	private static long openDescriptors() throws IOException {
		try (var fds = Files.list(Path.of("/proc/self/fd"))) {
			return fds.count();
		}
	}

}
