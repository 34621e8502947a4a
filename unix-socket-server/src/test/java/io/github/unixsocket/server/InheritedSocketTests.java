package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

import io.github.unixsocket.server.file.FilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Servers on sockets bound by someone else (systemd's socket activation): served as they
 * are, never bound, changed or removed here. The sockets are bound by the test, as systemd
 * would, and handed over by descriptor number.
 */
@Timeout(60)
@EnabledOnOs(OS.LINUX)
class InheritedSocketTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private InheritedSocket listen(Path path, String name) throws IOException {
		// Kept open, as systemd keeps its own copy of every socket it passes.
		AFUNIXServerSocketChannel socket = this.servers.closing(AFUNIXServerSocketChannel.open());
		socket.bind(AFUNIXSocketAddress.of(path));
		Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
		return InheritedSocket.adopt(fd(socket.getFileDescriptor()), name);
	}

	private InheritedSocket datagram(Path path) throws IOException {
		AFUNIXDatagramChannel socket = this.servers.closing(AFUNIXDatagramChannel.open());
		socket.bind(AFUNIXSocketAddress.of(path));
		return InheritedSocket.adopt(fd(socket.getFileDescriptor()), null);
	}

	private static int fd(java.io.FileDescriptor descriptor) throws IOException {
		return FileDescriptorCast.using(descriptor).as(Integer.class);
	}

	@Test
	void framedServerServesTheInheritedSocketAndNeverTouchesItsFile() throws Exception {
		Path path = this.servers.path("lines.sock");
		InheritedSocket socket = listen(path, "lines");
		assertThat(socket.type()).isEqualTo(ServerType.STREAM);
		assertThat(socket.address()).isEqualTo(path.toString());
		assertThat(socket.name()).isEqualTo("lines");
		Object inode = fileKey(path);
		StreamServer server = this.servers.start(StreamServer.builder("lines", path)
			.permissions(FilePermissions.parse("0600"))
			.inherited(socket)
			.messages(Framing.LINES, (connection, message) -> message)
			.dispatch(StreamServer.Dispatch.EVENT_LOOP)
			.build());
		assertThat(server.isInherited()).isTrue();
		assertThat(server.isSocketFileOurs()).isTrue();
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("inherited\n")).isEqualTo("inherited\n");
		}
		// The configured mode is not applied: the socket is systemd's.
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-rw-rw-");
		server.stop();
		assertThat(path).exists();
		assertThat(fileKey(path)).isEqualTo(inode);
		assertThat(server.isSocketFileOurs()).isFalse();
		// The socket still queues connections, and the server serves them when it starts again.
		try (TestClient waiting = TestClient.connect(path)) {
			waiting.write("queued\n");
			server.start();
			assertThat(waiting.read(7)).isEqualTo("queued\n");
		}
	}

	@Test
	void rawServerServesTheInheritedSocketOnPlatformThreads() throws Exception {
		Path path = this.servers.path("echo.sock");
		StreamServer server = this.servers.start(StreamServer.builder("echo", path)
			.inherited(listen(path, null))
			.threadFactory((task) -> {
				throw new AssertionError("junixsocket's channels get platform threads");
			})
			.handler((connection) -> connection.inputStream().transferTo(connection.outputStream()))
			.build());
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("raw")).isEqualTo("raw");
		}
		Files.delete(path);
		assertThat(server.isSocketFileOurs()).as("the file is gone").isFalse();
	}

	@Test
	void datagramServerServesTheInheritedSocketAndRepliesFromIt() throws Exception {
		Path path = this.servers.path("events.sock");
		InheritedSocket socket = datagram(path);
		assertThat(socket.type()).isEqualTo(ServerType.DATAGRAM);
		DatagramServer server = this.servers.start(
				DatagramServer.builder("events", path).inherited(socket).handler((d) -> d.reply(d.payload())).build());
		try (AFUNIXDatagramChannel client = AFUNIXDatagramChannel.open()) {
			client.bind(AFUNIXSocketAddress.of(this.servers.path("client.sock")));
			client.send(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)), AFUNIXSocketAddress.of(path));
			ByteBuffer reply = ByteBuffer.allocate(16);
			AFUNIXSocketAddress from = (AFUNIXSocketAddress) client.receive(reply);
			assertThat(new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8)).isEqualTo("ping");
			assertThat(from.getPath()).isEqualTo(path.toString());
		}
		server.stop();
		assertThat(path).exists();
	}

	@Test
	void aSocketOfTheOtherTypeIsRefusedNamingBoth() throws Exception {
		InheritedSocket datagram = datagram(this.servers.path("d.sock"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StreamServer.builder("admin", this.servers.path("d.sock")).inherited(datagram))
			.withMessageContaining("datagram socket")
			.withMessageContaining("'admin' is a stream server");
	}

	@Test
	void aDescriptorThatIsNotASocketIsRefused() throws Exception {
		Path file = Files.writeString(this.servers.path("file"), "x");
		try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
			int fd = fd(in.getFD());
			org.assertj.core.api.Assertions.assertThatIOException().isThrownBy(() -> InheritedSocket.adopt(fd, null))
				.withMessageContaining("not a Unix stream or datagram socket");
		}
	}

	@Test
	void framedServerOnAnAbstractAddressRunsOnJunixsocketsEventLoop() throws Exception {
		String name = "unix-socket-test-" + UUID.randomUUID();
		StreamServer server = this.servers.start(StreamServer.abstractBuilder("abstract", name)
			.messages(Framing.LINES, (connection, message) -> (connection.peer().user() + ":"
					+ new String(message, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8))
			.build());
		try (AFUNIXSocketChannel client = AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name))) {
			client.write(ByteBuffer.wrap("a\nb\n".getBytes(StandardCharsets.UTF_8)));
			String user = System.getProperty("user.name");
			String expected = user + ":a\n" + user + ":b\n";
			ByteBuffer reply = ByteBuffer.allocate(expected.length());
			while (reply.hasRemaining() && client.read(reply) >= 0) {
				// until both replies arrived
			}
			assertThat(new String(reply.array(), StandardCharsets.UTF_8)).isEqualTo(expected);
		}
		assertThat(server.acceptedConnections()).isEqualTo(1);
	}

	private static Object fileKey(Path path) throws IOException {
		return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
	}

}
