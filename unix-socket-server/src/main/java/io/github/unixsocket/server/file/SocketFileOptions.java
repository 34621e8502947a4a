package io.github.unixsocket.server.file;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
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

	/**
	 * An abstract address's prefix, refused here: such an address has no file. It is
	 * {@code NativeSockets.ABSTRACT_PREFIX}, written again so that this package does not
	 * depend on the servers'.
	 */
	private static final String ABSTRACT_PREFIX = "@";

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
	 * Options as written in a configuration file, every rule checked here so that a bad
	 * value fails before anything is bound, naming the {@link Option} at fault. Binding
	 * checks the length and the group again: they may have changed in between.
	 * @param path the socket path; not an abstract address ({@code "@name"}), which has no file
	 * @param permissions mode of the socket file, octal or symbolic, {@code null} for
	 * {@link #DEFAULT_PERMISSIONS}
	 * @param group group name or numeric gid, {@code null} or blank for the process's group;
	 * must exist
	 * @param createDirectories whether missing parent directories are created
	 * @param directoryPermissions mode of directories this library creates, octal or
	 * symbolic, {@code null} for {@link #DEFAULT_DIRECTORY_PERMISSIONS}
	 * @return the options
	 * @throws InvalidOptionException naming the first option that breaks a rule
	 */
	public static SocketFileOptions parse(String path, @Nullable String permissions, @Nullable String group,
			boolean createDirectories, @Nullable String directoryPermissions) {
		Path file = parsePath(path);
		Set<PosixFilePermission> mode = parseMode(Option.PERMISSIONS, permissions);
		Set<PosixFilePermission> directoryMode = parseMode(Option.DIRECTORY_PERMISSIONS, directoryPermissions);
		String trimmedGroup = (group == null || group.isBlank()) ? null : group.trim();
		try {
			SocketFile.lookupGroup(trimmedGroup);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidOptionException(Option.GROUP, group, ex.getMessage(),
					"use an existing group name or numeric gid that this process belongs to, or remove it for the "
							+ "process's group");
		}
		try {
			return new SocketFileOptions(file, mode, trimmedGroup, createDirectories, directoryMode);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidOptionException(Option.DIRECTORY_PERMISSIONS, directoryPermissions, ex.getMessage(),
					"use " + DIRECTORY_PERMISSIONS_RULE);
		}
	}

	private static Path parsePath(String path) {
		if (path.trim().startsWith(ABSTRACT_PREFIX)) {
			throw new InvalidOptionException(Option.PATH, path,
					"an address in the abstract namespace has no file, and this socket needs one",
					"use a file path such as /run/<app>/<name>.sock");
		}
		Path file;
		try {
			file = Path.of(path.trim()).toAbsolutePath().normalize();
		}
		catch (InvalidPathException ex) {
			throw new InvalidOptionException(Option.PATH, path, ex.getMessage(), "use a valid file path");
		}
		try {
			SocketFile.checkLength(file);
		}
		catch (SocketFileException ex) {
			throw new InvalidOptionException(Option.PATH, path, ex.getMessage(), "use a path of at most "
					+ SocketFile.MAX_PATH_BYTES + " bytes, e.g. in /run/<app>/ or /tmp/<app>/");
		}
		return file;
	}

	private static @Nullable Set<PosixFilePermission> parseMode(Option option, @Nullable String mode) {
		if (mode == null) {
			return null;
		}
		try {
			return FilePermissions.parse(mode);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidOptionException(option, mode, ex.getMessage(),
					"use octal like \"0660\" or symbolic like \"rw-rw----\"");
		}
	}

	/** The options {@link #parse} checks, for callers that name them their own way. */
	public enum Option {

		/** The socket path. */
		PATH,

		/** The socket file's mode. */
		PERMISSIONS,

		/** The socket file's group. */
		GROUP,

		/** The mode of created directories. */
		DIRECTORY_PERMISSIONS;

		/** @return the option as its property spells it: {@code directory-permissions} */
		public String key() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

	}

	/** An option {@link #parse} refused: which one, the value, why and what to do instead. */
	public static final class InvalidOptionException extends IllegalArgumentException {

		private final Option option;

		private final @Nullable String value;

		private final String problem;

		private final String fix;

		InvalidOptionException(Option option, @Nullable String value, @Nullable String problem, String fix) {
			super(option.key() + " '" + value + "': " + problem + "; " + fix);
			this.option = option;
			this.value = value;
			this.problem = String.valueOf(problem);
			this.fix = fix;
		}

		/** @return the option at fault */
		public Option option() {
			return this.option;
		}

		/** @return the value as given */
		public @Nullable String value() {
			return this.value;
		}

		/** @return why the value is refused */
		public String problem() {
			return this.problem;
		}

		/** @return what to write instead, e.g. {@code use octal like "0660"} */
		public String fix() {
			return this.fix;
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
