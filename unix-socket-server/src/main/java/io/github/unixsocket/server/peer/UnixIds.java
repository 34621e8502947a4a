package io.github.unixsocket.server.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Set;

/**
 * User and group ids by one rule, used by every setting that names a user or group (a
 * socket's {@code group}, {@code peer.allowed-users}, {@code peer.allowed-groups}) and
 * when a peer is shown: <b>a string of digits is always a numeric id; anything else is a
 * name looked up in the user or group database</b>. So an account named {@code 1001}
 * never stands in for uid 1001; the JDK's own lookup would try such a string as a name
 * first. A peer is shown by name, or by number when its id has no name or the name is all
 * digits (it would read as an id).
 * <p>
 * Internal: public only for the engine's other packages; not API, it may change in any release.
 */
public final class UnixIds {

	/** {@code (uid_t) -1} means "no id" to the kernel. */
	static final long MAX_ID = 0xFFFF_FFFEL;

	/** Names the JDK answers with placeholders that have no id (NFSv4 ACL entries). */
	private static final Set<String> JDK_SPECIAL_USERS = Set.of("OWNER@", "GROUP@", "EVERYONE@");

	private static final Path PASSWD = Path.of("/etc/passwd");

	private static final Path GROUP = Path.of("/etc/group");

	private UnixIds() {
	}

