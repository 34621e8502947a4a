package io.github.unixsocket.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
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
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileException;
import io.github.unixsocket.server.file.SocketFileOptions;
import io.github.unixsocket.server.peer.PeerPolicy;
import io.github.unixsocket.server.peer.UnixIds;

import com.sun.security.auth.module.UnixSystem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@Timeout(60)
class StreamServerTests {

	private static final ConnectionHandler ECHO = (connection) -> connection.inputStream()
		.transferTo(connection.outputStream());

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private StreamServer.Builder echo(Path path) {
		return StreamServer.builder("test", path).handler(ECHO);
	}

	@Test
	void echoesForManyConcurrentClients() throws Exception {
		Path path = this.servers.path("echo.sock");
		StreamServer server = this.servers.start(echo(path));
		int clients = 50;
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		try {
			List<Future<Integer>> results = new ArrayList<>();
			for (int c = 0; c < clients; c++) {
				int seed = c;
				results.add(pool.submit(() -> {
					Random random = new Random(seed);
					try (TestClient client = TestClient.connect(path)) {
						for (int i = 0; i < 100; i++) {
							byte[] message = new byte[1 + random.nextInt(4096)];
							random.nextBytes(message);
							client.write(message);
							assertThat(client.readBytes(message.length)).isEqualTo(message);
						}
					}
					return 100;
				}));
			}
			for (Future<Integer> result : results) {
				assertThat(result.get()).isEqualTo(100);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(server.acceptedConnections()).isEqualTo(clients);
		// A write is counted once it returns, which can be just after the client read it.
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.bytesReceived()).isEqualTo(server.bytesSent()).isPositive();
	}

	@Test
	@Tag(Slow.TAG)
	void byteCountersNeverGoDownWhileConnectionsClose() throws Exception {
		Path path = this.servers.path("monotonic.sock");
		StreamServer server = this.servers.start(echo(path));
		AtomicInteger decreases = new AtomicInteger();
		CountDownLatch done = new CountDownLatch(1);
		Thread reader = new Thread(() -> {
			long last = 0;
			while (done.getCount() > 0) {
				long now = server.bytesReceived();
				if (now < last) {
					decreases.incrementAndGet();
				}
				last = now;
			}
		});
		reader.start();
		for (int i = 0; i < 3000; i++) {
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.exchange("0123456789")).isEqualTo("0123456789");
			}
		}
		awaitCondition(() -> server.openConnections() == 0);
		done.countDown();
		reader.join();
		assertThat(decreases).as("times a byte total went down").hasValue(0);
		assertThat(server.bytesReceived()).isEqualTo(30_000);
	}

	@Test
	void appliesOctalAndSymbolicModes() throws Exception {
		for (String mode : List.of("0600", "0660", "rw-rw-rw-", "640")) {
			Path path = this.servers.path("mode-" + mode + ".sock");
			this.servers.start(echo(path).permissions(FilePermissions.parse(mode)));
			assertThat(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS))
				.isEqualTo(FilePermissions.parse(mode));
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.exchange("hi")).isEqualTo("hi");
			}
		}
	}

	@Test
	void defaultModeIsOwnerOnly() throws Exception {
		Path path = this.servers.path("default.sock");
		this.servers.start(echo(path));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
	}

	@Test
	void appliesGroupByNameAndByGid() throws Exception {
		String name = otherGroup();
		Path byName = this.servers.path("by-name.sock");
		this.servers.start(echo(byName).group(name));
		assertThat(Files.getAttribute(byName, "unix:gid", LinkOption.NOFOLLOW_LINKS))
			.isEqualTo(gidOf(SocketFile.lookupGroup(name)));
		Path byGid = this.servers.path("by-gid.sock");
		int gid = gidOf(SocketFile.lookupGroup(name));
		this.servers.start(echo(byGid).group(Integer.toString(gid)));
		assertThat(Files.getAttribute(byGid, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(gid);
	}

	@Test
	void createsMissingDirectoriesWithTheirOwnMode() throws Exception {
		Path path = this.servers.path("a/b/c.sock");
		this.servers.start(
				echo(path).fileOptions(new SocketFileOptions(path, null, null, true, FilePermissions.parse("0710"))));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.servers.path("a"))))
			.isEqualTo("rwx--x---");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.servers.path("a/b"))))
			.isEqualTo("rwx--x---");
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("x")).isEqualTo("x");
		}
	}

	@Test
	void failsWhenDirectoryIsMissingAndMayNotBeCreated() {
		Path path = this.servers.path("missing/c.sock");
		StreamServer server = echo(path).fileOptions(new SocketFileOptions(path, null, null, false, null)).build();
		this.servers.add(server);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.DIRECTORY_MISSING));
		assertThat(this.servers.path("missing")).doesNotExist();
	}

	@Test
	void reclaimsStaleSocketFile() throws Exception {
		Path path = this.servers.path("stale.sock");
		try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			crashed.bind(UnixDomainSocketAddress.of(path));
		}
		assertThat(path).exists();
		this.servers.start(echo(path));
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("fresh")).isEqualTo("fresh");
		}
	}

	@Test
	void leavesLiveSocketAloneAndFails() throws Exception {
		Path path = this.servers.path("live.sock");
		try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			other.bind(UnixDomainSocketAddress.of(path));
			Object key = fileKey(path);
			StreamServer server = echo(path).build();
			this.servers.add(server);
			assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE))
				.withMessageContaining(path.toString());
			assertThat(fileKey(path)).isEqualTo(key);
			// The other process still serves: a new client is accepted by it.
			try (TestClient client = TestClient.connect(path)) {
				other.configureBlocking(true);
				assertThat(other.accept()).isNotNull();
			}
			assertThat(server.state()).isEqualTo(ServerState.NEW);
		}
	}

	@Test
	void refusesRegularFileDirectoryAndLinkWithoutTouchingThem() throws Exception {
		Path file = Files.writeString(this.servers.path("file.sock"), "precious");
		Path directory = Files.createDirectory(this.servers.path("dir.sock"));
		Path link = Files.createSymbolicLink(this.servers.path("link.sock"), file);
		for (Path path : List.of(file, directory, link)) {
			StreamServer server = echo(path).build();
			this.servers.add(server);
			assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.NOT_A_SOCKET))
				.withMessageContaining("left untouched");
		}
		assertThat(Files.readString(file)).isEqualTo("precious");
		assertThat(directory).isDirectory();
		assertThat(Files.isSymbolicLink(link)).isTrue();
		try (var leftovers = Files.list(this.servers.dir())) {
			assertThat(leftovers).hasSize(3);
		}
	}

	@Test
	void rejectsTooLongPathNamingItsLength() {
		Path path = this.servers.path("x".repeat(120) + ".sock");
		StreamServer server = echo(path).build();
		this.servers.add(server);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.PATH_TOO_LONG))
			.withMessageContaining(path.toString())
			.withMessageContaining("bytes long")
			.withMessageContaining(Integer.toString(SocketFile.MAX_PATH_BYTES));
	}

	@Test
	@Tag(Slow.TAG)
	void pathIsNeverVisibleWithBroaderModeThanConfigured() throws Exception {
		Path path = this.servers.path("race.sock");
		StreamServer server = echo(path).build();
		this.servers.add(server);
		AtomicInteger observed = new AtomicInteger();
		List<String> wrong = new ArrayList<>();
		CountDownLatch stop = new CountDownLatch(1);
		Thread racer = new Thread(() -> {
			while (stop.getCount() > 0) {
				try {
					String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
					observed.incrementAndGet();
					if (!mode.equals("rw-------")) {
						wrong.add(mode);
					}
				}
				catch (IOException ex) {
					// not there right now
				}
			}
		});
		racer.start();
		for (int i = 0; i < 200; i++) {
			server.start();
			server.stop(Duration.ZERO);
		}
		stop.countDown();
		racer.join();
		assertThat(observed).hasPositiveValue();
		assertThat(wrong).isEmpty();
		try (var leftovers = Files.list(this.servers.dir())) {
			assertThat(leftovers).as("temporary bind directories are removed").isEmpty();
		}
	}

	@Test
	void removesOnlyItsOwnFileOnStop() throws Exception {
		Path path = this.servers.path("mine.sock");
		StreamServer server = this.servers.start(echo(path));
		server.stop();
		assertThat(path).doesNotExist();

		server.start();
		Files.delete(path);
		try (ServerSocketChannel replacement = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			replacement.bind(UnixDomainSocketAddress.of(path));
			Object key = fileKey(path);
			assertThat(server.isSocketFileOurs()).isFalse();
			server.stop();
			assertThat(fileKey(path)).isEqualTo(key);
		}
	}

	@Test
	void idleTimeoutClosesIdleButNotActiveConnections() throws Exception {
		Path path = this.servers.path("idle.sock");
		StreamServer server = this.servers.start(echo(path).idleTimeout(Duration.ofMillis(300)));
		try (TestClient idle = TestClient.connect(path); TestClient active = TestClient.connect(path)) {
			long start = System.nanoTime();
			// The active client talks back to back (no pause that a busy machine could stretch past the
			// timeout) until the idle one is closed and three timeouts have passed.
			while (server.openConnections() > 1 || TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 900) {
				assertThat(active.exchange("ping")).isEqualTo("ping");
				assertThat(System.nanoTime() - start).as("idle connection closed within 10s")
					.isLessThan(TimeUnit.SECONDS.toNanos(10));
			}
			assertThat(idle.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			assertThat(active.exchange("still here")).isEqualTo("still here");
		}
	}

	@Test
	void defaultsBoundConnectionsUnfinishedMessagesAndTheirBuffers() {
		StreamServer server = echo(this.servers.path("defaults.sock")).build();
		assertThat(server.maxConnections()).isEqualTo(1000);
		assertThat(server.messageTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(server.bufferBudget().capacity()).isEqualTo(32 * 1024 * 1024);
		assertThat(server.bufferBudget().used()).isZero();
		assertThat(server.idleTimeout()).isZero();
		MessageHandler echo = (connection, message) -> message;
		assertThat(FramedConnectionHandler.lines(echo).maxMessageSize()).isEqualTo(1024 * 1024);
		assertThat(FramedConnectionHandler.lengthPrefixed(echo).maxMessageSize()).isEqualTo(1024 * 1024);
		StreamServer unlimited = echo(this.servers.path("unlimited.sock")).maxConnections(0)
			.messageTimeout(Duration.ZERO)
			.bufferBudget(Long.MAX_VALUE)
			.build();
		assertThat(unlimited.maxConnections()).isZero();
		assertThat(unlimited.messageTimeout()).isZero();
		assertThat(unlimited.bufferBudget().capacity()).isEqualTo(Long.MAX_VALUE);
		assertThatIllegalArgumentException().isThrownBy(() -> echo(this.servers.path("x.sock")).bufferBudget(0));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> echo(this.servers.path("x.sock")).messageTimeout(Duration.ofSeconds(-1)));
	}

	@Test
	void maxConnectionsRefusesBeyondTheLimitAndRecovers() throws Exception {
		Path path = this.servers.path("max.sock");
		StreamServer server = this.servers.start(echo(path).maxConnections(2));
		try (TestClient first = TestClient.connect(path); TestClient second = TestClient.connect(path)) {
			assertThat(first.exchange("1")).isEqualTo("1");
			assertThat(second.exchange("2")).isEqualTo("2");
			try (TestClient third = TestClient.connect(path)) {
				assertThat(third.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			}
			assertThat(server.rejectedConnections(RejectReason.MAX_CONNECTIONS)).isEqualTo(1);
			first.close();
			awaitCondition(() -> server.openConnections() == 1);
			try (TestClient fourth = TestClient.connect(path)) {
				assertThat(fourth.exchange("4")).isEqualTo("4");
			}
		}
		assertThat(server.acceptedConnections()).isEqualTo(3);
	}

	@Test
	void drainLetsInFlightExchangeFinishAndRemovesFileAtOnce() throws Exception {
		Path path = this.servers.path("drain.sock");
		CountDownLatch requestRead = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		StreamServer server = this.servers.start(StreamServer.builder("drain", path).handler((connection) -> {
			int b = connection.inputStream().read();
			requestRead.countDown();
			release.await();
			connection.outputStream().write(b);
		}));
		try (TestClient client = TestClient.connect(path)) {
			client.write("q");
			requestRead.await();
			CompletableFuture<DrainResult> stopping = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(30)));
			awaitCondition(() -> server.state() == ServerState.DRAINING && !Files.exists(path));
			assertThatIOException().isThrownBy(() -> TestClient.connect(path));
			release.countDown();
			assertThat(client.read(1)).isEqualTo("q");
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(1, 0));
		}
	}

	@Test
	void drainClosesStragglersAtTheDeadline() throws Exception {
		Path path = this.servers.path("straggler.sock");
		StreamServer server = this.servers.start(echo(path));
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("x")).isEqualTo("x");
			long started = System.nanoTime();
			DrainResult result = server.stop(Duration.ofMillis(300));
			long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
			assertThat(result).isEqualTo(new DrainResult(0, 1));
			assertThat(elapsedMillis).isGreaterThanOrEqualTo(300).isLessThan(5000);
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			assertThat(server.openConnections()).isZero();
		}
	}

	@Test
	void handlerSeesDrainingAndCanSayGoodbye() throws Exception {
		Path path = this.servers.path("bye.sock");
		CountDownLatch serving = new CountDownLatch(1);
		StreamServer server = this.servers.start(StreamServer.builder("bye", path).handler((connection) -> {
			serving.countDown();
			while (!connection.isDraining()) {
				Thread.sleep(10);
			}
			connection.outputStream().write("bye".getBytes(StandardCharsets.UTF_8));
		}));
		try (TestClient client = TestClient.connect(path)) {
			serving.await();
			CompletableFuture<DrainResult> stopping = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(30)));
			assertThat(client.read(3)).isEqualTo("bye");
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(1, 0));
		}
	}

	@Test
	void handlerFailureClosesOnlyItsConnection() throws Exception {
		Path path = this.servers.path("boom.sock");
		StreamServer server = this.servers.start(StreamServer.builder("boom", path).handler((connection) -> {
			int b = connection.inputStream().read();
			if (b == '!') {
				throw new IllegalStateException("handler bug");
			}
			connection.outputStream().write(b);
		}));
		try (TestClient failing = TestClient.connect(path)) {
			failing.write("!");
			assertThat(failing.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
		}
		awaitCondition(() -> server.handlerErrors() == 1 && server.openConnections() == 0);
		try (TestClient next = TestClient.connect(path)) {
			assertThat(next.exchange("k")).isEqualTo("k");
		}
		assertThat(server.isRunning()).isTrue();
	}

	@Test
	void interruptedHandlerDoesNotKillTheServer() throws Exception {
		Path path = this.servers.path("interrupt.sock");
		StreamServer server = this.servers.start(StreamServer.builder("interrupt", path).handler((connection) -> {
			Thread.currentThread().interrupt();
			connection.inputStream().read();
		}));
		for (int i = 0; i < 3; i++) {
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
			}
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.isRunning()).isTrue();
	}

	@Test
	void startsStopsAndStartsAgain() throws Exception {
		Path path = this.servers.path("again.sock");
		StreamServer server = this.servers.start(echo(path));
		for (int i = 0; i < 3; i++) {
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.exchange("round " + i)).isEqualTo("round " + i);
			}
			server.stop();
			assertThat(server.state()).isEqualTo(ServerState.STOPPED);
			assertThat(path).doesNotExist();
			assertThatIOException().isThrownBy(() -> TestClient.connect(path));
			server.start();
		}
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(server::start);
	}

	@Test
	void peerPolicyRefusesOthersBeforeTheHandlerRuns() throws Exception {
		String me = System.getProperty("user.name");
		Path allowed = this.servers.path("allowed.sock");
		this.servers.start(echo(allowed).peerPolicy(PeerPolicy.of(List.of(me), List.of())));
		try (TestClient client = TestClient.connect(allowed)) {
			assertThat(client.exchange("ok")).isEqualTo("ok");
		}
		Path refused = this.servers.path("refused.sock");
		AtomicInteger handled = new AtomicInteger();
		StreamServer server = this.servers.start(StreamServer.builder("refused", refused).handler((connection) -> {
			handled.incrementAndGet();
		}).peerPolicy(PeerPolicy.of(List.of(OtherUser.USER), List.of(OtherUser.GROUP))));
		try (TestClient client = TestClient.connect(refused)) {
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
		}
		awaitCondition(() -> server.rejectedConnections(RejectReason.UNAUTHORIZED) == 1);
		assertThat(handled).hasValue(0);
	}

	@Test
	void peerWhoseGroupAloneIsListedIsLetIn() throws Exception {
		UnixSystem self = new UnixSystem();
		// Ids, not names: digits are always ids, so these need no account on this machine.
		String anotherUser = Long.toString(self.getUid() + 1);
		String ownGroup = Long.toString(self.getGid());
		String anotherGroup = Long.toString(self.getGid() + 1);
		Path byGroup = this.servers.path("by-group.sock");
		StreamServer admitting = this.servers
			.start(echo(byGroup).peerPolicy(PeerPolicy.of(List.of(anotherUser), List.of(ownGroup))));
		try (TestClient client = TestClient.connect(byGroup)) {
			assertThat(client.exchange("let in by group")).isEqualTo("let in by group");
		}
		assertThat(admitting.rejectedConnections(RejectReason.UNAUTHORIZED)).isZero();
		// The same users with another group: refused, so the group is what let it in above.
		Path neither = this.servers.path("neither.sock");
		StreamServer refusing = this.servers
			.start(echo(neither).peerPolicy(PeerPolicy.of(List.of(anotherUser), List.of(anotherGroup))));
		try (TestClient client = TestClient.connect(neither)) {
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(5))).isTrue();
		}
		awaitCondition(() -> refusing.rejectedConnections(RejectReason.UNAUTHORIZED) == 1);
	}

	@Test
	void connectionExposesIdentityCountersAndAttributes() throws Exception {
		Path path = this.servers.path("info.sock");
		CompletableFuture<String> seen = new CompletableFuture<>();
		this.servers.start(StreamServer.builder("info", path).handler((connection) -> {
			connection.attributes().put("k", "v");
			byte[] bytes = connection.inputStream().readNBytes(5);
			connection.outputStream().write(bytes);
			connection.shutdownOutput();
			seen.complete(connection.id() + " " + connection.serverName() + " " + connection.peer().user() + " "
					+ connection.bytesReceived() + " " + connection.bytesSent() + " " + connection.attributes().get("k")
					+ " " + connection.isOpen() + " " + !connection.lastActivity().isBefore(connection.openedAt()));
		}));
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("hello")).isEqualTo("hello");
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(5))).as("half-closed output").isTrue();
		}
		assertThat(seen.get(5, TimeUnit.SECONDS))
			.isEqualTo("1 info " + System.getProperty("user.name") + " 5 5 v true true");
	}

	static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("condition not met within 10s");
			}
			Thread.sleep(5);
		}
	}

	private static Object fileKey(Path path) throws IOException {
		return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
	}

	private static int gidOf(java.nio.file.attribute.GroupPrincipal group) throws IOException {
		Path probe = Files.createTempFile("gid", "");
		try {
			Files.getFileAttributeView(probe, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(group);
			return (Integer) Files.getAttribute(probe, "unix:gid");
		}
		finally {
			Files.delete(probe);
		}
	}

	/**
	 * A group this process may give its sockets besides its own: any group when it runs as
	 * root ({@link OtherUser#GROUP}), else one of its supplementary groups.
	 */
	private static String otherGroup() {
		UnixSystem self = new UnixSystem();
		if (self.getUid() == 0) {
			return OtherUser.GROUP;
		}
		for (long gid : self.getGroups()) {
			if (gid != self.getGid()) {
				return UnixIds.groupName(gid);
			}
		}
		OtherUser.require(false, "giving a socket another group needs root or a supplementary group");
		return null;
	}

}
