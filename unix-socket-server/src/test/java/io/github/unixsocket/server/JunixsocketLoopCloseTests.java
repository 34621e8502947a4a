package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Framed servers on junixsocket's channels (abstract addresses, inherited sockets) and
 * their event loop: every way a connection ends (the client closes, half-closes, leaves
 * replies unread, stays idle, is one too many, the server stops) closes it and gives its
 * descriptor back. junixsocket's selector reports a peer's hang-up as an invalid key it
 * then forgets, and its non-blocking read reports the end of input as 0 bytes: churn by
 * another user once left every connection open, and the server full for ever.
 */
@Timeout(180)
@EnabledOnOs(OS.LINUX)
class JunixsocketLoopCloseTests {

	private static final int CYCLES = 150;

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	@ParameterizedTest
	@EnumSource(StreamServer.Dispatch.class)
	void abstractLinesServerClosesEveryConnectionItsClientsClosed(StreamServer.Dispatch dispatch) throws Exception {
		String name = uniqueName();
		// Fewer than the churn's connections: one left open for each would soon refuse everyone.
		StreamServer server = this.servers.start(StreamServer.abstractBuilder("abstract-lines", name)
			.messages(Framing.LINES, (connection, message) -> message)
			.dispatch(dispatch)
			.maxConnections(50));
		assertThat(exchangeAndClose(name, "warm\n")).isEqualTo("warm\n");
		awaitCondition(() -> server.openConnections() == 0);
		long fdsBefore = openDescriptors();

		churn(() -> AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name)),
				"ABSTRACT-CONNECT:" + name);

		awaitCondition(() -> server.openConnections() == 0);
		awaitCondition(() -> openDescriptors() <= fdsBefore + 2);
		assertThat(server.rejectedConnections()).isZero();
		assertThat(exchangeAndClose(name, "fresh\n")).isEqualTo("fresh\n");
	}

	@Test
	void inheritedLinesServerClosesEveryConnectionItsClientsClosed() throws Exception {
		// nobody must be able to reach the socket.
		Files.setPosixFilePermissions(this.servers.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
		Path path = this.servers.path("inherited.sock");
		StreamServer server = this.servers.start(StreamServer.builder("inherited-lines", path)
			.inherited(listen(path))
			.messages(Framing.LINES, (connection, message) -> message)
			.maxConnections(50));
		try (TestClient warm = TestClient.connect(path)) {
			assertThat(warm.exchange("warm\n")).isEqualTo("warm\n");
		}
		awaitCondition(() -> server.openConnections() == 0);
		long fdsBefore = openDescriptors();

		churn(() -> TestClient.connect(path).channel(), "UNIX-CONNECT:" + path);

		awaitCondition(() -> server.openConnections() == 0);
		awaitCondition(() -> openDescriptors() <= fdsBefore + 2);
		assertThat(server.rejectedConnections()).isZero();
		try (TestClient fresh = TestClient.connect(path)) {
			assertThat(fresh.exchange("fresh\n")).isEqualTo("fresh\n");
		}
	}

	@Test
	void workersReplyingToClientsThatLeftNeitherStallTheLoopNorLeak() throws Exception {
		// A worker's write that fails makes junixsocket close the channel and cancel its key,
		// which waits for the selector the loop holds: such replies are written by the loop.
		String name = uniqueName();
		byte[] big = new byte[512 * 1024];
		java.util.Arrays.fill(big, (byte) 'x');
		StreamServer server = this.servers.start(StreamServer.abstractBuilder("left", name)
			.messages(Framing.LINES, (connection, message) -> {
				if (message.length > 0 && message[0] == 'b') {
					Thread.sleep(5);
					return big;
				}
				return message;
			})
			.dispatch(StreamServer.Dispatch.WORKERS));
		long fdsBefore = openDescriptors();
		for (int i = 0; i < 100; i++) {
			try (AFUNIXSocketChannel client = AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name))) {
				client.write(ByteBuffer.wrap("big\nbig\n".getBytes(StandardCharsets.UTF_8)));
			}
		}
		awaitCondition(() -> server.acceptedConnections() == 100 && server.openConnections() == 0);
		awaitCondition(() -> openDescriptors() <= fdsBefore + 2);
		assertThat(exchangeAndClose(name, "fresh\n")).isEqualTo("fresh\n");
	}

	@Test
	void aClientThatHalfClosesGetsItsRepliesThenTheEndOfInput() throws Exception {
		String name = uniqueName();
		StreamServer server = this.servers.start(StreamServer.abstractBuilder("half-close", name)
			.messages(Framing.LINES, (connection, message) -> message));
		try (AFUNIXSocketChannel client = AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name))) {
			client.write(ByteBuffer.wrap("a\nlast without newline".getBytes(StandardCharsets.UTF_8)));
			client.shutdownOutput();
			ByteBuffer replies = ByteBuffer.allocate(64);
			// Blocking: returns at the end of input, which the server sends by closing once it has answered.
			while (client.read(replies) >= 0) {
				assertThat(replies.hasRemaining()).isTrue();
			}
			assertThat(new String(replies.array(), 0, replies.position(), StandardCharsets.UTF_8))
				.isEqualTo("a\nlast without newline\n");
		}
		awaitCondition(() -> server.openConnections() == 0);
	}

	@Test
	void idleTimeoutMaxConnectionsAndStopLeakNothingOnAnAbstractAddress() throws Exception {
		long fdsAtStart = openDescriptors();
		String name = uniqueName();
		StreamServer server = this.servers.start(StreamServer.abstractBuilder("other-ends", name)
			.messages(Framing.LINES, (connection, message) -> message)
			.idleTimeout(Duration.ofMillis(300))
			.maxConnections(3));
		List<AFUNIXSocketChannel> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				AFUNIXSocketChannel client = this.servers
					.closing(AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name)));
				assertThat(exchange(client, "held\n")).isEqualTo("held\n");
				clients.add(client);
			}
			// One too many: refused, its descriptor closed at once.
			for (int i = 0; i < 20; i++) {
				try (AFUNIXSocketChannel extra = AFUNIXSocketChannel
					.open(AFUNIXSocketAddress.inAbstractNamespace(name))) {
					assertThat(extra.read(ByteBuffer.allocate(1))).isLessThan(0);
				}
			}
			awaitCondition(() -> server.rejectedConnections(RejectReason.MAX_CONNECTIONS) == 20);
			// Idle clients are closed by the server.
			awaitCondition(() -> server.openConnections() == 0);
			for (AFUNIXSocketChannel client : clients) {
				assertThat(client.read(ByteBuffer.allocate(1))).isLessThan(0);
				client.close();
			}
			clients.clear();
			// Connections open when the server stops are drained.
			for (int i = 0; i < 3; i++) {
				AFUNIXSocketChannel client = this.servers
					.closing(AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name)));
				assertThat(exchange(client, "drained\n")).isEqualTo("drained\n");
				clients.add(client);
			}
			server.stop();
			assertThat(server.openConnections()).isZero();
			for (AFUNIXSocketChannel client : clients) {
				assertThat(client.read(ByteBuffer.allocate(1))).isLessThan(0);
				client.close();
			}
		}
		finally {
			for (AFUNIXSocketChannel client : clients) {
				client.close();
			}
		}
		awaitCondition(() -> openDescriptors() <= fdsAtStart + 2);
	}

	/**
	 * Connections that end in every way a client can end them: as another user through
	 * socat (a line then a half-close; nothing; lines then a close with the replies unread),
	 * and here (a line, its reply, then a close).
	 */
	private void churn(ClientFactory clients, String socatAddress) throws Exception {
		OtherUser.require("socat", "sh");
		String script = "i=0; while [ $i -lt " + CYCLES + " ]; do case $((i % 3)) in "
				+ "0) printf 'ping\\n' | socat -t 1 - \"$0\" ;; " + "1) socat -u /dev/null \"$0\" ;; "
				+ "*) printf 'a\\nb\\nc\\n' | socat -t 0 - \"$0\" ;; esac; i=$((i + 1)); done";
		Process nobody = OtherUser.command("sh", "-c", script, socatAddress)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		try {
			for (int i = 0; i < CYCLES; i++) {
				try (java.nio.channels.SocketChannel client = clients.open()) {
					assertThat(exchange(client, "line " + i + "\n")).isEqualTo("line " + i + "\n");
				}
			}
			assertThat(nobody.waitFor(150, TimeUnit.SECONDS)).as("the churn as nobody ended").isTrue();
		}
		finally {
			nobody.destroyForcibly();
		}
	}

	private String exchangeAndClose(String name, String line) throws IOException {
		try (AFUNIXSocketChannel client = AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name))) {
			return exchange(client, line);
		}
	}

	private static String exchange(java.nio.channels.SocketChannel client, String line) throws IOException {
		ByteBuffer out = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
		while (out.hasRemaining()) {
			client.write(out);
		}
		ByteBuffer in = ByteBuffer.allocate(out.capacity());
		while (in.hasRemaining() && client.read(in) >= 0) {
			// until the whole reply arrived
		}
		return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
	}

	private InheritedSocket listen(Path path) throws IOException {
		// Kept open, as systemd keeps its own copy of every socket it passes.
		AFUNIXServerSocketChannel socket = this.servers.closing(AFUNIXServerSocketChannel.open());
		socket.bind(AFUNIXSocketAddress.of(path));
		Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
		return InheritedSocket.adopt(FileDescriptorCast.using(socket.getFileDescriptor()).as(Integer.class), null);
	}

	private static String uniqueName() {
		return "unix-socket-test-" + UUID.randomUUID();
	}

	static long openDescriptors() {
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			return fds.count();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Closes are asynchronous (on the loop): poll, with a deadline generous for a loaded machine. */
	static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("condition not met within 30s");
			}
			Thread.sleep(10);
		}
	}

	private interface ClientFactory {

		java.nio.channels.SocketChannel open() throws IOException;

	}

}
