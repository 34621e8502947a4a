package io.github.unixsocket.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.OperationNotSupportedSocketException;

/**
 * A socket file this process bound, and the rules for taking a path safely: length check,
 * parent directories, stale-socket reclaim, no moment with broader rights than configured,
 * and removal only while the file is still ours.
 */
public final class SocketFile {

	private static final Log logger = LogFactory.getLog(SocketFile.class);

	/** Bytes usable in {@code sockaddr_un.sun_path}, without the terminating NUL. */
	public static final int MAX_PATH_BYTES = System.getProperty("os.name", "")
		.toLowerCase(Locale.ROOT)
		.contains("mac") ? 103 : 107;

	private static final int S_IFMT = 0170000;

	private static final int S_IFSOCK = 0140000;

	private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

	private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(PosixFilePermission.OWNER_READ,
			PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

	private static final SecureRandom random = new SecureRandom();

	private final Path path;

	private final Object fileKey;

	private SocketFile(Path path, Object fileKey) {
		this.path = path;
		this.fileKey = fileKey;
	}

	public Path path() {
		return this.path;
	}

	/**
	 * Whether the file at the path is still the socket this process bound (not deleted,
	 * not replaced).
	 * @return {@code true} if the path still holds our socket
	 */
	public boolean isOurs() {
		try {
			return Objects.equals(this.fileKey,
					Files.readAttributes(this.path, BasicFileAttributes.class, NOFOLLOW).fileKey());
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Delete the file if it is still ours; a file another process has put at the path
	 * since is left alone.
	 * @return {@code true} if the file was deleted
	 */
	public boolean deleteIfOurs() {
		if (!isOurs()) {
			logger.debug("Not removing " + this.path + ": it is no longer the socket this server bound");
			return false;
		}
		try {
			return Files.deleteIfExists(this.path);
		}
		catch (IOException ex) {
			logger.warn("Could not remove socket file " + this.path + ": " + ex);
			return false;
		}
	}

	/**
	 * Bind a stream server channel at {@code options.path()} with no window where the path
	 * is reachable with broader rights than configured: the socket is bound inside a
	 * private (0700) directory next to the path, given its mode and group, then linked to
	 * the final name (which fails rather than replaces if anything appeared there).
	 * @param channel an unbound server channel
	 * @param options path, mode, group, directories
	 * @param backlog listen backlog
	 * @return the bound socket file
	 * @throws IOException if the path cannot be taken; a {@link SocketFileException} says why
	 */
	public static SocketFile bindStream(ServerSocketChannel channel, SocketFileOptions options, int backlog)
			throws IOException {
		Path path = options.path();
		checkLength(path);
		GroupPrincipal group = lookupGroup(options.group());
		prepareParent(options);
		reclaimIfStale(path, ServerType.STREAM);
		Path privateDir = createPrivateDirectory(path.getParent());
		Path temporary = privateDir.resolve("s");
		try {
			checkLength(temporary, path);
			channel.bind(UnixDomainSocketAddress.of(temporary), backlog);
			secure(temporary, options.permissions(), group);
			publish(temporary, path);
			return new SocketFile(path, Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey());
		}
		catch (IOException ex) {
			throw (ex instanceof SocketFileException) ? ex : new SocketFileException(SocketFileException.Reason.IO_ERROR,
					path, "Could not bind socket " + path + ": " + ex.getMessage(), ex);
		}
		finally {
			Files.deleteIfExists(temporary);
			Files.deleteIfExists(privateDir);
		}
	}

	/**
	 * Bind a datagram channel at {@code options.path()}. Datagram sockets cannot be bound
	 * elsewhere and renamed: their bound name is the source address of every reply. So
	 * the socket is bound at the final path and given its mode and group at once; parent
	 * directories this method creates stay {@code 0700} until then, so there is no window.
	 * In an existing directory others can reach, the socket has the umask's mode for the
	 * microseconds until its mode is applied; that is logged when it was broader.
	 * @param channel an unbound junixsocket datagram channel
	 * @param options path, mode, group, directories
	 * @return the bound socket file
	 * @throws IOException if the path cannot be taken; a {@link SocketFileException} says why
	 */
	public static SocketFile bindDatagram(DatagramChannel channel, SocketFileOptions options) throws IOException {
		Path path = options.path();
		checkLength(path);
		GroupPrincipal group = lookupGroup(options.group());
		List<Path> created = createParent(options);
		reclaimIfStale(path, ServerType.DATAGRAM);
		SocketFile bound = null;
		try {
			channel.bind(AFUNIXSocketAddress.of(path));
			bound = new SocketFile(path, Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey());
			Set<PosixFilePermission> umaskMode = Files.getPosixFilePermissions(path);
			// At the final path, unlike a stream socket: in a directory others may write to (and
			// not sticky) the file could be swapped in between; another reason for a dedicated one.
			secure(path, options.permissions(), group);
			for (Path dir : created) {
				Files.setPosixFilePermissions(dir, options.directoryPermissions());
			}
			if (created.isEmpty() && !options.permissions().containsAll(umaskMode) && isShared(path.getParent())) {
				logger.info("Datagram socket " + path + " had mode " + FilePermissions.toOctal(umaskMode)
						+ " (from the umask) for the moment before its mode was set; use a directory that only "
						+ "this application can reach, or let the starter create it, to avoid that window");
			}
			return bound;
		}
		catch (IOException ex) {
			if (bound != null) {
				bound.deleteIfOurs();
			}
			throw (ex instanceof SocketFileException) ? ex : new SocketFileException(SocketFileException.Reason.IO_ERROR,
					path, "Could not bind socket " + path + ": " + ex.getMessage(), ex);
		}
	}

	private static boolean isShared(Path dir) throws IOException {
		Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
		return mode.contains(PosixFilePermission.GROUP_EXECUTE) || mode.contains(PosixFilePermission.OTHERS_EXECUTE);
	}

	/**
	 * Fail if the path does not fit in {@code sun_path}.
	 * @param path the socket path
	 * @throws SocketFileException if it is too long
	 */
	public static void checkLength(Path path) throws SocketFileException {
		checkLength(path, path);
	}

	private static void checkLength(Path candidate, Path configured) throws SocketFileException {
		int length = candidate.toString().getBytes(StandardCharsets.UTF_8).length;
		if (length > MAX_PATH_BYTES) {
			String what = candidate.equals(configured) ? "Socket path " + configured
					: "Temporary bind path " + candidate + " (used to secure " + configured + " before it is published)";
			throw new SocketFileException(SocketFileException.Reason.PATH_TOO_LONG, configured,
					what + " is " + length + " bytes long; the limit on this platform is " + MAX_PATH_BYTES + " bytes");
		}
	}

	/**
	 * Resolve a group name or numeric gid.
	 * @param group name, gid, or {@code null}
	 * @return the principal, or {@code null} for the process's group
	 * @throws IllegalArgumentException if no such group exists
	 */
	public static GroupPrincipal lookupGroup(String group) {
		if (group == null) {
			return null;
		}
		// Digits are a gid, anything else a name: see UnixIds.
		return UnixIds.groupPrincipal(group);
	}

	/**
	 * Create missing parent directories (each with {@code directoryPermissions}, whatever
	 * the umask), or fail if creating them is not allowed.
	 * @param options the socket file options
	 * @throws SocketFileException if the parent is missing and cannot be created
	 */
	public static void prepareParent(SocketFileOptions options) throws SocketFileException {
		for (Path dir : createParent(options)) {
			try {
				Files.setPosixFilePermissions(dir, options.directoryPermissions());
			}
			catch (IOException ex) {
				throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, options.path(),
						"Could not set the mode of directory " + dir + ": " + ex, ex);
			}
		}
	}

	/**
	 * Create missing parent directories, owner-only ({@code 0700}) for now.
	 * @return the directories created, to be given their configured mode
	 */
	private static List<Path> createParent(SocketFileOptions options) throws SocketFileException {
		Path parent = options.path().getParent();
		if (Files.isDirectory(parent)) {
			return List.of();
		}
		if (!options.createDirectories()) {
			throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, options.path(),
					"Directory " + parent + " for socket " + options.path() + " does not exist");
		}
		Deque<Path> missing = new ArrayDeque<>();
		for (Path dir = parent; dir != null && !Files.exists(dir, NOFOLLOW); dir = dir.getParent()) {
			missing.push(dir);
		}
		List<Path> created = new ArrayList<>();
		try {
			for (Path dir : missing) {
				try {
					Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
					created.add(dir);
				}
				catch (FileAlreadyExistsException ex) {
					// created concurrently: fine as long as it is a directory (checked below)
				}
			}
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, options.path(),
					"Could not create directory " + parent + " for socket " + options.path() + ": " + ex, ex);
		}
		if (!Files.isDirectory(parent)) {
			throw new SocketFileException(SocketFileException.Reason.DIRECTORY_MISSING, options.path(),
					parent + " is not a directory");
		}
		return created;
	}

