package io.github.unixsocket.server;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

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
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * A server's socket passed to the process that serves it next (systemd's fd store): the
 * descriptor found for a JDK channel is the listening socket itself, and a stop that leaves
 * the socket refuses no client: one connecting after the stop waits in the backlog and is
 * served by whoever holds the socket then. The test plays that holder with a duplicate.
 */
@Timeout(60)
@EnabledOnOs(OS.LINUX)
class SocketDescriptorTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	@Test
	void aStopThatLeavesTheSocketKeepsItsFileAndQueuesClientsForTheNextHolder() throws Exception {
		Path path = this.servers.path("lines.sock");
		StreamServer server = this.servers.start(StreamServer.builder("lines", path)
			.messages(Framing.LINES, (connection, message) -> message)
			.build());
		Object inode = fileKey(path);
		AFUNIXServerSocketChannel next = this.servers.closing(holder(server.socketDescriptor()));
		server.leaveSocketOnStop();
		server.stop();
		assertThat(path).as("left for the next holder").exists();
		assertThat(fileKey(path)).isEqualTo(inode);
		try (TestClient client = TestClient.connect(path)) {
			client.write("after the stop\n");
			try (var accepted = next.accept()) {
				ByteBuffer line = ByteBuffer.allocate(64);
				accepted.read(line);
				assertThat(new String(line.array(), 0, line.position(), StandardCharsets.UTF_8))
					.isEqualTo("after the stop\n");
			}
		}
	}

	/**
	 * Every way a server accepts survives a stop that leaves the socket: the JDK shuts a
	 * socket down to wake a thread blocked in accept(), and junixsocket shuts down any socket
	 * it closes, each for every process holding it.
	 */
	@Test
	void everyKindOfServerStopsWithoutShuttingDownTheSocketItLeaves() throws Exception {
		String abstractName = "unix-socket-test-left-" + ProcessHandle.current().pid();
		List<StreamServer> servers = List.of(
				StreamServer.builder("raw", this.servers.path("raw.sock")).handler((connection) -> {
				}).build(),
				StreamServer.builder("lines", this.servers.path("lines.sock"))
					.messages(Framing.LINES, (connection, message) -> message)
					.build(),
				StreamServer.abstractBuilder("abstract", abstractName).handler((connection) -> {
				}).build());
		for (StreamServer server : servers) {
			this.servers.start(server);
			AFUNIXServerSocketChannel next = this.servers.closing(holder(server.socketDescriptor()));
			server.leaveSocketOnStop();
			server.stop();
			try (SocketChannel client = connect(server.address())) {
				client.write(ByteBuffer.wrap(new byte[] { 'x' }));
				try (var accepted = next.accept()) {
					assertThat(accepted.read(ByteBuffer.allocate(1))).as(server.name()).isEqualTo(1);
				}
			}
		}
		Path datagrams = this.servers.path("sink.sock");
		DatagramServer sink = this.servers.start(DatagramServer.builder("sink", datagrams).handler((datagram) -> {
		}).build());
		AFUNIXDatagramChannel next = this.servers.closing(
				FileDescriptorCast.duplicating(sink.socketDescriptor()).as(AFUNIXDatagramChannel.class));
		sink.leaveSocketOnStop();
		sink.stop();
		try (AFUNIXDatagramChannel sender = AFUNIXDatagramChannel.open()) {
			sender.send(ByteBuffer.wrap(new byte[] { 1 }), AFUNIXSocketAddress.of(datagrams));
		}
		ByteBuffer received = ByteBuffer.allocate(8);
		next.receive(received);
		assertThat(received.position()).as("the datagram socket still receives").isEqualTo(1);
	}

	private static SocketChannel connect(String address) throws IOException {
		return NativeSockets.isAbstract(address)
				? AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(address.substring(1)))
				: SocketChannel.open(UnixDomainSocketAddress.of(address));
	}

	@Test
	void aThreadPerConnectionServerAndADatagramServerGiveTheirSockets() throws Exception {
		Path stream = this.servers.path("raw.sock");
		StreamServer raw = this.servers.start(StreamServer.builder("raw", stream).handler((connection) -> {
		}).build());
		AFUNIXServerSocketChannel holder = this.servers.closing(holder(raw.socketDescriptor()));
		assertThat(holder.getLocalAddress()).isNotNull();
		Path datagrams = this.servers.path("sink.sock");
		DatagramServer sink = this.servers.start(DatagramServer.builder("sink", datagrams)
			.handler((datagram) -> {
			}).build());
		AFUNIXDatagramChannel copy = this.servers.closing(
				FileDescriptorCast.duplicating(sink.socketDescriptor()).as(AFUNIXDatagramChannel.class));
		assertThat(((AFUNIXSocketAddress) copy.getLocalAddress()).getPath()).isEqualTo(datagrams.toString());
	}

	@Test
	void aStopThatDoesNotLeaveTheSocketRemovesItsFile() throws Exception {
		Path path = this.servers.path("gone.sock");
		StreamServer server = this.servers.start(StreamServer.builder("gone", path)
			.messages(Framing.LINES, (connection, message) -> message)
			.build());
		server.stop();
		assertThat(path).doesNotExist();
		assertThatIOException().isThrownBy(server::socketDescriptor).withMessageContaining("'gone' is not running");
	}

	@Test
	void theListingMatchesTheBoundAddressAndTheSocketKind() {
		List<String> procNetUnix = List.of(
				"Num       RefCount Protocol Flags    Type St Inode Path",
				"0000000000000000: 00000002 00000000 00010000 0001 01 101 /run/app/lines.sock",
				"0000000000000000: 00000003 00000000 00000000 0001 03 102 /run/app/lines.sock",
				"0000000000000000: 00000002 00000000 00000000 0002 01 103 /run/app/sink.sock",
				"0000000000000000: 00000002 00000000 00010000 0001 01 104 @abstract",
				"0000000000000000: 00000002 00000000 00010000 0001 01 105 /run/app/lines.sock.old");
		assertThat(SocketDescriptors.inodes(procNetUnix, ServerType.STREAM, "/run/app/lines.sock"))
			.as("the listening socket, not a connection accepted from it").containsExactly("101");
		assertThat(SocketDescriptors.inodes(procNetUnix, ServerType.DATAGRAM, "/run/app/sink.sock"))
			.containsExactly("103");
		assertThat(SocketDescriptors.inodes(procNetUnix, ServerType.DATAGRAM, "/run/app/lines.sock")).isEmpty();
		assertThat(SocketDescriptors.inodes(procNetUnix, ServerType.STREAM, "@abstract")).containsExactly("104");
	}

	/** What systemd does with a stored descriptor: keeps a copy of its own. */
	private static AFUNIXServerSocketChannel holder(FileDescriptor descriptor) throws IOException {
		return FileDescriptorCast.duplicating(descriptor).as(AFUNIXServerSocketChannel.class);
	}

	private static Object fileKey(Path path) throws IOException {
		return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
	}

}
