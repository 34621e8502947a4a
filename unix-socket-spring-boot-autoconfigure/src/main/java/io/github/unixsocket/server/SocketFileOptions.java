package io.github.unixsocket.server;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Where a server's socket file goes and who may reach it.
 *
 * @param path the socket path
 * @param permissions mode of the socket file
 * @param group group name or numeric gid given to the socket file, {@code null} for the
 * process's group
 * @param createDirectories whether missing parent directories are created
 * @param directoryPermissions mode of directories this library creates
 */
public record SocketFileOptions(Path path, Set<PosixFilePermission> permissions, String group,
		boolean createDirectories, Set<PosixFilePermission> directoryPermissions) {

	/** Default socket file mode: {@code 0600}, the owner only. */
	public static final Set<PosixFilePermission> DEFAULT_PERMISSIONS = FilePermissions.parse("0600");

	/** Default mode of created directories: {@code 0750}. */
	public static final Set<PosixFilePermission> DEFAULT_DIRECTORY_PERMISSIONS = FilePermissions.parse("0750");

	public SocketFileOptions {
		Objects.requireNonNull(path, "path");
		path = path.toAbsolutePath().normalize();
		permissions = Collections.unmodifiableSet(EnumSet.copyOf(withNone(permissions, DEFAULT_PERMISSIONS)));
		directoryPermissions = Collections
			.unmodifiableSet(EnumSet.copyOf(withNone(directoryPermissions, DEFAULT_DIRECTORY_PERMISSIONS)));
		group = (group == null || group.isBlank()) ? null : group.trim();
	}

	/**
	 * Options with the secure defaults: mode {@code 0600}, process group, missing
	 * directories created with {@code 0750}.
	 * @param path the socket path
	 * @return the options
	 */
	public static SocketFileOptions of(Path path) {
		return new SocketFileOptions(path, null, null, true, null);
	}

	private static Set<PosixFilePermission> withNone(Set<PosixFilePermission> given,
			Set<PosixFilePermission> fallback) {
		Set<PosixFilePermission> result = EnumSet.noneOf(PosixFilePermission.class);
		result.addAll((given != null) ? given : fallback);
		return result;
	}

}
