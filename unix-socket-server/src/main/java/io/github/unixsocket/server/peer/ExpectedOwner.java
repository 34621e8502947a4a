package io.github.unixsocket.server.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;

import org.jspecify.annotations.Nullable;

/**
 * Who must own a socket this process connects to as a client: the client's side of the
 * trust boundary that {@link PeerPolicy} draws for servers. Before talking on a new
 * connection, a client checks that the socket file belongs to the expected user and group,
 * and that the process listening on it runs as the expected user ({@code SO_PEERCRED} of
 * the connection).
 * <p>
 * The listener's uid is the check no other user can race: whoever replaced the socket
 * file still listens under their own uid. The group is checked on the file only, since a
 * daemon often runs with another primary group than its socket's (Docker: root's socket
 * file in group {@code docker}, the daemon in group {@code root}). Ids and names follow
 * {@link PeerPolicy}'s rule: digits only is a numeric id, anything else a name, resolved
 * when the check is made, so a typo fails at startup.
 */
public final class ExpectedOwner {

	/** Expects nothing: any owner is accepted. */
	public static final ExpectedOwner ANYONE = new ExpectedOwner(-1, "", -1, "");

	private final long uid;

	private final String user;

	private final long gid;

	private final String group;

	private ExpectedOwner(long uid, String user, long gid, String group) {
		this.uid = uid;
		this.user = user;
		this.gid = gid;
		this.group = group;
	}

	/**
	 * @param user the expected user (a uid or a user name), or {@code null} for any user
	 * @param group the expected group of the socket file (a gid or a group name), or
	 * {@code null} for any group
	 * @return the check
	 * @throws IllegalArgumentException naming a user or group that does not exist
	 */
	public static ExpectedOwner of(@Nullable String user, @Nullable String group) {
		long uid = -1;
		String userName = "";
		if (user != null && !user.isBlank()) {
			uid = UnixIds.userId(user.trim());
			userName = describe(user.trim(), uid);
		}
		long gid = -1;
		String groupName = "";
		if (group != null && !group.isBlank()) {
			gid = UnixIds.groupId(group.trim());
			groupName = describe(group.trim(), gid);
		}
		return new ExpectedOwner(uid, userName, gid, groupName);
	}

	/** @return whether anything is checked */
	public boolean expectsAnything() {
		return this.uid >= 0 || this.gid >= 0;
	}

	/**
	 * Checks the socket file's owner and group (following symbolic links, as
	 * {@code connect} does).
	 * @param socketFile the socket file
	 * @return what is wrong, or {@code null} when it is as expected
	 * @throws IOException if its owner cannot be read
	 */
	public @Nullable String mismatchOfFile(Path socketFile) throws IOException {
		if (this.uid >= 0) {
			long owner = ((Number) Files.getAttribute(socketFile, "unix:uid")).longValue();
			if (owner != this.uid) {
				return "the socket file is owned by " + describe(UnixIds.userName(owner), owner)
						+ ", not by the expected user " + this.user;
			}
		}
		if (this.gid >= 0) {
			long group = ((Number) Files.getAttribute(socketFile, "unix:gid")).longValue();
			if (group != this.gid) {
				return "the socket file belongs to group " + describe(UnixIds.groupName(group), group)
						+ ", not to the expected group " + this.group;
			}
		}
		return null;
	}

	/**
	 * Checks the listening process's user, as the kernel reported it for the connection.
	 * @param listener the peer's user from {@code SO_PEERCRED}
	 * @return what is wrong, or {@code null} when it is as expected
	 */
	public @Nullable String mismatchOfListener(UserPrincipal listener) {
		if (this.uid >= 0) {
			long uid = UnixIds.id(listener);
			if (uid != this.uid) {
				return "the process listening on it runs as " + describe(UnixIds.name(listener), uid)
						+ ", not as the expected user " + this.user;
			}
		}
		return null;
	}

	/** As {@link PeerPolicy} shows its entries: {@code root (0)}, or the bare id. */
	private static String describe(String name, long id) {
		return UnixIds.isNumeric(name) ? Long.toString(id) : name + " (" + id + ")";
	}

	@Override
	public String toString() {
		if (!expectsAnything()) {
			return "any owner";
		}
		return "user " + (this.uid >= 0 ? this.user : "any") + ", group " + (this.gid >= 0 ? this.group : "any");
	}

}
