package io.github.unixsocket.server.file;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import io.github.unixsocket.server.OtherUser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Which directories a socket may be put in, decided bit by bit: the owner, the write and
 * sticky bits, symbolic links on the way, and when a datagram socket's directory may be
 * made private for a moment. Directories owned by another user need root to make.
 */
class SocketDirectoryTests {

	@TempDir
	Path tmp;

	@Test
	void aDirectoryWritableOnlyByItsOwnerIsTrustedWhateverElseItAllows() throws Exception {
		for (String mode : List.of("rwx------", "rwxr-xr-x", "r-x------")) {
			Path dir = directory(mode);
			SocketDirectory.checkTrusted(dir, dir.resolve("s.sock"), false);
		}
	}

	@Test
	void aDirectoryGroupOrOthersCanWriteIsRefusedUnlessSticky() throws Exception {
		for (String mode : List.of("rwxrwx---", "rwx----w-", "rwxrwxrwx")) {
			Path dir = directory(mode);
			assertUntrusted(dir, true, "can be written by group or others");
		}
		Path sticky = directory("rwxrwxrwx");
		Files.setAttribute(sticky, "unix:mode", 01777);
		SocketDirectory.checkTrusted(sticky, sticky.resolve("s.sock"), true);
		assertUntrusted(sticky, false, "is shared with other users: a datagram socket is bound in place");
	}

	/** The same rule for the directories the starter creates: refused before any is made. */
	@Test
	void optionsThatWouldCreateADirectoryGroupOrOthersCanWriteAreRefused() {
		Path socket = this.tmp.resolve("new/s.sock");
		for (String mode : List.of("0770", "0757", "rwxrwxrwx")) {
			assertThatExceptionOfType(IllegalArgumentException.class)
				.isThrownBy(() -> new SocketFileOptions(socket, null, null, true, FilePermissions.parse(mode)))
				.withMessageContaining("lets group or others write to the socket's directory");
		}
		assertThat(new SocketFileOptions(socket, null, null, true, FilePermissions.parse("0755"))
			.directoryPermissions()).isEqualTo(FilePermissions.parse("0755"));
		assertThat(socket.getParent()).doesNotExist();
	}

	@Test
	void aStickyDirectoryOnTheWayIsAcceptedEvenForDatagramsOnlyTheLastOneMustBePrivate() throws Exception {
		Path shared = directory("rwxrwxrwx");
		Files.setAttribute(shared, "unix:mode", 01777);
		Path own = Files.createDirectory(shared.resolve("own"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		SocketDirectory.checkTrusted(own, own.resolve("s.sock"), false);
	}

	@Test
	void aDirectoryOwnedByAnotherUserIsRefused() throws Exception {
		OtherUser.requireRoot("giving a directory to another user");
		Path dir = OtherUser.own(directory("rwx------"));
		assertUntrusted(dir, true, "is owned by another user");
	}

	@Test
	void aSymbolicLinkOnTheWayIsJudgedByItsOwnerAndByWhereItPoints() throws Exception {
		Path target = directory("rwx------");
		Path ours = Files.createSymbolicLink(this.tmp.resolve("ours"), target);
		SocketDirectory.checkTrusted(ours, ours.resolve("s.sock"), false);
		Path open = directory("rwxrwxrwx");
		Path toOpen = Files.createSymbolicLink(this.tmp.resolve("to-open"), open);
		assertUntrusted(toOpen, true, "can be written by group or others");
		OtherUser.requireRoot("giving a symbolic link to another user");
		Path theirs = OtherUser.own(Files.createSymbolicLink(this.tmp.resolve("theirs"), target));
		assertUntrusted(theirs, true, "is a symbolic link owned by another user");
	}

	@Test
	void aSymbolicLinkInADirectoryOthersCanWriteIsRefusedWhereverItPoints() throws Exception {
		Path safe = directory("rwx------");
		Path open = directory("rwxrwxrwx");
		Path link = Files.createSymbolicLink(open.resolve("link"), safe);
		// Whoever can write to the link's directory can point the link elsewhere.
		assertUntrusted(link, true, "can be written by group or others");
	}

	@Test
	void othersCanEnterOnlyWithAGroupOrOthersSearchBit() throws Exception {
		assertThat(SocketDirectory.othersCanEnter(directory("rwx------"))).isFalse();
		assertThat(SocketDirectory.othersCanEnter(directory("rwxrw-rw-"))).isFalse();
		assertThat(SocketDirectory.othersCanEnter(directory("rwx--x---"))).isTrue();
		assertThat(SocketDirectory.othersCanEnter(directory("rwx-----x"))).isTrue();
	}

	@Test
	void aDirectoryHoldingOnlyOurSocketsLocksAndDirectoriesIsDedicated() throws Exception {
		Path dir = directory("rwxr-xr-x");
		assertThat(SocketDirectory.isDedicated(dir)).as("empty").isTrue();
		try (ServerSocketChannel socket = bound(dir.resolve("a.sock"))) {
			Files.createDirectory(dir.resolve("sub"));
			Files.writeString(dir.resolve(".a.sock.lock"), "1 2\n");
			assertThat(SocketDirectory.isDedicated(dir)).as("socket, lock file, directory").isTrue();
			Path other = Files.writeString(dir.resolve("notes.txt"), "");
			assertThat(SocketDirectory.isDedicated(dir)).as("a regular file").isFalse();
			Files.delete(other);
			Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("sub"));
			assertThat(SocketDirectory.isDedicated(dir)).as("a symbolic link to a directory").isFalse();
			Files.delete(link);
			assertThat(SocketDirectory.isDedicated(dir)).isTrue();
		}
	}

	@Test
	void aDirectoryWithAnotherUsersEntryOrOwnerIsNotDedicated() throws Exception {
		OtherUser.requireRoot("giving files to another user");
		Path dir = directory("rwxr-xr-x");
		Path sub = OtherUser.own(Files.createDirectory(dir.resolve("sub")));
		assertThat(SocketDirectory.isDedicated(dir)).as("their directory").isFalse();
		Files.delete(sub);
		Path lock = OtherUser.own(Files.writeString(dir.resolve(".x.sock.lock"), ""));
		assertThat(SocketDirectory.isDedicated(dir)).as("their lock file").isFalse();
		Files.delete(lock);
		assertThat(SocketDirectory.isDedicated(dir)).isTrue();
		assertThat(SocketDirectory.isDedicated(OtherUser.own(dir))).as("their directory itself").isFalse();
	}

	private Path directory(String mode) throws Exception {
		Path dir = Files.createTempDirectory(this.tmp, "d");
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
		return dir;
	}

	private static void assertUntrusted(Path dir, boolean sharedAllowed, String problem) {
		assertThatExceptionOfType(SocketFileException.class)
			.isThrownBy(() -> SocketDirectory.checkTrusted(dir, dir.resolve("s.sock"), sharedAllowed))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.UNTRUSTED_DIRECTORY))
			.withMessageContaining(problem);
	}

	/** A real socket file at the path, there for as long as the channel is open. */
	private static ServerSocketChannel bound(Path path) throws Exception {
		ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		channel.bind(UnixDomainSocketAddress.of(path));
		return channel;
	}

}
