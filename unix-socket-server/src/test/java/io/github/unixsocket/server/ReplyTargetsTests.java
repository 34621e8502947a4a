package io.github.unixsocket.server;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Each rule that decides where a datagram reply may go, and the reason it gives. */
class ReplyTargetsTests {

	@TempDir
	Path tmp;

	@Test
	void aPlainSocketInAPrivateOrStickyDirectoryMayBeAnswered() throws Exception {
		try (ServerSocketChannel socket = socketIn(directory("rwx------"))) {
			assertThat(ReplyTargets.refusal(address(socket))).isNull();
		}
		Path sticky = directory("rwxrwxrwx");
		Files.setAttribute(sticky, "unix:mode", 01777);
		try (ServerSocketChannel socket = socketIn(sticky)) {
			assertThat(ReplyTargets.refusal(address(socket))).isNull();
		}
	}

	@Test
	void anAbstractAddressIsNeverAnswered() throws Exception {
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.inAbstractNamespace("client")))
			.isEqualTo("it is an abstract address, whose exact name junixsocket does not report");
	}

	@Test
	void whatIsNotASocketOrCannotBeInspectedIsNotAnswered() throws Exception {
		Path file = Files.writeString(this.tmp.resolve("file"), "");
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(file))).isEqualTo("it is not a socket");
		assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(this.tmp.resolve("gone.sock"))))
			.startsWith("it cannot be inspected (");
	}

	@Test
	void aPathThroughASymbolicLinkIsNotAnswered() throws Exception {
		try (ServerSocketChannel socket = socketIn(directory("rwx------"))) {
			Path link = Files.createSymbolicLink(this.tmp.resolve("link.sock"), path(socket));
			assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(link)))
				.isEqualTo("it passes through a symbolic link");
		}
	}

	@Test
	void aSocketInADirectoryOthersCanWriteIsNotAnswered() throws Exception {
		try (ServerSocketChannel socket = socketIn(directory("rwxrwxrwx"))) {
			assertThat(ReplyTargets.refusal(address(socket)))
				.isEqualTo("its directory can be written by group or others");
		}
	}

	@Test
	void aSocketInAnotherUsersDirectoryIsNotAnswered() throws Exception {
		OtherUser.requireRoot("giving a directory to another user");
		try (ServerSocketChannel socket = socketIn(OtherUser.own(directory("rwx------")))) {
			assertThat(ReplyTargets.refusal(address(socket)))
				.isEqualTo("its directory belongs to another user than the socket");
			OtherUser.own(path(socket));
			assertThat(ReplyTargets.refusal(address(socket))).as("theirs, in their directory").isNull();
		}
	}

	@Test
	void thisApplicationsOwnSocketsAreNeverAnsweredByNameOrByFile() throws Exception {
		try (ServerSocketChannel socket = socketIn(directory("rwx------"))) {
			Path path = path(socket);
			Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
			ReplyTargets.register(path.toString(), null);
			try {
				assertThat(ReplyTargets.refusal(address(socket))).isEqualTo("it is a datagram socket of this application");
			}
			finally {
				ReplyTargets.unregister(path.toString(), null);
			}
			assertThat(ReplyTargets.refusal(address(socket))).isNull();
			Path hardLink = Files.createLink(path.resolveSibling("alias.sock"), path);
			ReplyTargets.register(this.tmp.resolve("elsewhere.sock").toString(), key);
			try {
				assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(hardLink)))
					.isEqualTo("it is a datagram socket of this application");
			}
			finally {
				ReplyTargets.unregister(this.tmp.resolve("elsewhere.sock").toString(), key);
			}
			assertThat(ReplyTargets.refusal(AFUNIXSocketAddress.of(hardLink))).isNull();
		}
	}

	private Path directory(String mode) throws Exception {
		Path dir = Files.createTempDirectory(this.tmp, "d");
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
		return dir;
	}

	private static ServerSocketChannel socketIn(Path dir) throws Exception {
		ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		channel.bind(UnixDomainSocketAddress.of(dir.resolve("client.sock")));
		return channel;
	}

	private static Path path(ServerSocketChannel socket) throws Exception {
		return ((UnixDomainSocketAddress) socket.getLocalAddress()).getPath();
	}

	private static AFUNIXSocketAddress address(ServerSocketChannel socket) throws Exception {
		return AFUNIXSocketAddress.of(path(socket));
	}

}
