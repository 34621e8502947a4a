package io.github.unixsocket.server.file;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.github.unixsocket.server.peer.ProcessUser;
import io.github.unixsocket.server.peer.UnixIds;

import org.jspecify.annotations.Nullable;

/**
 * The directory a socket file goes in, checked the way OpenSSH's {@code StrictModes}
 * checks {@code ~/.ssh}: every directory the path passes through must be owned by this
 * process's user or by root, and not writable by group or others unless it has the
 * sticky bit (as {@code /tmp} has). Anyone else who could write to one of them could
 * swap the socket, or the directory it is in, for their own.
 * <p>
 * Internal: public only for the engine's other packages; not API, it may change in any release.
 */
public final class SocketDirectory {

	public static final int S_IFMT = 0170000;

	public static final int S_IFSOCK = 0140000;

	static final int S_IFLNK = 0120000;

	private static final int STICKY = 01000;

	private static final int GROUP_OR_OTHERS_WRITE = 0022;

	private static final int GROUP_OR_OTHERS_SEARCH = 0011;

	private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

	private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

	private SocketDirectory() {
	}

	/**
	 * Create the socket's missing parent directories, each owner-only ({@code 0700}) for
	 * now, after checking that the existing ones can be trusted.
	 * @param options path and directory settings
	 * @param sharedAllowed whether an existing sticky, world-writable directory (like
	 * {@code /tmp}) may hold the socket; not for sockets bound in place (datagrams)
	 * @return the directories created, outermost first, to be given their configured mode
	 * @throws SocketFileException if a directory is missing and may not be created, or an
	 * existing one is not trustworthy
	 */
	static List<Path> prepare(SocketFileOptions options, boolean sharedAllowed) throws SocketFileException {
		Path socket = options.path();
		Path parent = socket.getParent();
		if (parent == null) {
			throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, socket,
					"Socket path " + socket + " has no directory");
		}
		Deque<Path> missing = new ArrayDeque<>();
		Path existing = parent;
		while (existing != null && !Files.exists(existing, NOFOLLOW)) {
			missing.push(existing);
			existing = existing.getParent();
		}
		if (!missing.isEmpty() && !options.createDirectories()) {
			throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, socket,
					"Directory " + parent + " for socket " + socket + " does not exist");
		}
		if (existing != null) {
			checkTrusted(existing, socket, sharedAllowed || !missing.isEmpty());
		}
		List<Path> created = new ArrayList<>();
		for (Path dir : missing) {
			try {
				Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
				created.add(dir);
			}
			catch (FileAlreadyExistsException ex) {
				// Created meanwhile by someone else: only usable if it passes the same check.
				checkTrusted(dir, socket, sharedAllowed);
			}
			catch (IOException ex) {
				throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, socket,
						"Could not create directory " + dir + " for socket " + socket + ": " + ex, ex);
			}
		}
		if (!Files.isDirectory(parent, NOFOLLOW)) {
			throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, socket,
					parent + " is not a directory");
		}
		return created;
	}

	/**
	 * Give directories created by {@link #prepare} the socket's group, if it has one, and
	 * their configured mode: a member of the group (nginx's worker in {@code www-data},
	 * say) must be able to pass through them to reach the socket; with the default
	 * {@code 0750} the group may search and list them, never write.
	 * @param created the directories
	 * @param options the socket file options
	 * @param group the socket's group, or {@code null} for the process's
	 * @throws SocketFileException if a group or mode cannot be set
	 */
	static void applyMode(List<Path> created, SocketFileOptions options, @Nullable GroupPrincipal group)
			throws SocketFileException {
		for (Path dir : created) {
			try {
				if (group != null) {
					Files.getFileAttributeView(dir, PosixFileAttributeView.class, NOFOLLOW).setGroup(group);
				}
				Files.setPosixFilePermissions(dir, options.directoryPermissions());
			}
			catch (IOException ex) {
				throw new SocketFileException(SocketFileException.Reason.IO_ERROR, options.path(),
						"Could not set the group or mode of directory " + dir + ": " + ex, ex);
			}
		}
	}

	/**
	 * The first directory on the way to a socket that members of its group cannot search
	 * for their group's sake: neither group-owned by it with search permission, nor
	 * searchable by others. Members who are also its owner or in its own group still
	 * pass, so this is a hint, not a verdict (ACLs are not read either).
	 * @param socket the socket path
	 * @param gid the socket's group
	 * @return that directory (resolved), or {@code null} if the group can reach the
	 * socket's directory
	 * @throws IOException if a directory cannot be read
	 */
	static @Nullable Path closedToGroup(Path socket, long gid) throws IOException {
		for (Path prefix : prefixes(parent(socket).toRealPath())) {
			Map<String, Object> attributes = Files.readAttributes(prefix, "unix:mode,uid,gid", NOFOLLOW);
			int mode = mode(attributes);
			boolean groupPasses = gid(attributes) == gid && (mode & 0010) != 0;
			if (!groupPasses && (mode & 0001) == 0) {
				return prefix;
			}
		}
		return null;
	}

	/**
	 * @param dir a directory
	 * @return it with its owner, group and mode, for messages
	 * @throws IOException if it cannot be read
	 */
	static String describe(Path dir) throws IOException {
		Map<String, Object> attributes = Files.readAttributes(dir, "unix:mode,gid", NOFOLLOW);
		return dir + " (owner " + ProcessUser.owner(dir) + ", group " + UnixIds.groupName(gid(attributes)) + ", mode "
				+ octal(mode(attributes)) + ")";
	}

	private static long gid(Map<String, Object> attributes) {
		return ((Number) Objects.requireNonNull(attributes.get("gid"), "gid")).longValue();
	}

	/**
	 * Check every directory from the root to {@code dir}, both as written (a directory
	 * holding a symbolic link decides where it points) and as resolved.
	 * @param dir an existing directory
	 * @param socket the socket path, for messages
	 * @param sharedAllowed whether {@code dir} itself may be sticky and world-writable
	 * @throws SocketFileException naming the first directory that is not trustworthy
	 */
	static void checkTrusted(Path dir, Path socket, boolean sharedAllowed) throws SocketFileException {
		try {
			for (Path prefix : prefixes(dir)) {
				Map<String, Object> link = Files.readAttributes(prefix, "unix:mode,uid", NOFOLLOW);
				if (isLink(link) && !isTrustedOwner(uid(link))) {
					throw untrusted(prefix, link, socket, "is a symbolic link owned by another user");
				}
				checkDirectory(prefix, Files.readAttributes(prefix, "unix:mode,uid"), socket, true);
			}
			Path real = dir.toRealPath();
			for (Path prefix : prefixes(real)) {
				checkDirectory(prefix, Files.readAttributes(prefix, "unix:mode,uid", NOFOLLOW), socket,
						sharedAllowed || !prefix.equals(real));
			}
		}
		catch (SocketFileException ex) {
			throw ex;
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, socket,
					"Could not check directory " + dir + " of socket " + socket + ": " + ex, ex);
		}
	}

	private static void checkDirectory(Path dir, Map<String, Object> attributes, Path socket, boolean sharedAllowed)
			throws SocketFileException {
		int mode = mode(attributes);
		if (!isTrustedOwner(uid(attributes))) {
			throw untrusted(dir, attributes, socket, "is owned by another user");
		}
		if ((mode & GROUP_OR_OTHERS_WRITE) != 0) {
			if ((mode & STICKY) == 0) {
				throw untrusted(dir, attributes, socket, "can be written by group or others");
			}
			if (!sharedAllowed) {
				throw new SocketFileException(SocketFileException.Reason.UNTRUSTED_DIRECTORY, socket,
						"Directory " + dir + " (mode " + octal(mode) + ") is shared with other users: a datagram socket "
								+ "is bound in place, so it needs a directory that only its owner can write, such as "
								+ "one the starter creates");
			}
		}
	}

	/**
	 * Whether a directory can be entered by users other than its owner.
	 * @param dir the directory
	 * @return {@code true} if group or others have search permission
	 * @throws IOException if its mode cannot be read
	 */
	static boolean othersCanEnter(Path dir) throws IOException {
		return (mode(Files.readAttributes(dir, "unix:mode", NOFOLLOW)) & GROUP_OR_OTHERS_SEARCH) != 0;
	}

	/**
	 * Whether a directory is dedicated to this user's sockets: owned by this process's
	 * user and holding nothing but sockets, lock files and directories of that user.
	 * Making such a directory private for a moment affects no one else's files.
	 * @param dir the directory
	 * @return whether it is dedicated
	 * @throws IOException if it cannot be listed
	 */
	static boolean isDedicated(Path dir) throws IOException {
		long self = ProcessUser.uid();
		if (uid(Files.readAttributes(dir, "unix:uid", NOFOLLOW)) != self) {
			return false;
		}
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
			for (Path entry : entries) {
				Map<String, Object> attributes;
				try {
					attributes = Files.readAttributes(entry, "unix:mode,uid", NOFOLLOW);
				}
				catch (NoSuchFileException ex) {
					continue;
				}
				int type = mode(attributes) & S_IFMT;
				boolean ours = type == S_IFSOCK || Files.isDirectory(entry, NOFOLLOW)
						|| (Files.isRegularFile(entry, NOFOLLOW) && PathLock.isLockFile(entry));
				if (!ours || uid(attributes) != self) {
					return false;
				}
			}
		}
		return true;
	}

	/**
	 * @param mode a directory's mode
	 * @return whether only its owner (and root) can rename or remove other users' entries
	 */
	public static boolean onlyOwnerCanReplace(int mode) {
		return (mode & GROUP_OR_OTHERS_WRITE) == 0 || (mode & STICKY) != 0;
	}

	/**
	 * @param attributes {@code unix:} attributes read with {@code mode}
	 * @return the mode
	 */
	public static int mode(Map<String, Object> attributes) {
		return (Integer) Objects.requireNonNull(attributes.get("mode"), "mode");
	}

	/**
	 * @param attributes {@code unix:} attributes read with {@code uid}
	 * @return the owner's uid
	 */
	public static long uid(Map<String, Object> attributes) {
		return ((Number) Objects.requireNonNull(attributes.get("uid"), "uid")).longValue();
	}

	/**
	 * @param socket a socket path that {@link #prepare} accepted
	 * @return its directory
	 */
	static Path parent(Path socket) {
		return Objects.requireNonNull(socket.getParent(), "parent");
	}

	static String octal(int mode) {
		return String.format("%04o", mode & 07777);
	}

	private static boolean isLink(Map<String, Object> attributes) {
		return (mode(attributes) & S_IFMT) == S_IFLNK;
	}

	private static boolean isTrustedOwner(long uid) {
		return uid == 0 || uid == ProcessUser.uid();
	}

	/** @return {@code /}, {@code /a}, {@code /a/b}, ... up to {@code dir} */
	private static List<Path> prefixes(Path dir) {
		List<Path> prefixes = new ArrayList<>();
		for (Path prefix = dir.toAbsolutePath(); prefix != null; prefix = prefix.getParent()) {
			prefixes.add(0, prefix);
		}
		return prefixes;
	}

	private static SocketFileException untrusted(Path dir, Map<String, Object> attributes, Path socket,
			String problem) {
		return new SocketFileException(SocketFileException.Reason.UNTRUSTED_DIRECTORY, socket,
				dir + " (owner " + ProcessUser.owner(dir) + ", mode " + octal(mode(attributes)) + ") " + problem
						+ ": whoever can change it could replace socket " + socket + " with their own. It must be "
						+ "owned by " + ProcessUser.describe() + " or root and writable by its owner only "
						+ "(or have the sticky bit, like /tmp)");
	}

}
