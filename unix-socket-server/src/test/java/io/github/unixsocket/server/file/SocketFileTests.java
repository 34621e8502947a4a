package io.github.unixsocket.server.file;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.OtherUser;
import io.github.unixsocket.server.ServerFixture;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.UnixSocketServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.newsclub.net.unix.AFUNIXDatagramChannel;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** What the socket path may be: its length limit to the byte, and what is left alone there, named. */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class SocketFileTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	@Test
	void aPathOfExactlyTheLimitIsTakenAndOneByteMoreIsRefusedBeforeAnythingIsCreated() throws Exception {
		Path longest = pathOfBytes(SocketFile.MAX_PATH_BYTES);
		DatagramServer fits = DatagramServer.builder("longest", longest).handler((datagram) -> {
		}).build();
		this.servers.start(fits);
		assertThat(fits.isSocketFileOurs()).isTrue();
		fits.stop(Duration.ZERO);
		Path tooLong = pathOfBytes(SocketFile.MAX_PATH_BYTES + 1);
		for (UnixSocketServer server : List.of(
				DatagramServer.builder("too-long", tooLong).handler((datagram) -> {
				}).build(), StreamServer.builder("too-long", tooLong).handler((connection) -> {
				}).build())) {
			this.servers.add(server);
			assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.PATH_TOO_LONG))
				.withMessage("Socket path " + tooLong + " is " + (SocketFile.MAX_PATH_BYTES + 1)
						+ " bytes long; the limit on this platform is " + SocketFile.MAX_PATH_BYTES + " bytes");
			assertThat(tooLong.getParent()).isEmptyDirectory();
		}
	}

	@Test
	void aPathThatFitsButWhoseTemporaryBindPathDoesNotIsRefusedNamingBoth() throws Exception {
		// A one-letter name at the limit: the private directory's name makes the bind path longer.
		int dirName = SocketFile.MAX_PATH_BYTES - this.servers.dir().toString().length() - 3;
		Path parent = Files.createDirectory(this.servers.path("d".repeat(dirName)));
		Path path = parent.resolve("x");
		assertThat(path.toString()).hasSize(SocketFile.MAX_PATH_BYTES);
		StreamServer server = StreamServer.builder("near-limit", path).handler((connection) -> {
		}).build();
		this.servers.add(server);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.PATH_TOO_LONG))
			.withMessageStartingWith("Temporary bind path " + parent)
			.withMessageContaining("(used to secure " + path + " before it is published)");
		assertThat(parent).isEmptyDirectory();
	}

	@Test
	void whatIsNotASocketIsNamedAndLeftAlone() throws Exception {
		Path file = Files.writeString(this.servers.path("file.sock"), "mine");
		Path directory = Files.createDirectory(this.servers.path("directory.sock"));
		Path link = Files.createSymbolicLink(this.servers.path("link.sock"), file);
		assertNotASocket(file, "a regular file");
		assertNotASocket(directory, "a directory");
		assertNotASocket(link, "a symbolic link");
		Path fifo = this.servers.path("fifo.sock");
		assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
		assertNotASocket(fifo, "a special file");
		assertThat(file).hasContent("mine");
		assertThat(directory).isEmptyDirectory();
		assertThat(Files.readSymbolicLink(link)).isEqualTo(file);
	}

	@Test
	void deleteIfOursRemovesOnlyTheSocketItBoundAndSaysWhetherItDid() throws Exception {
		Path path = this.servers.path("mine.sock");
		try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			SocketFile file = SocketFile.bindStream(channel, SocketFileOptions.of(path), 10);
			try {
				assertThat(file.isOurs()).isTrue();
				assertThat(file.deleteIfOurs()).isTrue();
				assertThat(path).doesNotExist();
				assertThat(file.isOurs()).isFalse();
				assertThat(file.deleteIfOurs()).as("already gone").isFalse();
			}
			finally {
				file.close();
			}
		}
		try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
				ServerSocketChannel theirs = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			SocketFile file = SocketFile.bindStream(channel, SocketFileOptions.of(path), 10);
			try {
				Files.delete(path);
				theirs.bind(UnixDomainSocketAddress.of(path));
				assertThat(file.isOurs()).isFalse();
				assertThat(file.deleteIfOurs()).isFalse();
				assertThat(path).exists();
			}
			finally {
				file.close();
			}
		}
	}

	@Test
	void thePrivateBindDirectoryGoesAtPublishingOrWithTheSocketFileThatKeptIt() throws Exception {
		Path path = this.servers.path("web.sock");
		for (boolean keepBindPath : new boolean[] { false, true }) {
			try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
				SocketFile.StreamBinding binding = SocketFile.prepareStream(SocketFileOptions.of(path));
				Path privateDir = binding.bindPath().getParent();
				assertThat(privateDir.getParent()).isEqualTo(this.servers.dir());
				channel.bind(UnixDomainSocketAddress.of(binding.bindPath()));
				SocketFile file = binding.publish(keepBindPath);
				binding.close();
				assertThat(Files.exists(privateDir)).as("kept for its bound name: %s", keepBindPath)
					.isEqualTo(keepBindPath);
				assertThat(file.isOurs()).isTrue();
				file.deleteIfOurs();
				file.close();
				assertThat(this.servers.dir()).isEmptyDirectory();
			}
		}
	}

	@Test
	void aBindingClosedUnpublishedGivesEverythingBack() throws Exception {
		Path path = this.servers.path("unused.sock");
		SocketFile.StreamBinding binding = SocketFile.prepareStream(SocketFileOptions.of(path));
		assertThat(binding.bindPath().getParent()).isDirectory();
		binding.close();
		assertThat(this.servers.dir()).isEmptyDirectory();
		SocketFile.prepareStream(SocketFileOptions.of(path)).close();
	}

	@Test
	void aPublishingThatFailsGivesEverythingBackAndLeavesWhatAppearedAtThePath() throws Exception {
		Path path = this.servers.path("raced.sock");
		try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			SocketFile.StreamBinding binding = SocketFile.prepareStream(SocketFileOptions.of(path));
			channel.bind(UnixDomainSocketAddress.of(binding.bindPath()));
			Files.writeString(path, "appeared meanwhile");
			assertThatExceptionOfType(java.io.IOException.class).isThrownBy(() -> binding.publish(false));
			assertThat(path).hasContent("appeared meanwhile");
			try (var left = Files.list(this.servers.dir())) {
				assertThat(left).containsExactly(path);
			}
		}
	}

	@Test
	void aDatagramSocketInADirectoryOthersCanEnterIsBoundPrivatelyOnlyIfTheDirectoryIsDedicated(CapturedOutput output)
			throws Exception {
		Path dedicated = Files.createDirectory(this.servers.path("dedicated"));
		Files.setPosixFilePermissions(dedicated, PosixFilePermissions.fromString("rwxr-x--x"));
		try (AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open();
				SocketFile file = SocketFile.bindDatagram(channel, SocketFileOptions.of(dedicated.resolve("d.sock")))) {
			assertThat(file.isOurs()).isTrue();
			assertThat(Files.getPosixFilePermissions(dedicated)).as("restored after binding")
				.isEqualTo(PosixFilePermissions.fromString("rwxr-x--x"));
			assertThat(output).doesNotContain("was reachable with mode 0666");
		}
		assertThat(PathLock.lockFile(dedicated.resolve("d.sock"))).as("lock released").doesNotExist();
		Path shared = Files.createDirectory(this.servers.path("shared"));
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
		Files.writeString(shared.resolve("notes.txt"), "not a socket");
		try (AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open();
				SocketFile file = SocketFile.bindDatagram(channel, SocketFileOptions.of(shared.resolve("d.sock")))) {
			assertThat(file.isOurs()).isTrue();
			assertThat(Files.getPosixFilePermissions(shared)).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
			assertThat(output).contains("Datagram socket " + shared.resolve("d.sock") + " was reachable with mode 0666");
		}
	}

	@Test
	void aSocketWhoseGroupCannotEnterItsDirectoryIsNamedWithTheFix(CapturedOutput output) throws Exception {
		OtherUser.requireRoot("giving a socket a group this process is not in");
		Files.setPosixFilePermissions(this.servers.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
		Path existing = Files.createDirectory(this.servers.path("run"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
		Path socket = existing.resolve("http.sock");
		bind(new SocketFileOptions(socket, FilePermissions.parse("0660"), "4711", true, null));
		assertThat(output).contains("Socket " + socket + " has group 4711 and mode 0660, but members of 4711 cannot "
				+ "enter " + existing.toRealPath() + " (owner root (uid 0), group root, mode 0750)")
			.contains("chgrp 4711");
		Path created = this.servers.path("private").resolve("http.sock");
		bind(new SocketFileOptions(created, FilePermissions.parse("0660"), "4711", true, FilePermissions.parse("0700")));
		assertThat(output).contains("cannot enter " + created.getParent().toRealPath())
			.contains("let directory-permissions give the group search permission");
		Path reachable = this.servers.path("shared").resolve("http.sock");
		bind(new SocketFileOptions(reachable, FilePermissions.parse("0660"), "4711", true, null));
		assertThat(output).doesNotContain("Socket " + reachable);
		Path ownerOnly = this.servers.path("run").resolve("admin.sock");
		bind(new SocketFileOptions(ownerOnly, FilePermissions.parse("0600"), "4711", true, null));
		assertThat(output).as("the group may not connect anyway").doesNotContain("Socket " + ownerOnly);
	}

	private void bind(SocketFileOptions options) throws Exception {
		try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
				SocketFile file = SocketFile.bindStream(channel, options, 1)) {
			assertThat(file.isOurs()).isTrue();
			file.deleteIfOurs();
		}
	}

	@Test
	void aDatagramBindThatFailsReleasesThePathsLock() throws Exception {
		Path path = Files.writeString(this.servers.path("taken.sock"), "mine");
		try (AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open()) {
			assertThatExceptionOfType(SocketFileException.class)
				.isThrownBy(() -> SocketFile.bindDatagram(channel, SocketFileOptions.of(path)));
		}
		assertThat(PathLock.lockFile(path)).doesNotExist();
		assertThat(path).hasContent("mine");
	}

	private void assertNotASocket(Path path, String what) {
		StreamServer server = StreamServer.builder("taken", path).handler((connection) -> {
		}).build();
		this.servers.add(server);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.NOT_A_SOCKET))
			.withMessage(path + " exists and is " + what + ", not a socket; it was left untouched");
	}

	/** A path in a directory of its own, exactly this many bytes long. */
	private Path pathOfBytes(int bytes) throws Exception {
		Path parent = Files.createTempDirectory(this.servers.dir(), "d");
		int name = bytes - parent.toString().length() - 1;
		assertThat(name).as("room for a file name").isPositive();
		Path path = parent.resolve("s".repeat(name));
		assertThat(path.toString()).hasSize(bytes);
		return path;
	}

}
