package io.github.unixsocket.server.peer;

import org.jspecify.annotations.Nullable;

/**
 * Who is on the other end of a connection, as the kernel reports it ({@code SO_PEERCRED}),
 * shown the same way on filesystem and abstract addresses: by name, or by number when the
 * id has no name or its name is all digits. That follows the rule of
 * {@link PeerPolicy}: a string of digits is always a numeric id, so a value shown here
 * means the same peer in {@code peer.allowed-users} or {@code peer.allowed-groups}.
 *
 * @param user the peer's effective user: a name or a uid; {@code null} when unknown
 * @param group the peer's effective group: a name or a gid; {@code null} when unknown
 */
public record PeerCredentials(@Nullable String user, @Nullable String group) {

	/** Credentials that could not be read. */
	public static final PeerCredentials UNKNOWN = new PeerCredentials(null, null);

	@Override
	public String toString() {
		return (this.user != null) ? "user=" + this.user + ", group=" + this.group : "unknown peer";
	}

}
