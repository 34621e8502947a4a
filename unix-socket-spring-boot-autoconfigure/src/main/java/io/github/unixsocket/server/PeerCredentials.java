package io.github.unixsocket.server;

/**
 * Who is on the other end of a connection, as the kernel reports it ({@code SO_PEERCRED}).
 * The JDK reports names; a uid or gid without a name appears as its number.
 *
 * @param user the peer's effective user
 * @param group the peer's effective group
 */
public record PeerCredentials(String user, String group) {

	/** Credentials that could not be read. */
	public static final PeerCredentials UNKNOWN = new PeerCredentials(null, null);

	@Override
	public String toString() {
		return (this.user != null) ? "user=" + this.user + ", group=" + this.group : "unknown peer";
	}

}
