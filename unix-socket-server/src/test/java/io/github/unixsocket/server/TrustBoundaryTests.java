package io.github.unixsocket.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.file.PathLock;
import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileException;
import io.github.unixsocket.server.file.SocketFileOptions;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A hostile local user against the socket files and datagram replies: each attack of the
 * trust-boundary review, run for real (as {@code nobody} where the attacker must be
 * another user), must fail safely.
 */
@Timeout(120)
@EnabledOnOs(OS.LINUX)
class TrustBoundaryTests {

	private static final DatagramHandler ECHO = (datagram) -> datagram.reply(datagram.payload());

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	@BeforeEach
	void letOtherUsersIn() throws IOException {
		// The attacker must be able to reach what the tests set up for it.
		Files.setPosixFilePermissions(this.servers.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
	}

	private DatagramServer echoDatagramServer(Path path) throws IOException {
		// Reachable by the attacker, as a socket others may send to is.
		return this.servers.start(DatagramServer
			.builder("events", new SocketFileOptions(path, FilePermissions.parse("0666"), null, true,
					FilePermissions.parse("0755")))
			.handler(ECHO)
			.build());
	}

	private AFUNIXDatagramChannel datagramClient(AFUNIXSocketAddress bindTo) throws IOException {
		AFUNIXDatagramChannel client = this.servers.closing(AFUNIXDatagramChannel.open());
		client.bind(bindTo);
		return client;
	}

	// --- 1. Datagram replies -------------------------------------------------------------

	@Test
	void replyRedirectedBySymlinkToTheServerItselfIsRefusedAndNothingLoops() throws Exception {
		OtherUser.require("socat");
		Path server = this.servers.path("srv/events.sock");
		DatagramServer events = echoDatagramServer(server);
		attackThroughSymlink(server, server);
		awaitCondition(() -> events.datagramsReceived() >= 1);
		// With the reply sent to the symlink the server answered itself ~100,000 times a second.
		Thread.sleep(300);
		assertThat(events.datagramsReceived()).isEqualTo(1);
		assertThat(events.datagramsReplied()).isZero();
		assertThat(events.datagramRepliesRefused()).isEqualTo(1);
		assertServesBoundClient(events, server);
	}

	@Test
	void replyRedirectedBySymlinkToAnotherUsersPrivateSocketIsRefused() throws Exception {
		OtherUser.require("socat");
		Path server = this.servers.path("srv/events.sock");
		DatagramServer events = echoDatagramServer(server);
		Path privateDir = Files.createDirectory(this.servers.path("victim"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		AFUNIXDatagramChannel victim = datagramClient(AFUNIXSocketAddress.of(privateDir.resolve("victim.sock")));
		victim.configureBlocking(false);
		attackThroughSymlink(server, privateDir.resolve("victim.sock"));
		awaitCondition(() -> events.datagramsReceived() == 1);
		Thread.sleep(200);
		assertThat(victim.receive(ByteBuffer.allocate(100))).as("nothing reaches the victim").isNull();
		assertThat(events.datagramRepliesRefused()).isEqualTo(1);
		assertServesBoundClient(events, server);
	}

	/**
	 * As {@code nobody}: bind {@code x.sock}, rename it to {@code y.sock}, put a symbolic
	 * link {@code x.sock -> target} and send from the renamed socket, whose bound name is
	 * still {@code x.sock}.
	 */
	private void attackThroughSymlink(Path server, Path target) throws Exception {
		Path attackerDir = OtherUser.own(Files.createDirectory(this.servers.path("attacker")));
		Path bound = attackerDir.resolve("x.sock");
		Process socat = OtherUser.command("socat", "-t", "1", "STDIO", "UNIX-SENDTO:" + server + ",bind=" + bound)
			.start();
		this.servers.closing(socat::destroyForcibly);
		awaitCondition(() -> Files.exists(bound, LinkOption.NOFOLLOW_LINKS));
		Files.move(bound, attackerDir.resolve("y.sock"));
		OtherUser.own(Files.createSymbolicLink(bound, target));
		try (OutputStream input = socat.getOutputStream()) {
			input.write("attack\n".getBytes(StandardCharsets.UTF_8));
		}
	}

	private void assertServesBoundClient(DatagramServer server, Path path) throws Exception {
		AFUNIXDatagramChannel client = datagramClient(AFUNIXSocketAddress.of(this.servers.path("client.sock")));
		client.send(ByteBuffer.wrap("still there?".getBytes(StandardCharsets.UTF_8)), AFUNIXSocketAddress.of(path));
		ByteBuffer reply = ByteBuffer.allocate(100);
		client.receive(reply);
		assertThat(new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8)).isEqualTo("still there?");
	}

	@Test
	void replyToAHardLinkOfAnotherDatagramServerOfTheApplicationIsRefused() throws Exception {
		Path first = this.servers.path("first.sock");
		Path second = this.servers.path("second.sock");
		DatagramServer firstServer = echoDatagramServer(first);
		DatagramServer secondServer = this.servers.start(
				DatagramServer.builder("second", second).handler(ECHO).permissions(FilePermissions.parse("0666")).build());
		// The sender's bound name comes to name the first server's socket: the two would answer each other.
		Path sender = this.servers.path("sender.sock");
		AFUNIXDatagramChannel client = datagramClient(AFUNIXSocketAddress.of(sender));
		Files.delete(sender);
		Files.createLink(sender, first);
		client.send(ByteBuffer.wrap("ping-pong".getBytes(StandardCharsets.UTF_8)), AFUNIXSocketAddress.of(second));
		awaitCondition(() -> secondServer.datagramsReceived() >= 1);
		Thread.sleep(300);
		assertThat(firstServer.datagramsReceived()).isZero();
		assertThat(secondServer.datagramsReceived()).isEqualTo(1);
		assertThat(secondServer.datagramRepliesRefused()).isEqualTo(1);
	}

	@Test
	void abstractSenderWithATrailingNulGetsNoReplyAndTheNameWithoutItGetsNothing() throws Exception {
		Path server = this.servers.path("events.sock");
		DatagramServer events = echoDatagramServer(server);
		String name = "unix-socket-victim-" + UUID.randomUUID();
		AFUNIXDatagramChannel victim = datagramClient(AFUNIXSocketAddress.inAbstractNamespace(name));
		victim.configureBlocking(false);
		byte[] withNul = ("\0" + name + "\0").getBytes(StandardCharsets.US_ASCII);
		AFUNIXDatagramChannel attacker = datagramClient(AFUNIXSocketAddress.of(withNul));
		attacker.send(ByteBuffer.wrap("to whom?".getBytes(StandardCharsets.UTF_8)), AFUNIXSocketAddress.of(server));
		awaitCondition(() -> events.datagramsReceived() == 1);
		Thread.sleep(200);
		assertThat(victim.receive(ByteBuffer.allocate(100))).as("the reply must not reach @" + name).isNull();
		assertThat(events.datagramRepliesRefused()).isEqualTo(1);
	}

	@Test
	void replyRulesRefuseWhatCouldNotBeTheSendersOwnSocket() throws Exception {
		Path socketDir = Files.createDirectory(this.servers.path("clients"));
		Path plain = socketDir.resolve("plain.sock");
		datagramClient(AFUNIXSocketAddress.of(plain));
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(plain))).isNull();
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(Path.of("relative.sock")))).contains("absolute");
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(Path.of(socketDir + "/../clients/plain.sock"))))
			.contains("normalized");
		Path file = Files.writeString(socketDir.resolve("file"), "not a socket");
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(file))).contains("not a socket");
		Path linkedDir = Files.createSymbolicLink(this.servers.path("linked"), socketDir);
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(linkedDir.resolve("plain.sock"))))
			.contains("symbolic link");
		Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxrwxrwx"));
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(plain))).contains("written by group or others");
		Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-xr-x"));
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(Path.of("/nonexistent/x.sock")))).contains("inspected");
	}

	@Test
	void replyRulesRefuseASocketInADirectoryOfAnotherUser() throws Exception {
		OtherUser.require();
		Path socketDir = OtherUser.own(Files.createDirectory(this.servers.path("theirs")));
		Path socket = socketDir.resolve("mine.sock");
		datagramClient(AFUNIXSocketAddress.of(socket));
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(socket))).contains("another user");
		OtherUser.own(socket);
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(socket))).isNull();
	}

	// --- 2. Directories another user controls ----------------------------------------------

	@Test
	void directoryOwnedByAnotherUserIsRefusedAndLeftAlone() throws Exception {
		OtherUser.require();
		Path foreign = OtherUser.own(Files.createDirectory(this.servers.path("unix-socket-sample")));
		Files.setPosixFilePermissions(foreign, PosixFilePermissions.fromString("rwxrwxrwx"));
		StreamServer admin = StreamServer.builder("admin", foreign.resolve("admin.sock")).handler((c) -> {
		}).build();
		this.servers.add(admin);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(admin::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.UNTRUSTED_DIRECTORY))
			.withMessageContaining(foreign.toString())
			.withMessageContaining("nobody")
			.withMessageContaining("0777")
			.withMessageContaining("owned by another user");
		DatagramServer events = DatagramServer.builder("events", foreign.resolve("events.sock")).handler(ECHO).build();
		this.servers.add(events);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(events::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.UNTRUSTED_DIRECTORY));
		assertThat(list(foreign)).as("nothing was created in it").isEmpty();
	}

	@Test
	void directoryOthersCanWriteIsRefusedUnlessStickyAndNeverForDatagrams() throws Exception {
		Path open = Files.createDirectory(this.servers.path("open"));
		Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
		StreamServer stream = StreamServer.builder("s", open.resolve("s.sock")).handler((c) -> {
		}).build();
		this.servers.add(stream);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(stream::start)
			.withMessageContaining("can be written by group or others");
		Files.setAttribute(open, "unix:mode", 01777);
		stream.start();
		stream.stop();
		DatagramServer datagram = DatagramServer.builder("d", open.resolve("d.sock")).handler(ECHO).build();
		this.servers.add(datagram);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(datagram::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.UNTRUSTED_DIRECTORY))
			.withMessageContaining("shared with other users");
		// A directory of its own inside the shared one is fine: the starter creates it.
		this.servers.start(DatagramServer.builder("d2", open.resolve("own/d.sock")).handler(ECHO).build());
	}

	@Test
	void parentOfTheSocketDirectoryMustBeTrustedToo() throws Exception {
		Path outer = Files.createDirectory(this.servers.path("outer"));
		Path inner = Files.createDirectory(outer.resolve("inner"));
		Files.setPosixFilePermissions(outer, PosixFilePermissions.fromString("rwxrwxrwx"));
		StreamServer server = StreamServer.builder("s", inner.resolve("s.sock")).handler((c) -> {
		}).build();
		this.servers.add(server);
		// Whoever can write 'outer' can rename 'inner' away and put their own in its place.
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.withMessageContaining(outer.toString());
	}

	@Test
	@Tag(Slow.TAG)
	void symlinkRacedIntoTheSocketPathNeverChangesTheVictim() throws Exception {
		OtherUser.require("sh", "ln");
		Path victim = Files.writeString(Files.createDirectory(this.servers.path("etc")).resolve("secret"), "root only");
		Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
		Map<String, Object> before = Files.readAttributes(victim, "unix:mode,uid,gid,ino");
		Path shared = Files.createDirectory(this.servers.path("tmp"));
		Files.setAttribute(shared, "unix:mode", 01777);
		Path socket = shared.resolve("race.sock");
		Path lock = PathLock.lockFile(socket);
		// As nobody: keep planting links to the victim at the socket's and the lock's names (setpriv execs
		// the shell itself, so destroying the process ends the loop; it also ends by itself).
		Path stop = this.servers.path("stop");
		Process racer = OtherUser.command("sh", "-c", "i=0; while [ $i -lt 100000 ] && [ ! -e " + stop + " ]; do ln -s "
				+ victim + " " + socket + " 2>/dev/null; ln -s " + victim + " " + lock + " 2>/dev/null; rm -f " + socket
				+ " " + lock + "; i=$((i+1)); done")
			.start();
		this.servers.closing(racer::destroyForcibly);
		StreamServer stream = StreamServer.builder("race", socket)
			.permissions(FilePermissions.parse("0666"))
			.group(OtherUser.GROUP)
			.handler((c) -> {
			})
			.build();
		this.servers.add(stream);
		int started = 0;
		int refused = 0;
		for (int i = 0; i < 300; i++) {
			try {
				stream.start();
				started++;
				stream.stop(Duration.ZERO);
			}
			catch (SocketFileException ex) {
				refused++;
			}
		}
		Files.writeString(stop, "");
		assertThat(racer.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(Files.readAttributes(victim, "unix:mode,uid,gid,ino")).isEqualTo(before);
		assertThat(Files.readString(victim)).isEqualTo("root only");
		assertThat(started + refused).isEqualTo(300);
	}

	@Test
	void aFileThatAppearsAtThePathDuringStartupIsNeverReplaced() throws Exception {
		Path path = this.servers.path("raced.sock");
		// What another process may put at the path between the probe and the publication: a file, or its
		// own live socket. Publishing must fail, leave it exactly as it is, and give back the path.
		for (boolean file : new boolean[] { true, false }) {
			SocketFile.StreamBinding binding = SocketFile.prepareStream(SocketFileOptions.of(path));
			try (ServerSocketChannel ours = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
					ServerSocketChannel theirs = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
				ours.bind(UnixDomainSocketAddress.of(binding.bindPath()));
				if (file) {
					Files.writeString(path, "theirs");
				}
				else {
					theirs.bind(UnixDomainSocketAddress.of(path));
				}
				Object before = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
				assertThatExceptionOfType(SocketFileException.class).isThrownBy(() -> binding.publish(false))
					.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE))
					.withMessageContaining("appeared at " + path);
				assertThat(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).isEqualTo(before);
				if (file) {
					assertThat(path).hasContent("theirs");
				}
				else {
					try (TestClient client = TestClient.connect(path); SocketChannel accepted = theirs.accept()) {
						assertThat(accepted.isConnected()).as("theirs still listens there").isTrue();
					}
				}
				assertThat(binding.bindPath().getParent()).as("private directory").doesNotExist();
				assertThat(PathLock.lockFile(path)).as("lock file").doesNotExist();
			}
			Files.delete(path);
		}
		StreamServer server = this.servers
			.start(StreamServer.builder("raced", path).handler(TrustBoundaryTests::echo).build());
		assertThat(server.isSocketFileOurs()).isTrue();
	}

	// --- Two instances on one path ---------------------------------------------------------

	@Test
	void twoServersStartingOnOnePathNeverDeleteEachOthersSocket() throws Exception {
		Path path = this.servers.path("contended.sock");
		for (int round = 0; round < 50; round++) {
			// A stale socket from a crashed run: both see it refuse connections and want to reclaim it.
			try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
				crashed.bind(UnixDomainSocketAddress.of(path));
			}
			StreamServer a = StreamServer.builder("a", path).handler(TrustBoundaryTests::echo).build();
			StreamServer b = StreamServer.builder("b", path).handler(TrustBoundaryTests::echo).build();
			this.servers.add(a);
			this.servers.add(b);
			CountDownLatch go = new CountDownLatch(1);
			AtomicInteger winners = new AtomicInteger();
			List<Thread> starters = new ArrayList<>();
			for (StreamServer server : List.of(a, b)) {
				Thread starter = new Thread(() -> {
					try {
						go.await();
						server.start();
						winners.incrementAndGet();
					}
					catch (SocketFileException ex) {
						assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE);
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				});
				starter.start();
				starters.add(starter);
			}
			go.countDown();
			for (Thread starter : starters) {
				starter.join();
			}
			assertThat(winners).hasValue(1);
			StreamServer winner = a.isRunning() ? a : b;
			assertThat(winner.isSocketFileOurs()).isTrue();
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.exchange("round " + round)).isEqualTo("round " + round);
			}
			a.close();
			b.close();
			assertThat(path).doesNotExist();
			assertThat(PathLock.lockFile(path)).doesNotExist();
		}
	}

	private static void echo(StreamConnection connection) throws IOException {
		connection.inputStream().transferTo(connection.outputStream());
	}

	// --- A socket's group reaches it through the directories created for it -------------------

	/** A gid no account has: the member gets it as a supplementary group, no group entry needed. */
	private static final String SOCKET_GID = "4711";

	private static SocketFileOptions groupSocket(Path path) {
		return new SocketFileOptions(path, FilePermissions.parse("0660"), SOCKET_GID, true,
				FilePermissions.parse("0750"));
	}

	@Test
	void directoriesCreatedForAStreamSocketWithAGroupLetThatGroupInButNotWrite() throws Exception {
		OtherUser.require("socat");
		Path socket = this.servers.path("run").resolve("myapp").resolve("http.sock");
		this.servers.start(StreamServer.builder("web", groupSocket(socket)).handler(TrustBoundaryTests::echo));
		Process member = OtherUser.commandInGroup(SOCKET_GID, "socat", "-t", "5", "-", "UNIX-CONNECT:" + socket)
			.start();
		assertThat(exchange(member, "hello\n")).as("a member of the socket's group, through both directories")
			.isEqualTo("hello\n");
		assertCreatedForTheGroup(socket);
		Process stranger = OtherUser.commandInGroup("12345", "socat", "-t", "5", "-", "UNIX-CONNECT:" + socket)
			.start();
		assertThat(exchange(stranger, "hello\n")).isEmpty();
		assertThat(stranger.exitValue()).isNotZero();
	}

	@Test
	void directoriesCreatedForADatagramSocketWithAGroupLetThatGroupInButNotWrite() throws Exception {
		OtherUser.require("socat");
		Path socket = this.servers.path("run").resolve("myapp").resolve("events.sock");
		AtomicInteger received = new AtomicInteger();
		this.servers.start(DatagramServer.builder("events", groupSocket(socket))
			.handler((datagram) -> received.incrementAndGet()));
		Process member = OtherUser.commandInGroup(SOCKET_GID, "socat", "-u", "-", "UNIX-SENDTO:" + socket).start();
		exchange(member, "event");
		assertThat(member.exitValue()).as("a member of the socket's group sends").isZero();
		awaitCondition(() -> received.get() == 1);
		assertCreatedForTheGroup(socket);
		Process stranger = OtherUser.commandInGroup("12345", "socat", "-u", "-", "UNIX-SENDTO:" + socket).start();
		exchange(stranger, "event");
		assertThat(stranger.exitValue()).isNotZero();
		assertThat(received).hasValue(1);
	}

	/** Every directory the starter created is the group's, searchable by it, writable by the owner only. */
	private void assertCreatedForTheGroup(Path socket) throws IOException {
		for (Path dir : List.of(socket.getParent().getParent(), socket.getParent())) {
			assertThat(Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS)).as("group of %s", dir)
				.isEqualTo(Integer.parseInt(SOCKET_GID));
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS)))
				.as("mode of %s", dir)
				.isEqualTo("rwxr-x---");
		}
	}

	/** Write the input, close it, and return what the process printed before it exited. */
	private static String exchange(Process process, String input) throws Exception {
		try (OutputStream in = process.getOutputStream()) {
			in.write(input.getBytes(StandardCharsets.UTF_8));
		}
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
		return out;
	}

	// --- Datagram sockets are never reachable with a broader mode ----------------------------

	@Test
	@Tag(Slow.TAG)
	void datagramSocketInAnExistingDirectoryIsNeverReachableWithABroaderMode() throws Exception {
		OtherUser.require("java");
		Path socketDir = Files.createDirectory(this.servers.path("run"));
		Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path socket = socketDir.resolve("events.sock");
		Path watcher = Files.writeString(this.servers.path("ModeWatcher.java"), MODE_WATCHER);
		Process watching = OtherUser.command("java", watcher.toString(), socket.toString(), "60").start();
		this.servers.closing(watching::destroyForcibly);
		BufferedReader output = new BufferedReader(
				new InputStreamReader(watching.getInputStream(), StandardCharsets.UTF_8));
		assertThat(output.readLine()).isEqualTo("ready");
		DatagramServer server = DatagramServer.builder("events", socket)
			.permissions(FilePermissions.parse("0660"))
			.handler(ECHO)
			.build();
		this.servers.add(server);
		for (int i = 0; i < 300; i++) {
			server.start();
			server.stop(Duration.ZERO);
		}
		Files.writeString(this.servers.path("done"), "");
		assertThat(watching.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String seen = output.readLine();
		assertThat(seen).as("modes nobody saw").startsWith("observed").doesNotContain("rw-rw-rw-");
		assertThat(seen).contains("rw-rw----");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir))).isEqualTo("rwxr-xr-x");
	}

	/** Run as another user: report every mode seen at a path until a "done" file appears. */
	private static final String MODE_WATCHER = """
			import java.nio.file.*;
			import java.nio.file.attribute.*;
			import java.util.*;
			public class ModeWatcher {
			    public static void main(String[] args) throws Exception {
			        Path path = Path.of(args[0]);
			        long deadline = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
			        Path done = path.getParent().resolveSibling("done");
			        System.out.println("ready");
			        Set<String> seen = new TreeSet<>();
			        long polls = 0;
			        while (System.nanoTime() < deadline && (polls++ % 64 != 0 || !Files.exists(done))) {
			            try {
			                seen.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
			            }
			            catch (Exception ex) {
			                // not there, or not reachable: fine
			            }
			        }
			        System.out.println("observed " + polls + " " + seen);
			    }
			}
			""";

	private static List<Path> list(Path dir) throws IOException {
		try (Stream<Path> entries = Files.list(dir)) {
			return entries.toList();
		}
	}

}
