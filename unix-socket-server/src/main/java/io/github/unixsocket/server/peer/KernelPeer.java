package io.github.unixsocket.server.peer;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

/**
 * The kernel's view of a connection's peer ({@code SO_PEERCRED}), read the same way for
 * every transport: JDK channels report principals, junixsocket's numbers.
 *
 * @param uid the peer's effective user id
 * @param gid the peer's effective group id
 * @param principal the JDK's principal, which has the names already, or {@code null}
 * <p>
 * Internal: public only for the engine's other packages; not API, it may change in any release.
 */
public record KernelPeer(long uid, long gid, @Nullable UnixDomainPrincipal principal) {

	/**
	 * @param channel a connected channel
	 * @return its peer, {@code null} if the kernel's credentials cannot be read
	 */
	public static @Nullable KernelPeer of(SocketChannel channel) {
		try {
			if (channel instanceof AFUNIXSocketChannel junix) {
				AFUNIXSocketCredentials credentials = junix.getPeerCredentials();
				return new KernelPeer(credentials.getUid(), credentials.getGid(), null);
			}
			UnixDomainPrincipal principal = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
			return new KernelPeer(UnixIds.id(principal.user()), UnixIds.id(principal.group()), principal);
		}
		catch (IOException | UnsupportedOperationException ex) {
			return null;
		}
	}

	/**
	 * @param peer a peer, may be {@code null}
	 * @param policy who may connect
	 * @return whether the peer is allowed by a policy that restricts; {@code false} if its
	 * credentials are unknown
	 */
	public static boolean allowed(@Nullable KernelPeer peer, PeerPolicy policy) {
		return peer != null && policy.allows(peer.uid(), peer.gid());
	}

	/**
	 * @param peer a peer, may be {@code null}
	 * @return its credentials for display
	 */
	public static PeerCredentials credentials(@Nullable KernelPeer peer) {
		if (peer == null) {
			return PeerCredentials.UNKNOWN;
		}
		return (peer.principal != null)
				? new PeerCredentials(UnixIds.name(peer.principal.user()), UnixIds.name(peer.principal.group()))
				: new PeerCredentials(UnixIds.userName(peer.uid), UnixIds.groupName(peer.gid));
	}

}
