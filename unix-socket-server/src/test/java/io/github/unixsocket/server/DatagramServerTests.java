package io.github.unixsocket.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.file.SocketFileException;
import io.github.unixsocket.server.file.SocketFileOptions;
import io.github.unixsocket.server.peer.PeerCredentials;
import io.github.unixsocket.server.peer.PeerPolicy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@Timeout(120)
class DatagramServerTests {

	private static final DatagramHandler ECHO = (datagram) -> datagram.reply(datagram.payload());

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private AFUNIXDatagramChannel client(String boundName) throws IOException {
		AFUNIXDatagramChannel client = this.servers.closing(AFUNIXDatagramChannel.open());
		if (boundName != null) {
			client.bind(AFUNIXSocketAddress.of(this.servers.path(boundName)));
		}
		return client;
	}

	private static void send(AFUNIXDatagramChannel client, Path server, String text) throws IOException {
		send(client, AFUNIXSocketAddress.of(server), text.getBytes(StandardCharsets.UTF_8));
	}

	private static void send(AFUNIXDatagramChannel client, AFUNIXSocketAddress server, byte[] bytes)
			throws IOException {
		client.send(ByteBuffer.wrap(bytes), server);
	}

	private static String receive(AFUNIXDatagramChannel client, List<Object> from) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(70_000);
		from.add(NativeSockets.describe((AFUNIXSocketAddress) client.receive(buffer)));
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
	}

	@Test
	void repliesToABoundSenderFromItsOwnPath() throws Exception {
		Path path = this.servers.path("echo.sock");
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path).handler(ECHO));
		AFUNIXDatagramChannel client = client("client.sock");
		List<Object> from = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			send(client, path, "ping " + i);
			assertThat(receive(client, from)).isEqualTo("ping " + i);
		}
		// Clients such as socat UNIX-SENDTO drop replies from any other address.
		assertThat(from).containsOnly(path.toString());
		assertThat(server.datagramsReceived()).isEqualTo(3);
		assertThat(server.bytesReceived()).isEqualTo(18);
		// The reply can arrive before the server counts it.
		awaitCondition(() -> server.datagramsReplied() == 3 && server.bytesSent() == 18);
		assertThat(server.type()).isEqualTo(ServerType.DATAGRAM);
	}

	@Test
	void countsDatagramsFromUnboundSendersWithoutReplying() throws Exception {
		Path path = this.servers.path("sink.sock");
		Queue<String> seen = new ConcurrentLinkedQueue<>();
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path).handler((datagram) -> {
			seen.add(datagram.text() + " " + datagram.sender() + " " + datagram.hasSender() + " "
					+ datagram.reply("ignored"));
		}));
		send(client(null), path, "anonymous");
		awaitCondition(() -> server.datagramsReceived() == 1 && !seen.isEmpty());
		assertThat(seen).containsExactly("anonymous null false false");
		assertThat(server.datagramsReplied()).isZero();
	}

	@Test
	void countsAnEmptyDatagramWithoutHandlingIt() throws Exception {
		Path path = this.servers.path("empty.sock");
		Queue<String> seen = new ConcurrentLinkedQueue<>();
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path).handler((datagram) -> {
			seen.add(datagram.text());
			datagram.reply(datagram.payload());
		}));
		// junixsocket does not send an empty datagram: Python's socket module does, as any C sender can.
		OtherUser.requireOnPath("python3");
		Process sender = new ProcessBuilder("python3", "-c",
				"import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'', sys.argv[1])",
				path.toString())
			.redirectErrorStream(true)
			.start();
		assertThat(sender.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(sender.exitValue()).isZero();
		awaitCondition(() -> server.datagramsReceived() == 1);
		AFUNIXDatagramChannel client = client("client.sock");
		send(client, path, "after");
		assertThat(receive(client, new ArrayList<>())).isEqualTo("after");
		assertThat(server.datagramsReceived()).isEqualTo(2);
		assertThat(server.bytesReceived()).isEqualTo(5);
		assertThat(seen).containsExactly("after");
	}

	@Test
	void countsAnOversizeDatagramAsTruncatedAndKeepsServing() throws Exception {
		Path path = this.servers.path("small.sock");
		DatagramServer server = this.servers
			.start(DatagramServer.builder("test", path).maxMessageSize(100).handler(ECHO));
		AFUNIXDatagramChannel client = client("client.sock");
		send(client, AFUNIXSocketAddress.of(path), new byte[101]);
		send(client, AFUNIXSocketAddress.of(path), new byte[64 * 1024]);
		send(client, path, "x".repeat(100));
		assertThat(receive(client, new ArrayList<>())).isEqualTo("x".repeat(100));
		assertThat(server.datagramsReceived()).isEqualTo(3);
		assertThat(server.datagramsTruncated()).isEqualTo(2);
		assertThat(server.bytesReceived()).isEqualTo(100);
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void aSendersAddressIsLoggedWithControlCharactersEscaped(CapturedOutput output) throws Exception {
		Path path = this.servers.path("fragile.sock");
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path).handler((datagram) -> {
			throw new IllegalStateException("bad datagram");
		}));
		// The sender chooses its address: here one that would forge a log line and clear the terminal.
		AFUNIXDatagramChannel client = client("evil\n12:00:00 ERROR FORGED \u001b[2J.sock");
		send(client, path, "boom");
		awaitCondition(() -> server.handlerErrors() == 1);
		awaitCondition(() -> output.getOut().contains("failed; the server keeps receiving"));
		assertThat(output.getOut()).contains("from " + this.servers.path("evil") + "\\n12:00:00 ERROR FORGED \\u001b[2J.sock")
			.doesNotContain("\n12:00:00 ERROR FORGED")
			.doesNotContain("\u001b");
	}

	@Test
	void handlerFailuresAreCountedAndTheServerKeepsReceiving() throws Exception {
		Path path = this.servers.path("fragile.sock");
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path).handler((datagram) -> {
			if (datagram.text().equals("boom")) {
				throw new IllegalStateException("bad datagram");
			}
			datagram.reply("ok");
		}));
		AFUNIXDatagramChannel client = client("client.sock");
		send(client, path, "boom");
		send(client, path, "fine");
		assertThat(receive(client, new ArrayList<>())).isEqualTo("ok");
		assertThat(server.handlerErrors()).isEqualTo(1);
		assertThat(server.isRunning()).isTrue();
	}

	@Test
	@Tag(Slow.TAG)
	void fourBlockingSendersLoseNothing() throws Exception {
		Path path = this.servers.path("load.sock");
		AtomicInteger handled = new AtomicInteger();
		DatagramServer server = this.servers.start(
				DatagramServer.builder("test", path).handler((datagram) -> handled.incrementAndGet()));
		int senders = 4;
		int perSender = 10_000;
		ExecutorService pool = Executors.newFixedThreadPool(senders);
		try {
			List<Future<?>> sent = new ArrayList<>();
			for (int s = 0; s < senders; s++) {
				AFUNIXDatagramChannel client = client(null);
				sent.add(pool.submit(() -> {
					for (int i = 0; i < perSender; i++) {
						send(client, path, "event " + i);
					}
					return null;
				}));
			}
			for (Future<?> future : sent) {
				future.get(100, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		awaitCondition(() -> handled.get() == senders * perSender);
		assertThat(server.datagramsReceived()).isEqualTo(senders * perSender);
		assertThat(server.datagramsDropped()).isZero();
	}

	@Test
	void workersDropAndCountWhenTheirQueueIsFull() throws Exception {
		Path path = this.servers.path("queue.sock");
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger handled = new AtomicInteger();
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path)
			.dispatch(DatagramServer.Dispatch.WORKERS)
			.workers(1)
			.queueCapacity(1)
			.handler((datagram) -> {
				release.await();
				handled.incrementAndGet();
			}));
		AFUNIXDatagramChannel client = client(null);
		for (int i = 0; i < 10; i++) {
			send(client, path, "event " + i);
		}
		// The first runs on the worker, the second waits in the queue, the rest are dropped.
		awaitCondition(() -> server.datagramsReceived() == 10);
		assertThat(server.datagramsDropped()).isEqualTo(8);
		release.countDown();
		awaitCondition(() -> handled.get() == 2);
		send(client, path, "after");
		awaitCondition(() -> handled.get() == 3);
	}

	@Test
	void stopHandlesQueuedDatagramsAndRemovesTheFile() throws Exception {
		Path path = this.servers.path("drain.sock");
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger handled = new AtomicInteger();
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path)
			.dispatch(DatagramServer.Dispatch.WORKERS)
			.workers(1)
			.handler((datagram) -> {
				release.await();
				handled.incrementAndGet();
			}));
		AFUNIXDatagramChannel client = client(null);
		for (int i = 0; i < 5; i++) {
			send(client, path, "event " + i);
		}
		awaitCondition(() -> server.datagramsReceived() == 5);
		Thread releaser = new Thread(() -> {
			awaitQuietly(() -> !Files.exists(path, LinkOption.NOFOLLOW_LINKS));
			release.countDown();
		});
		releaser.start();
		DrainResult result = server.stop(Duration.ofSeconds(30));
		assertThat(result).isEqualTo(new DrainResult(5, 0));
		assertThat(handled).hasValue(5);
		assertThat(path).doesNotExist();
		assertThat(server.state()).isEqualTo(ServerState.STOPPED);
	}

	@Test
	void stopDropsWhatIsLeftAtTheDeadline() throws Exception {
		Path path = this.servers.path("deadline.sock");
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path)
			.dispatch(DatagramServer.Dispatch.WORKERS)
			.workers(1)
			.handler((datagram) -> new CountDownLatch(1).await()));
		AFUNIXDatagramChannel client = client(null);
		for (int i = 0; i < 3; i++) {
			send(client, path, "event " + i);
		}
		awaitCondition(() -> server.datagramsReceived() == 3);
		assertThat(server.stop(Duration.ofMillis(100))).isEqualTo(new DrainResult(0, 3));
		assertThat(server.datagramsDropped()).isEqualTo(3);
	}

	@Test
	void aSenderThatDoesNotReadItsRepliesCannotStallTheServer() throws Exception {
		Path path = this.servers.path("echo.sock");
		List<Boolean> replies = new CopyOnWriteArrayList<>();
		DatagramServer server = this.servers.start(
				DatagramServer.builder("test", path).handler((datagram) -> replies.add(datagram.reply(datagram.payload()))));
		AFUNIXDatagramChannel deaf = client("deaf.sock");
		// One at a time until a reply to it is dropped: its queue is full, whatever bounds it on this machine
		// (net.unix.max_dgram_qlen, the buffers); a server that waited for room would stall here.
		int sent = 0;
		while (!replies.contains(false)) {
			assertThat(sent).as("datagrams sent before a reply was dropped").isLessThan(100_000);
			send(deaf, path, "event " + sent);
			int expected = ++sent;
			awaitCondition(() -> replies.size() == expected);
		}
		// Still receiving and handling, without waiting for the deaf sender to read.
		for (int i = 0; i < 100; i++) {
			send(deaf, path, "more " + i);
		}
		int all = sent + 100;
		awaitCondition(() -> replies.size() == all);
		assertThat(server.datagramsReceived()).isEqualTo(all);
		assertThat(server.datagramsReplied()).isEqualTo(replies.stream().filter((replied) -> replied).count())
			.isLessThan(all);
		AFUNIXDatagramChannel client = client("client.sock");
		send(client, path, "still there?");
		assertThat(receive(client, new ArrayList<>())).isEqualTo("still there?");
	}

	@Test
	void appliesModeAndGroupAndGivesCreatedDirectoriesTheirMode() throws Exception {
		Path path = this.servers.path("a/b/events.sock");
		String gid = String.valueOf(Files.getAttribute(this.servers.dir(), "unix:gid"));
		this.servers.start(DatagramServer.builder("test", path)
			.handler(ECHO)
			.fileOptions(new SocketFileOptions(path, FilePermissions.parse("0660"), gid, true,
					FilePermissions.parse("0750"))));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-rw----");
		assertThat(String.valueOf(Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS))).isEqualTo(gid);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path.getParent())))
			.isEqualTo("rwxr-x---");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.servers.path("a"))))
			.isEqualTo("rwxr-x---");
	}

	@Test
	void leavesALiveDatagramSocketAloneAndFails() throws Exception {
		Path path = this.servers.path("live.sock");
		AFUNIXDatagramChannel other = client("live.sock");
		Object key = fileKey(path);
		DatagramServer server = DatagramServer.builder("test", path).handler(ECHO).build();
		this.servers.add(server);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE))
			.withMessageContaining(path.toString());
		assertThat(fileKey(path)).isEqualTo(key);
		send(client(null), path, "still yours");
		ByteBuffer buffer = ByteBuffer.allocate(100);
		other.receive(buffer);
		assertThat(buffer.position()).isEqualTo(11);
		assertThat(server.state()).isEqualTo(ServerState.NEW);
	}

	@Test
	void reclaimsAStaleDatagramSocket() throws Exception {
		Path path = this.servers.path("stale.sock");
		client("stale.sock").close();
		assertThat(path).exists();
		this.servers.start(DatagramServer.builder("test", path).handler(ECHO));
		AFUNIXDatagramChannel client = client("client.sock");
		send(client, path, "fresh");
		assertThat(receive(client, new ArrayList<>())).isEqualTo("fresh");
	}

	@Test
	void streamAndDatagramServersTellEachOthersLiveSocketsApart() throws Exception {
		Path datagramPath = this.servers.path("datagram.sock");
		client("datagram.sock");
		StreamServer stream = StreamServer.builder("stream", datagramPath).handler((connection) -> {
		}).build();
		this.servers.add(stream);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(stream::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE))
			.withMessageContaining("bound a datagram socket there");
		Path streamPath = this.servers.path("stream.sock");
		try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			listener.bind(UnixDomainSocketAddress.of(streamPath));
			DatagramServer datagram = DatagramServer.builder("datagram", streamPath).handler(ECHO).build();
			this.servers.add(datagram);
			assertThatExceptionOfType(SocketFileException.class).isThrownBy(datagram::start)
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE))
				.withMessageContaining("stream socket");
			assertThat(streamPath).exists();
		}
	}

	@Test
	void refusesAPathThatIsNotASocketWithoutTouchingIt() throws Exception {
		Path path = this.servers.path("file.sock");
		Files.writeString(path, "keep me");
		DatagramServer server = DatagramServer.builder("test", path).handler(ECHO).build();
		this.servers.add(server);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.NOT_A_SOCKET));
		assertThat(path).hasContent("keep me");
	}

	@Test
	void removesOnlyItsOwnFileOnStop() throws Exception {
		Path path = this.servers.path("replaced.sock");
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path).handler(ECHO));
		assertThat(server.isSocketFileOurs()).isTrue();
		Files.delete(path);
		client("replaced.sock");
		assertThat(server.isSocketFileOurs()).isFalse();
		server.stop();
		assertThat(path).exists();
	}

	@Test
	void startsStopsAndStartsAgain() throws Exception {
		Path path = this.servers.path("again.sock");
		DatagramServer server = this.servers.start(DatagramServer.builder("test", path).handler(ECHO));
		server.stop();
		assertThat(path).doesNotExist();
		server.start();
		AFUNIXDatagramChannel client = client("client.sock");
		send(client, path, "again");
		assertThat(receive(client, new ArrayList<>())).isEqualTo("again");
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void receivesOnAnAbstractAddressAndDoesNotReplyToAnAbstractSender() throws Exception {
		String name = "unix-socket-test-" + UUID.randomUUID();
		Queue<String> seen = new ConcurrentLinkedQueue<>();
		DatagramServer server = this.servers.start(DatagramServer.abstractBuilder("test", name)
			.handler((datagram) -> seen.add(datagram.text() + " from " + datagram.sender() + " replied "
					+ datagram.reply(datagram.payload()))));
		assertThat(server.address()).isEqualTo("@" + name);
		assertThat(server.isSocketFileOurs()).isTrue();
		AFUNIXDatagramChannel client = client(null);
		client.bind(AFUNIXSocketAddress.inAbstractNamespace(name + "-client"));
		send(client, AFUNIXSocketAddress.inAbstractNamespace(name), "abstract".getBytes(StandardCharsets.UTF_8));
		awaitCondition(() -> !seen.isEmpty());
		// junixsocket does not report an abstract sender's length: @name and @name\0 look alike.
		assertThat(seen).containsExactly("abstract from @" + name + "-client replied false");
		assertThat(server.datagramRepliesRefused()).isEqualTo(1);
		server.stop();
		assertThat(server.isSocketFileOurs()).isFalse();
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void streamServerRoundTripsOnAnAbstractAddressWithPeerCredentials() throws Exception {
		String name = "unix-socket-test-" + UUID.randomUUID();
		Queue<PeerCredentials> peers = new ConcurrentLinkedQueue<>();
		String uid = String.valueOf(Files.getAttribute(this.servers.dir(), "unix:uid"));
		StreamServer server = StreamServer.abstractBuilder("test", name)
			.peerPolicy(PeerPolicy.of(List.of(uid), List.of()))
			.threadFactory((task) -> {
				throw new AssertionError("abstract servers use their own platform threads");
			})
			.handler((connection) -> {
				peers.add(connection.peer());
				connection.inputStream().transferTo(connection.outputStream());
			})
			.build();
		this.servers.start(server);
		assertThat(server.address()).isEqualTo("@" + name);
		try (AFUNIXSocketChannel client = AFUNIXSocketChannel.open(AFUNIXSocketAddress.inAbstractNamespace(name))) {
			client.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
			ByteBuffer reply = ByteBuffer.allocate(5);
			while (reply.hasRemaining() && client.read(reply) >= 0) {
				// until the echo is complete
			}
			assertThat(new String(reply.array(), StandardCharsets.UTF_8)).isEqualTo("hello");
		}
		assertThat(peers).hasSize(1);
		assertThat(peers.peek().user()).isIn(uid, System.getProperty("user.name"));
		assertThat(server.acceptedConnections()).isEqualTo(1);
	}

	private static Object fileKey(Path path) throws IOException {
		return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
	}

	private static void awaitQuietly(BooleanSupplier condition) {
		try {
			awaitCondition(condition);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
