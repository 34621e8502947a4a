package io.github.unixsocket.server.file;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
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
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.github.unixsocket.server.peer.UnixIds;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.OperationNotSupportedSocketException;

/**
 * A socket file this process bound, and the rules for taking a path safely: the path
 * fits in {@code sun_path}; every directory on the way is trustworthy
 * ({@link SocketDirectory}); the path is locked against other instances
 * ({@link PathLock}); a stale socket is reclaimed, anything else is left alone; the path
 * never exists with broader rights than configured; and the file is removed only while
 * it is still ours. No {@code chmod}, {@code chown} or {@code unlink} here follows a
 * symbolic link or acts on a file other than the socket just bound.
 * <p>
 * Internal: public only for the engine's other packages; not API, it may change in any release.
 */
public final class SocketFile implements Closeable {

	private static final Log logger = LogFactory.getLog(SocketFile.class);

	/** Bytes usable in {@code sockaddr_un.sun_path}, without the terminating NUL. */
	public static final int MAX_PATH_BYTES = System.getProperty("os.name", "")
		.toLowerCase(Locale.ROOT)
		.contains("mac") ? 103 : 107;

	private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

	private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

	private static final SecureRandom random = new SecureRandom();

	private final Path path;

	private final Object fileKey;

	private final PathLock lock;

	/** Where a socket published from a private directory is still bound, {@code null} if nowhere else. */
	private final @Nullable Path bindPath;

	private SocketFile(Path path, Object fileKey, PathLock lock, @Nullable Path bindPath) {
		this.path = path;
		this.fileKey = fileKey;
		this.lock = lock;
		this.bindPath = bindPath;
	}

	public Path path() {
		return this.path;
	}

	/** @return the bound socket's file key (device and inode) */
	public Object fileKey() {
		return this.fileKey;
	}

