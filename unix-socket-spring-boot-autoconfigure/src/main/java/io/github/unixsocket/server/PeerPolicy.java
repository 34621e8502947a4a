package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

import jdk.net.UnixDomainPrincipal;

/**
 * Which peers may connect, checked against the kernel's {@code SO_PEERCRED}: a peer is
 * allowed when its effective user is listed or its effective group is listed (supplementary
 * groups are not reported by the kernel). Both lists empty: everyone who can open the
 * socket file.
 */
public final class PeerPolicy {

	/** Allows every peer. */
	public static final PeerPolicy ANYONE = new PeerPolicy(Set.of(), Set.of());

	private final Set<UserPrincipal> users;

	private final Set<GroupPrincipal> groups;

	private PeerPolicy(Set<UserPrincipal> users, Set<GroupPrincipal> groups) {
		this.users = users;
		this.groups = groups;
	}

	/**
	 * Resolve user and group names (or numeric ids) now, so a typo fails at startup.
	 * @param users allowed users
	 * @param groups allowed groups
	 * @return the policy
	 * @throws IllegalArgumentException naming the first user or group that does not exist
	 */
	public static PeerPolicy of(Collection<String> users, Collection<String> groups) {
		UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
		Set<UserPrincipal> allowedUsers = new LinkedHashSet<>();
		for (String user : users) {
			allowedUsers.add(lookup(() -> lookup.lookupPrincipalByName(user.trim()), "user", user));
		}
		Set<GroupPrincipal> allowedGroups = new LinkedHashSet<>();
		for (String group : groups) {
			allowedGroups.add(lookup(() -> lookup.lookupPrincipalByGroupName(group.trim()), "group", group));
		}
		return new PeerPolicy(Set.copyOf(allowedUsers), Set.copyOf(allowedGroups));
	}

	/** @return whether every peer is allowed */
	public boolean allowsAnyone() {
		return this.users.isEmpty() && this.groups.isEmpty();
	}

	/**
	 * @param peer the peer's credentials, {@code null} if unknown
	 * @return whether it may connect
	 */
	public boolean allows(UnixDomainPrincipal peer) {
		if (allowsAnyone()) {
			return true;
		}
		// Principals compare by uid/gid, so "0" and "root" match alike.
		return peer != null && (this.users.contains(peer.user()) || this.groups.contains(peer.group()));
	}

	@Override
	public String toString() {
		return allowsAnyone() ? "anyone" : "users " + this.users + ", groups " + this.groups;
	}

	private static <T> T lookup(Lookup<T> lookup, String kind, String name) {
		try {
			return lookup.get();
		}
		catch (UserPrincipalNotFoundException ex) {
			throw new IllegalArgumentException(kind + " '" + name + "' does not exist", ex);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException(kind + " '" + name + "' could not be looked up: " + ex.getMessage(), ex);
		}
	}

	private interface Lookup<T> {

		T get() throws IOException;

	}

}
