package io.github.unixsocket.server;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

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
public record SocketFileOptions(Path path, Set<PosixFilePermission> permissions, @Nullable String group,
		boolean createDirectories, Set<PosixFilePermission> directoryPermissions) {

	/** Default socket file mode: {@code 0600}, the owner only. */
	public static final Set<PosixFilePermission> DEFAULT_PERMISSIONS = FilePermissions.parse("0600");

	/** Default mode of created directories: {@code 0750}. */
	public static final Set<PosixFilePermission> DEFAULT_DIRECTORY_PERMISSIONS = FilePermissions.parse("0750");

	/** Which modes of created directories are accepted, for messages. */
	public static final String DIRECTORY_PERMISSIONS_RULE = "a mode without group and others write, such as \"0750\" "
			+ "(the default) or \"0755\"";

	/**
	 * Options as given; {@code null} stands for the default.
	 * @param path the socket path, made absolute and normalized
	 * @param permissions mode of the socket file, {@code null} for {@link #DEFAULT_PERMISSIONS}
	 * @param group group name or numeric gid given to the socket file, {@code null} or blank
	 * for the process's group
	 * @param createDirectories whether missing parent directories are created
	 * @param directoryPermissions mode of directories this library creates, {@code null} for
	 * {@link #DEFAULT_DIRECTORY_PERMISSIONS}
	 * @throws IllegalArgumentException if {@code directoryPermissions} let group or others
	 * write
	 */
	public SocketFileOptions(Path path, @Nullable Set<PosixFilePermission> permissions, @Nullable String group,
			boolean createDirectories, @Nullable Set<PosixFilePermission> directoryPermissions) {
		Objects.requireNonNull(path, "path");
		this.path = path.toAbsolutePath().normalize();
		this.permissions = Collections.unmodifiableSet(EnumSet.copyOf(withNone(permissions, DEFAULT_PERMISSIONS)));
		this.group = (group == null || group.isBlank()) ? null : group.trim();
		this.createDirectories = createDirectories;
		this.directoryPermissions = Collections
			.unmodifiableSet(EnumSet.copyOf(withNone(directoryPermissions, DEFAULT_DIRECTORY_PERMISSIONS)));
		if (this.directoryPermissions.contains(PosixFilePermission.GROUP_WRITE)
				|| this.directoryPermissions.contains(PosixFilePermission.OTHERS_WRITE)) {
			// Whoever may write the directory may replace the socket: the next start would refuse it
			// (SocketDirectory's check), so it is refused here, for every caller alike.
			throw new IllegalArgumentException("directory mode " + FilePermissions.toOctal(this.directoryPermissions)
					+ " lets group or others write to the socket's directory, and so replace the socket");
		}
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

	private static Set<PosixFilePermission> withNone(@Nullable Set<PosixFilePermission> given,
			Set<PosixFilePermission> fallback) {
		Set<PosixFilePermission> result = EnumSet.noneOf(PosixFilePermission.class);
		result.addAll((given != null) ? given : fallback);
		return result;
	}

}