	/**
	 * Whether the file at the path is still the socket this process bound (not deleted,
	 * not replaced).
	 * @return {@code true} if the path still holds our socket
	 */
	public boolean isOurs() {
		try {
			return this.fileKey.equals(fileKey(this.path));
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Delete the file if it is still ours; a file another process has put at the path
	 * since is left alone. Call it while the socket is still open: a process that starts
	 * on the path meanwhile then finds it live, not stale.
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
	 * Release the path's lock (and the private directory of a socket published with its
	 * bind path kept); the socket file itself is not touched.
	 */
	@Override
	public void close() {
		if (this.bindPath != null) {
			removePrivateDirectory(this.bindPath);
		}
		this.lock.close();
	}

	/**
	 * Bind a stream server channel at {@code options.path()} with no moment where the
	 * path is reachable with broader rights than configured (see {@link #prepareStream}).
	 * @param channel an unbound server channel
	 * @param options path, mode, group, directories
	 * @param backlog listen backlog
	 * @return the bound socket file, holding the path's lock until closed
	 * @throws IOException if the path cannot be taken; a {@link SocketFileException} says why
	 */
	public static SocketFile bindStream(ServerSocketChannel channel, SocketFileOptions options, int backlog)
			throws IOException {
		try (StreamBinding binding = prepareStream(options)) {
			try {
				channel.bind(UnixDomainSocketAddress.of(binding.bindPath()), backlog);
			}
			catch (IOException | RuntimeException ex) {
				throw bindFailure(options.path(), ex);
			}
			// A JDK channel does not need its bound name: the private directory goes at once.
			return binding.publish(false);
		}
	}

	/**
	 * Take a path for a stream socket that something else binds, such as a web server's
	 * connector: every check is made and the path locked, and a private ({@code 0700})
	 * directory is created next to it; the caller binds a listening socket at
	 * {@link StreamBinding#bindPath()} and then {@link StreamBinding#publish publishes}
	 * it: group and mode are applied there, where only this process can reach it, and it
	 * is hard-linked to the final name, which fails rather than replaces if anything
	 * appeared there. There is no fallback to a rename, which would replace.
	 * @param options path, mode, group, directories
	 * @return the binding; close it if the socket is not published
	 * @throws IOException if the path cannot be taken; a {@link SocketFileException} says why
	 */
	public static StreamBinding prepareStream(SocketFileOptions options) throws IOException {
		Path path = options.path();
		checkLength(path);
		GroupPrincipal group = lookupGroup(options.group());
		List<Path> created = SocketDirectory.prepare(options, true);
		SocketDirectory.applyMode(created, options, group);
		warnIfClosedToGroup(options, group, created);
		PathLock lock = PathLock.acquire(path);
		try {
			reclaimIfStale(path, false);
			Path privateDir = createPrivateDirectory(path);
			Path temporary = privateDir.resolve("s");
			try {
				checkLength(temporary, path);
			}
			catch (SocketFileException ex) {
				Files.deleteIfExists(privateDir);
				throw ex;
			}
			return new StreamBinding(options, group, lock, temporary);
		}
		catch (IOException | RuntimeException ex) {
			lock.close();
			throw bindFailure(path, ex);
		}
	}

	/**
	 * A stream socket path taken by {@link #prepareStream}: bind at {@link #bindPath()},
	 * then {@link #publish}. Closing it before publishing gives everything back (the
	 * private directory, the lock); after publishing it does nothing.
	 */
	public static final class StreamBinding implements Closeable {

		private final SocketFileOptions options;

		private final @Nullable GroupPrincipal group;

		private final PathLock lock;

		private final Path bindPath;

		private boolean published;

		private StreamBinding(SocketFileOptions options, @Nullable GroupPrincipal group, PathLock lock,
				Path bindPath) {
			this.options = options;
			this.group = group;
			this.lock = lock;
			this.bindPath = bindPath;
		}

		/** @return where to bind the listening socket: inside a directory only this process can reach */
		public Path bindPath() {
			return this.bindPath;
		}

		/**
		 * Give the socket bound at {@link #bindPath()} its group and mode, and publish it at
		 * the configured path.
		 * @param keepBindPath whether the socket's bound name must stay valid until it is
		 * closed (a server that removes its own socket file on stop); the private directory
		 * is then removed by {@link SocketFile#close()}
		 * @return the published socket file, holding the path's lock until closed
		 * @throws IOException if it cannot be secured or published; everything is given back
		 */
		public SocketFile publish(boolean keepBindPath) throws IOException {
			Path path = this.options.path();
			try {
				Object key = secure(this.bindPath, this.options.permissions(), this.group);
				SocketFile.publish(this.bindPath, path, key);
				this.published = true;
				if (!keepBindPath) {
					removePrivateDirectory(this.bindPath);
				}
				return new SocketFile(path, key, this.lock, keepBindPath ? this.bindPath : null);
			}
			catch (IOException | RuntimeException ex) {
				throw bindFailure(path, ex);
			}
			finally {
				if (!this.published) {
					close();
				}
			}
		}

		@Override
		public void close() {
			if (this.published) {
				return;
			}
			removePrivateDirectory(this.bindPath);
			this.lock.close();
		}

	}

	private static void removePrivateDirectory(Path bindPath) {
		try {
			Files.deleteIfExists(bindPath);
			Files.deleteIfExists(bindPath.getParent());
		}
		catch (IOException ex) {
			logger.warn("Could not remove the private bind directory " + bindPath.getParent() + ": " + ex);
		}
	}

	/**
	 * Bind a datagram channel at {@code options.path()}. Datagram sockets are bound in
	 * place: their bound name is the source address of every reply, and clients such as
	 * {@code socat UNIX-SENDTO} drop replies from any other address. So the directory
	 * must be one only its owner can write (no shared sticky directory), and it is kept
	 * private while the socket is bound and secured: a directory the starter creates stays
	 * {@code 0700} until then; an existing one that other users can enter is made
	 * {@code 0700} for that moment if it is dedicated to this user's sockets. Otherwise the
	 * socket is reachable with junixsocket's mode {@code 0666} for the moment between
	 * bind and chmod: that is logged, and whatever arrived then is discarded.
	 * @param channel an unbound junixsocket datagram channel
	 * @param options path, mode, group, directories
	 * @return the bound socket file, holding the path's lock until closed
	 * @throws IOException if the path cannot be taken; a {@link SocketFileException} says why
	 */
	public static SocketFile bindDatagram(DatagramChannel channel, SocketFileOptions options) throws IOException {
		Path path = options.path();
		checkLength(path);
		GroupPrincipal group = lookupGroup(options.group());
		List<Path> created = SocketDirectory.prepare(options, false);
		PathLock lock = PathLock.acquire(path);
		SocketFile bound = null;
		try {
			reclaimIfStale(path, true);
			Path dir = SocketDirectory.parent(path).toRealPath();
			Integer restoreMode = null;
			boolean exposed = false;
			if (created.isEmpty() && SocketDirectory.othersCanEnter(dir)) {
				if (SocketDirectory.isDedicated(dir)) {
					restoreMode = (Integer) Files.getAttribute(dir, "unix:mode", NOFOLLOW);
					Files.setAttribute(dir, "unix:mode", (restoreMode & ~077) | 0700, NOFOLLOW);
				}
				else {
					exposed = true;
				}
			}
			try {
				// junixsocket's bind deletes a dead socket or file that appeared meanwhile, and
				// chmods the new socket to 0666: both only reach files this user (or root) made,
				// since nobody else can write to the directory.
				channel.bind(AFUNIXSocketAddress.of(path));
				bound = new SocketFile(path, secure(path, options.permissions(), group), lock, null);
			}
			finally {
				if (restoreMode != null) {
					Files.setAttribute(dir, "unix:mode", restoreMode, NOFOLLOW);
				}
				SocketDirectory.applyMode(created, options, group);
			}
			warnIfClosedToGroup(options, group, created);
			if (exposed) {
				logger.warn("Datagram socket " + path + " was reachable with mode 0666 (junixsocket's) for the moment "
						+ "between binding it and applying mode " + FilePermissions.toOctal(options.permissions())
						+ ", because its directory " + dir + " can be entered by other users and holds other files. "
						+ "Datagrams that arrived then were discarded, but a client that connected its socket then "
						+ "can keep sending. Put datagram sockets in a directory of their own (the starter creates "
						+ "missing ones) to avoid this");
				discardQueued(channel);
			}
			return bound;
		}
		catch (IOException | RuntimeException ex) {
			if (bound != null) {
				bound.deleteIfOurs();
			}
			lock.close();
			throw bindFailure(path, ex);
		}
	}

	/**
	 * A socket given a group its members may connect to, in a directory they cannot enter,
	 * fails them with {@code EACCES} (nginx's 502): say so at startup, with the fix.
	 */
	private static void warnIfClosedToGroup(SocketFileOptions options, @Nullable GroupPrincipal group,
			List<Path> created) {
		if (group == null || !options.permissions().contains(PosixFilePermission.GROUP_WRITE)) {
			return;
		}
		String name = UnixIds.groupName(UnixIds.id(group));
		String closed;
		boolean createdHere;
		try {
			Path dir = SocketDirectory.closedToGroup(options.path(), UnixIds.id(group));
			if (dir == null) {
				return;
			}
			createdHere = false;
			for (Path path : created) {
				createdHere |= Files.isSameFile(path, dir);
			}
			closed = SocketDirectory.describe(dir);
		}
		catch (IOException ex) {
			logger.debug("Could not check whether group " + name + " can reach " + options.path(), ex);
			return;
		}
		String fix = createdHere ? "let directory-permissions give the group search permission (such as \"0750\")"
				: "give that directory group " + name + " with search permission (chgrp " + name + ", chmod g+x) "
						+ "or search permission for others (chmod o+x; under systemd, RuntimeDirectoryMode=0755), or "
						+ "let the starter create the socket's directory: it gives the directories it creates the "
						+ "socket's group";
		logger.warn("Socket " + options.path() + " has group " + name + " and mode "
				+ FilePermissions.toOctal(options.permissions()) + ", but members of " + name + " cannot enter "
				+ closed + " unless they are its owner or in its group: connecting fails for them with 'Permission "
				+ "denied'. To let them in, " + fix);
	}

	private static void discardQueued(DatagramChannel channel) throws IOException {
		boolean blocking = channel.isBlocking();
		channel.configureBlocking(false);
		ByteBuffer scratch = ByteBuffer.allocate(1);
		while (channel.receive(scratch.clear()) != null) {
			// dropped: sent before the socket had its configured mode
		}
		channel.configureBlocking(blocking);
	}

	private static IOException bindFailure(Path path, Exception ex) {
		if (ex instanceof SocketFileException socketFile) {
			return socketFile;
		}
		return new SocketFileException(SocketFileException.Reason.IO_ERROR, path,
				"Could not bind socket " + path + ": " + ex.getMessage(), ex);
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
	public static @Nullable GroupPrincipal lookupGroup(@Nullable String group) {
		if (group == null) {
			return null;
		}
		// Digits are a gid, anything else a name: see UnixIds.
		return UnixIds.groupPrincipal(group);
	}

	/**
	 * Make the path free for binding: nothing there is fine; a socket nobody listens on is
	 * deleted (if it is still the same file after the probe); a live socket or anything
	 * that is not a socket fails and is left untouched. Callers hold the path's lock.
	 * @param path the socket path
	 * @param datagram whether a datagram server wants the path, else a stream server: the
	 * probe uses a socket of that type (a stream connect to a datagram socket fails with
	 * "wrong type", and the other way round)
	 * @throws SocketFileException if the path is taken
	 */
	static void reclaimIfStale(Path path, boolean datagram) throws SocketFileException {
		Map<String, Object> attributes;
		try {
			attributes = Files.readAttributes(path, "unix:mode,ino,dev", NOFOLLOW);
		}
		catch (NoSuchFileException ex) {
			return;
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, path,
					"Could not inspect " + path + ": " + ex, ex);
		}
		if ((SocketDirectory.mode(attributes) & SocketDirectory.S_IFMT) != SocketDirectory.S_IFSOCK) {
			throw new SocketFileException(SocketFileException.Reason.NOT_A_SOCKET, path,
					path + " exists and is " + describe(path) + ", not a socket; it was left untouched");
		}
		try {
			if (datagram) {
				probeDatagram(path);
			}
			else {
				probeStream(path);
			}
		}
		catch (ConnectException ex) {
			deleteStale(path, List.of(attributes.get("dev"), attributes.get("ino")));
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
								+ (datagram ? "stream" : "datagram")
								+ " socket there; it was left untouched",
						ex);
			}
			throw probeFailed(path, ex);
		}
		catch (IOException ex) {
			throw probeFailed(path, ex);
		}
		throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
				"Socket " + path + " is in use: another process is listening on it; it was left untouched");
	}

	private static SocketFileException probeFailed(Path path, IOException ex) {
		return new SocketFileException(SocketFileException.Reason.IN_USE, path, "Socket " + path
				+ " exists and could not be probed (" + ex.getMessage() + "); it may be in use and was left untouched",
				ex);
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

	private static void deleteStale(Path path, Object probedKey) throws SocketFileException {
		try {
			Map<String, Object> now = Files.readAttributes(path, "unix:ino,dev", NOFOLLOW);
			if (!probedKey.equals(List.of(now.get("dev"), now.get("ino")))) {
				throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
						"Socket " + path + " was replaced while it was probed; it was left untouched");
			}
			Files.delete(path);
			logger.info("Removed stale socket file " + path + " (nothing was listening on it)");
		}
		catch (NoSuchFileException ex) {
			// gone already
		}
		catch (SocketFileException ex) {
			throw ex;
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, path,
					"Stale socket " + path + " could not be removed: " + ex, ex);
		}
	}

	private static String describe(Path path) {
		if (Files.isSymbolicLink(path)) {
			return "a symbolic link";
		}
		if (Files.isDirectory(path, NOFOLLOW)) {
			return "a directory";
		}
		if (Files.isRegularFile(path, NOFOLLOW)) {
			return "a regular file";
		}
		return "a special file";
	}

	private static Path createPrivateDirectory(Path socket) throws SocketFileException {
		Path parent = SocketDirectory.parent(socket);
		for (int attempt = 0;; attempt++) {
			// Short name: the temporary socket path must fit in sun_path too.
			Path dir = parent.resolve("." + Long.toString(random.nextLong() >>> 28, 36));
			try {
				Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
				return dir;
			}
			catch (FileAlreadyExistsException ex) {
				if (attempt > 10) {
					throw new SocketFileException(SocketFileException.Reason.IO_ERROR, socket,
							"Could not create a private directory in " + parent, ex);
				}
			}
			catch (IOException ex) {
				throw new SocketFileException(SocketFileException.Reason.IO_ERROR, socket,
						"Could not create a private directory in " + parent + ": " + ex, ex);
			}
		}
	}

	/**
	 * Give a socket just bound its group and mode. The group is set without following
	 * links ({@code lchown}); the mode by path, since {@code chmod} cannot refuse to
	 * follow a link on Linux: the file is checked to be our socket before and after, and
	 * only this user or root can change entries of its (trusted) directory.
	 * @param file the socket file: in its private directory (stream) or in place (datagram)
	 * @param permissions its mode
	 * @param group its group, or {@code null} to keep the process's
	 * @return the socket's file key
	 * @throws IOException if either cannot be applied or the file is not the socket
	 */
	static Object secure(Path file, Set<PosixFilePermission> permissions, @Nullable GroupPrincipal group)
			throws IOException {
		Object key = socketKey(file);
		if (group != null) {
			try {
				Files.getFileAttributeView(file, PosixFileAttributeView.class, NOFOLLOW).setGroup(group);
			}
			catch (IOException ex) {
				throw new SocketFileException(SocketFileException.Reason.IO_ERROR, file, "Could not give socket group '"
						+ group.getName() + "' (is this process a member of it?): " + ex.getMessage(), ex);
			}
		}
		Files.setPosixFilePermissions(file, permissions);
		if (!key.equals(socketKey(file))) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, file,
					file + " was replaced while its mode was applied");
		}
		return key;
	}

	private static Object socketKey(Path file) throws IOException {
		BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW);
		int mode = (Integer) Files.getAttribute(file, "unix:mode", NOFOLLOW);
		if ((mode & SocketDirectory.S_IFMT) != SocketDirectory.S_IFSOCK) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, file,
					file + " is not the socket this server just bound");
		}
		return attributes.fileKey();
	}

	private static Object fileKey(Path path) throws IOException {
		return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey();
	}

	private static void publish(Path temporary, Path path, Object key) throws IOException {
		try {
			// link(2) never replaces: if anything appeared at the path since the probe, keep it.
			Files.createLink(path, temporary);
		}
		catch (FileAlreadyExistsException ex) {
			throw new SocketFileException(SocketFileException.Reason.IN_USE, path,
					"Something appeared at " + path + " while this server was starting; it was left untouched", ex);
		}
		catch (UnsupportedOperationException | IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, path, "Could not publish socket " + path
					+ " with a hard link (" + ex + "); its filesystem must support hard links", ex);
		}
		if (!key.equals(fileKey(path))) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, path,
					path + " is not the socket just published");
		}
	}

}