	/**
	 * Make the path free for binding: nothing there is fine; a socket nobody listens on is
	 * deleted; a live socket or anything that is not a socket fails and is left untouched.
	 * @param path the socket path
	 * @throws SocketFileException if the path is taken
	 */
	public static void reclaimIfStale(Path path) throws SocketFileException {
		reclaimIfStale(path, ServerType.STREAM);
	}

	/**
	 * Like {@link #reclaimIfStale(Path)}, probing with a socket of the given type: a
	 * stream connect to a datagram socket fails with "wrong type", and the other way round.
	 * @param path the socket path
	 * @param type the type of the server that wants the path
	 * @throws SocketFileException if the path is taken
	 */
	public static void reclaimIfStale(Path path, ServerType type) throws SocketFileException {
		BasicFileAttributes attributes;
		try {
			attributes = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
		}
		catch (NoSuchFileException ex) {
			return;
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, path,
					"Could not inspect " + path + ": " + ex, ex);
		}
		if (!isSocket(path, attributes)) {
			throw new SocketFileException(SocketFileException.Reason.NOT_A_SOCKET, path,
					path + " exists and is " + describe(attributes) + ", not a socket; it was left untouched");
		}
		try {
			if (type == ServerType.DATAGRAM) {
				probeDatagram(path);
			}
			else {
				probeStream(path);
			}
		}
		catch (ConnectException ex) {
			deleteStale(path);
			return;
		}
		catch (OperationNotSupportedSocketException ex) {
			throw new SocketFileException(SocketFileException.Reason.IN_USE, path, "Socket " + path
					+ " is in use: another process listens on it with a stream socket; it was left untouched", ex);
		}
		catch (SocketException ex) {
			// EPROTOTYPE: a stream connect reached a bound datagram socket (or the other way round).
			if (String.valueOf(ex.getMessage()).contains("wrong type")) {
				throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
						"Socket " + path + " is in use: another process has bound a "
								+ ((type == ServerType.STREAM) ? "datagram" : "stream")
								+ " socket there; it was left untouched",
						ex);
			}
			throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
					"Socket " + path + " exists and could not be probed (" + ex.getMessage()
							+ "); it may be in use and was left untouched",
					ex);
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
					"Socket " + path + " exists and could not be probed (" + ex.getMessage()
							+ "); it may be in use and was left untouched",
					ex);
		}
		throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
				"Socket " + path + " is in use: another process is listening on it; it was left untouched");
	}

	private static void probeStream(Path path) throws IOException {
		try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			// Non-blocking, so a live listener with a full backlog cannot stall startup.
			probe.configureBlocking(false);
			probe.connect(UnixDomainSocketAddress.of(path));
		}
	}

	private static void probeDatagram(Path path) throws IOException {
		try (AFUNIXDatagramChannel probe = AFUNIXDatagramChannel.open()) {
			probe.connect(AFUNIXSocketAddress.of(path));
		}
		catch (SocketException ex) {
			// junixsocket reports ECONNREFUSED (nobody bound) as a plain SocketException.
			if (!(ex instanceof OperationNotSupportedSocketException)
					&& String.valueOf(ex.getMessage()).contains("refused")) {
				throw new ConnectException(ex.getMessage());
			}
			throw ex;
		}
	}

	private static void deleteStale(Path path) throws SocketFileException {
		try {
			Files.deleteIfExists(path);
			logger.info("Removed stale socket file " + path + " (nothing was listening on it)");
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, path,
					"Stale socket " + path + " could not be removed: " + ex, ex);
		}
	}

	/**
	 * Whether the file is a socket, from {@code st_mode} where the platform offers it.
	 * @param path the path
	 * @param attributes its attributes, read without following links
	 * @return {@code true} for a socket
	 */
	static boolean isSocket(Path path, BasicFileAttributes attributes) {
		try {
			int mode = (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW);
			return (mode & S_IFMT) == S_IFSOCK;
		}
		catch (UnsupportedOperationException | IllegalArgumentException | IOException ex) {
			return attributes.isOther();
		}
	}

	private static String describe(BasicFileAttributes attributes) {
		if (attributes.isSymbolicLink()) {
			return "a symbolic link";
		}
		if (attributes.isDirectory()) {
			return "a directory";
		}
		if (attributes.isRegularFile()) {
			return "a regular file";
		}
		return "a special file";
	}

	private static Path createPrivateDirectory(Path parent) throws SocketFileException {
		for (int attempt = 0;; attempt++) {
			// Short name: the temporary socket path must fit in sun_path too.
			Path dir = parent.resolve("." + Long.toString(random.nextLong() >>> 28, 36));
			try {
				Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
				return dir;
			}
			catch (FileAlreadyExistsException ex) {
				if (attempt > 10) {
					throw new SocketFileException(SocketFileException.Reason.IO_ERROR, parent,
							"Could not create a private directory in " + parent, ex);
				}
			}
			catch (IOException ex) {
				throw new SocketFileException(SocketFileException.Reason.IO_ERROR, parent,
						"Could not create a private directory in " + parent + ": " + ex, ex);
			}
		}
	}

	/**
	 * Apply mode and group to a socket file: a stream socket's in its private directory,
	 * a datagram socket's at its final path.
	 * @param file the socket file
	 * @param permissions its mode
	 * @param group its group, or {@code null} to keep the process's
	 * @throws IOException if either cannot be applied
	 */
	static void secure(Path file, Set<PosixFilePermission> permissions, GroupPrincipal group) throws IOException {
		// Following links is needed (with NOFOLLOW_LINKS the JDK open()s the file to fchmod it,
		// which fails on a socket: ENXIO) and safe where only this process can write.
		PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
		if (group != null) {
			try {
				view.setGroup(group);
			}
			catch (IOException ex) {
				throw new SocketFileException(SocketFileException.Reason.IO_ERROR, file, "Could not give socket group '"
						+ group.getName() + "' (is this process a member of it?): " + ex.getMessage(), ex);
			}
		}
		view.setPermissions(permissions);
	}

	private static void publish(Path temporary, Path path) throws IOException {
		try {
			// link(2) refuses to replace: if anything appeared at the path since the probe, keep it.
			Files.createLink(path, temporary);
		}
		catch (FileAlreadyExistsException ex) {
			throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
					"Something appeared at " + path + " while this server was starting; it was left untouched", ex);
		}
		catch (UnsupportedOperationException | IOException ex) {
			// Filesystems without hard links: an atomic rename still never exposes a broader mode.
			Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
		}
	}

}
