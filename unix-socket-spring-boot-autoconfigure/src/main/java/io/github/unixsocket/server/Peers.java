package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/** The kernel's view of a connection's peer ({@code SO_PEERCRED}), for every transport. */
final class Peers {

	private Peers() {
	}

	/**
	 * @param channel a connected JDK channel
	 * @return the peer's user and group, {@code null} if they cannot be read
	 */
	static UnixDomainPrincipal principal(SocketChannel channel) {
		try {
			return channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
		}
		catch (IOException | UnsupportedOperationException ex) {
			return null;
		}
	}

	/**
	 * @param principal the peer, may be {@code null}
	 * @return its credentials for display
	 */
	static PeerCredentials credentials(UnixDomainPrincipal principal) {
		return (principal != null) ? new PeerCredentials(principal.user().getName(), principal.group().getName())
				: PeerCredentials.UNKNOWN;
	}

}
