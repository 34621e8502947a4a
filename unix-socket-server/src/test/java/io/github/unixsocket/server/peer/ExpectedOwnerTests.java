package io.github.unixsocket.server.peer;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.unixsocket.server.OtherUser;

import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The client's owner check against real files and a real connection's credentials. */
class ExpectedOwnerTests {

	@TempDir
	Path dir;

	@Test
	void expectingNobodyInParticularAcceptsAnyFile() throws Exception {
		OtherUser.requireRoot("files are given to another user");
		Path file = OtherUser.own(Files.createFile(this.dir.resolve("any")));
		assertThat(ExpectedOwner.ANYONE.expectsAnything()).isFalse();
		assertThat(ExpectedOwner.of(null, " ").expectsAnything()).isFalse();
		assertThat(ExpectedOwner.ANYONE.mismatchOfFile(file)).isNull();
	}

	@Test
	void theFileMustBelongToTheExpectedUserAndGroup() throws Exception {
		OtherUser.requireRoot("files are given to another user");
		Path file = Files.createFile(this.dir.resolve("socket"));
		assertThat(ExpectedOwner.of("root", "root").mismatchOfFile(file)).isNull();
		assertThat(ExpectedOwner.of("0", "0").mismatchOfFile(file)).isNull();
		OtherUser.own(file);
		assertThat(ExpectedOwner.of("root", null).mismatchOfFile(file))
			.isEqualTo("the socket file is owned by nobody (65534), not by the expected user root (0)");
		assertThat(ExpectedOwner.of("0", null).mismatchOfFile(file))
			.isEqualTo("the socket file is owned by nobody (65534), not by the expected user 0");
		assertThat(ExpectedOwner.of(OtherUser.USER, "root").mismatchOfFile(file))
			.isEqualTo("the socket file belongs to group nogroup (65534), not to the expected group root (0)");
		assertThat(ExpectedOwner.of(OtherUser.USER, OtherUser.GROUP).mismatchOfFile(file)).isNull();
	}

	@Test
	void theListenerMustRunAsTheExpectedUser() throws Exception {
		OtherUser.requireRoot("the listener runs as root");
		Path path = this.dir.resolve("listener.sock");
		try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			listener.bind(UnixDomainSocketAddress.of(path));
			try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
				var peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
				assertThat(ExpectedOwner.of("root", null).mismatchOfListener(peer.user())).isNull();
				// The group is the file's business only.
				assertThat(ExpectedOwner.of(null, OtherUser.GROUP).mismatchOfListener(peer.user())).isNull();
				assertThat(ExpectedOwner.of(OtherUser.USER, null).mismatchOfListener(peer.user()))
					.isEqualTo("the process listening on it runs as root (0), not as the expected user nobody (65534)");
			}
		}
	}

	@Test
	void aUserOrGroupThatDoesNotExistFailsWhenTheCheckIsMade() {
		assertThatIllegalArgumentException().isThrownBy(() -> ExpectedOwner.of("no-such-user-here", null))
			.withMessage("user 'no-such-user-here' does not exist");
		assertThatIllegalArgumentException().isThrownBy(() -> ExpectedOwner.of(null, "no-such-group-here"))
			.withMessage("group 'no-such-group-here' does not exist");
		assertThatIllegalArgumentException().isThrownBy(() -> ExpectedOwner.of("+5", null))
			.withMessageContaining("neither a name nor a numeric id");
	}

}
