package io.github.unixsocket.server.peer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which peers may connect, checked against the kernel's {@code SO_PEERCRED}: a peer is
 * allowed when its effective user is listed or its effective group is listed (supplementary
 * groups are not reported by the kernel). Both lists empty: everyone who can open the
 * socket file.
 * <p>
 * Entries follow one rule: a string of digits is always a numeric uid or gid; anything
 * else is a name looked up in the user or group database. So {@code 0} and {@code root}
 * allow the same user, and an account named {@code 1001} does not stand in for uid 1001.
 * Peers are matched by their numeric ids, the same way on filesystem and abstract
 * addresses.
 */
public final class PeerPolicy {

	/** Allows every peer. */
	public static final PeerPolicy ANYONE = new PeerPolicy(Set.of(), Set.of(), List.of(), List.of());

	private final Set<Long> uids;

	private final Set<Long> gids;

	private final List<String> users;

	private final List<String> groups;

	private PeerPolicy(Set<Long> uids, Set<Long> gids, List<String> users, List<String> groups) {
		this.uids = uids;
		this.gids = gids;
		this.users = users;
		this.groups = groups;
	}

	/**
	 * Resolve user and group names now, so a typo fails at startup.
	 * @param users allowed users: uids (digits only) or user names
	 * @param groups allowed groups: gids (digits only) or group names
	 * @return the policy
	 * @throws IllegalArgumentException naming the first user or group that does not exist
	 */
	public static PeerPolicy of(Collection<String> users, Collection<String> groups) {
		Set<Long> uids = new HashSet<>();
		List<String> userNames = new ArrayList<>();
		for (String user : users) {
			long uid = UnixIds.userId(user.trim());
			uids.add(uid);
			userNames.add(describe(user.trim(), uid));
		}
		Set<Long> gids = new HashSet<>();
		List<String> groupNames = new ArrayList<>();
		for (String group : groups) {
			long gid = UnixIds.groupId(group.trim());
			gids.add(gid);
			groupNames.add(describe(group.trim(), gid));
		}
		return new PeerPolicy(Set.copyOf(uids), Set.copyOf(gids), List.copyOf(userNames), List.copyOf(groupNames));
	}

	/** @return whether every peer is allowed */
	public boolean allowsAnyone() {
		return this.uids.isEmpty() && this.gids.isEmpty();
	}

	/**
	 * @param uid the peer's effective uid, as the kernel reports it
	 * @param gid the peer's effective gid, as the kernel reports it
	 * @return whether it may connect
	 */
	public boolean allows(long uid, long gid) {
		return allowsAnyone() || this.uids.contains(uid) || this.gids.contains(gid);
	}

	@Override
	public String toString() {
		return allowsAnyone() ? "anyone" : "users " + this.users + ", groups " + this.groups;
	}

	private static String describe(String entry, long id) {
		return UnixIds.isNumeric(entry) ? entry : entry + " (" + id + ")";
	}

}
