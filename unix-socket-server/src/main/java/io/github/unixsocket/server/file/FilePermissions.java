package io.github.unixsocket.server.file;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses file modes written as octal ({@code "0660"}, {@code "660"}) or symbolic
 * ({@code "rw-rw----"}) strings. Special bits (setuid, setgid, sticky) are rejected: they
 * mean nothing on a socket and would be silently dropped by {@code chmod} through NIO.
 */
public final class FilePermissions {

	private static final Pattern OCTAL = Pattern.compile("0?[0-7]{3}");

	private static final PosixFilePermission[] BY_BIT = { PosixFilePermission.OTHERS_EXECUTE,
			PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
			PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE,
			PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ };

	private FilePermissions() {
	}

	/**
	 * Parse a mode string.
	 * @param mode octal or symbolic mode
	 * @return the permissions
	 * @throws IllegalArgumentException if the string is neither form
	 */
	public static Set<PosixFilePermission> parse(String mode) {
		String value = (mode != null) ? mode.trim() : "";
		if (OCTAL.matcher(value).matches()) {
			int bits = Integer.parseInt(value, 8);
			Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
			for (int i = 0; i < BY_BIT.length; i++) {
				if ((bits & (1 << i)) != 0) {
					permissions.add(BY_BIT[i]);
				}
			}
			return permissions;
		}
		try {
			Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
			permissions.addAll(PosixFilePermissions.fromString(value));
			return permissions;
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("'" + mode
					+ "' is not a file mode: use octal like \"0660\" or symbolic like \"rw-rw----\"");
		}
	}

	/**
	 * Format permissions as a four-digit octal string such as {@code "0660"}.
	 * @param permissions the permissions
	 * @return the octal form
	 */
	public static String toOctal(Set<PosixFilePermission> permissions) {
		int bits = 0;
		for (int i = 0; i < BY_BIT.length; i++) {
			if (permissions.contains(BY_BIT[i])) {
				bits |= 1 << i;
			}
		}
		return String.format("0%03o", bits);
	}

}