	/**
	 * @param value a configured value
	 * @return whether it is a numeric id by the rule: ASCII digits only
	 */
	static boolean isNumeric(String value) {
		if (value.isEmpty()) {
			return false;
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return false;
			}
		}
		return true;
	}

	/**
	 * @param user a uid or a user name
	 * @return the uid
	 * @throws IllegalArgumentException if it is neither a valid uid nor an existing user
	 */
	static long userId(String user) {
		return isNumeric(user) ? parse(user, "user") : id(lookup(user, false));
	}

	/**
	 * @param group a gid or a group name
	 * @return the gid
	 * @throws IllegalArgumentException if it is neither a valid gid nor an existing group
	 */
	static long groupId(String group) {
		return isNumeric(group) ? parse(group, "group") : id(lookup(group, true));
	}

	/**
	 * A JDK group principal, for {@code PosixFileAttributeView.setGroup}, which takes no
	 * other kind.
	 * @param group a gid or a group name
	 * @return the principal of exactly that gid or group
	 * @throws IllegalArgumentException if it is neither a valid gid nor an existing group
	 */
	public static GroupPrincipal groupPrincipal(String group) {
		if (!isNumeric(group)) {
			return (GroupPrincipal) lookup(group, true);
		}
		long gid = parse(group, "group");
		// The JDK builds principals from strings only, trying a string as a name before it
		// parses it as a number. No group name starts with a sign, so "+1001" (or "-2" for
		// gid 4294967294, as an int) reaches the number; the check covers a database that
		// has such a name anyway.
		String signed = (gid <= Integer.MAX_VALUE) ? "+" + gid : Integer.toString((int) gid);
		GroupPrincipal principal;
		try {
			principal = lookupService().lookupPrincipalByGroupName(signed);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("group '" + group + "' could not be looked up: " + ex.getMessage(), ex);
		}
		if (id(principal) != gid) {
			throw new IllegalArgumentException("group '" + group + "': the group database has a group named '" + signed
					+ "', which hides gid " + gid + " from the JDK");
		}
		return principal;
	}

	/**
	 * The numeric id of one of the JDK's user or group principals (from a lookup, a file's
	 * owner or group, or {@code SO_PEERCRED}). The JDK keeps the id private, but its
	 * principals ({@code sun.nio.fs.UnixUserPrincipals}) compare by it and return it as
	 * their hash code: checked with {@code javap} on JDK 17 and 25, and by
	 * {@code UnixIdsTests} against {@code Files.getAttribute(path, "unix:uid")} on the
	 * running JDK.
	 * @param principal a principal of the default file system
	 * @return its uid or gid
	 */
	public static long id(UserPrincipal principal) {
		if (!principal.getClass().getName().startsWith("sun.nio.fs.UnixUserPrincipals$")) {
			throw new IllegalArgumentException("Not a principal of the Unix file system: " + principal.getClass());
		}
		return Integer.toUnsignedLong(principal.hashCode());
	}

	/**
	 * @param principal a JDK user or group principal, e.g. from {@code SO_PEERCRED}
	 * @return how it is shown: its name, or its id when it has none or the name is all
	 * digits
	 */
	static String name(UserPrincipal principal) {
		String name = principal.getName();
		return isNumeric(name) ? Long.toString(id(principal)) : name;
	}

	/**
	 * How a uid is shown when only the number is known (junixsocket's peer credentials).
	 * The JDK has no lookup by id, so this reads {@code /etc/passwd}; a user known only to
	 * another source of the name service (LDAP, sssd) is shown by number.
	 * @param uid the uid
	 * @return the user's name, or the uid when it has none or the name is all digits
	 */
	public static String userName(long uid) {
		return name(PASSWD, uid);
	}

	/**
	 * Like {@link #userName(long)} for a gid, from {@code /etc/group}.
	 * @param gid the gid
	 * @return the group's name, or the gid when it has none or the name is all digits
	 */
	public static String groupName(long gid) {
		return name(GROUP, gid);
	}

	private static long parse(String value, String kind) {
		long id;
		try {
			id = Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			id = -1;
		}
		if (id < 0 || id > MAX_ID) {
			throw new IllegalArgumentException(kind + " '" + value + "' is not a valid numeric id (0 to " + MAX_ID + ")");
		}
		return id;
	}

	private static UserPrincipal lookup(String name, boolean group) {
		String kind = group ? "group" : "user";
		// The JDK parses a name it cannot find as a number, and Integer.parseInt also takes a
		// sign and non-ASCII digits: such a value must not quietly become an id.
		if (parsesAsInt(name) || (!group && JDK_SPECIAL_USERS.contains(name))) {
			throw new IllegalArgumentException(
					kind + " '" + name + "' is neither a name nor a numeric id (write ids with the digits 0-9 only)");
		}
		try {
			return group ? lookupService().lookupPrincipalByGroupName(name) : lookupService().lookupPrincipalByName(name);
		}
		catch (UserPrincipalNotFoundException ex) {
			throw new IllegalArgumentException(kind + " '" + name + "' does not exist", ex);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException(kind + " '" + name + "' could not be looked up: " + ex.getMessage(), ex);
		}
	}

	private static boolean parsesAsInt(String value) {
		try {
			Integer.parseInt(value);
			return true;
		}
		catch (NumberFormatException ex) {
			return false;
		}
	}

	private static UserPrincipalLookupService lookupService() {
		return FileSystems.getDefault().getUserPrincipalLookupService();
	}

	/** First entry with that id in a passwd or group file ({@code name:password:id:...}). */
	static String name(Path database, long id) {
		String number = Long.toString(id);
		try (BufferedReader reader = Files.newBufferedReader(database, nativeCharset())) {
			String line;
			while ((line = reader.readLine()) != null) {
				String[] fields = line.split(":", 4);
				// '+' and '-' lines are NIS compat markers, not accounts.
				if (fields.length == 4 && fields[2].equals(number) && !fields[0].isEmpty()
						&& "#+-".indexOf(fields[0].charAt(0)) < 0) {
					return isNumeric(fields[0]) ? number : fields[0];
				}
			}
		}
		catch (NoSuchFileException ex) {
			// no local database: the number it is
		}
		catch (IOException | RuntimeException ex) {
			// unreadable or not in this charset: the number is still right
		}
		return number;
	}

	/** The charset the JDK decodes names from {@code getpwuid} with. */
	private static Charset nativeCharset() {
		try {
			return Charset.forName(System.getProperty("sun.jnu.encoding"));
		}
		catch (RuntimeException ex) {
			return Charset.defaultCharset();
		}
	}

}
