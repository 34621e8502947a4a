package io.github.unixsocket.server.file;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * An exclusive lock on a socket path, held while a server owns it: a {@code fcntl} lock on
 * {@code .<socket name>.lock} beside the socket, so two instances starting on one path at
 * the same moment cannot both decide the other's socket is stale and delete it. A process
 * that dies releases its lock with it (the file stays and is reused).
 * <p>
 * The file is removed on release. So that a process which opened it just before cannot
 * then lock the removed file and believe it holds the path, the holder writes a token of
 * its own into the file it locked and reads it back through the path: only a lock on the
 * file the path names counts.
 * <p>
 * Internal: public only for the tests of the server package (its lock file's name); not API,
 * it may change in any release.
 */
public final class PathLock implements Closeable {

	private static final String PREFIX = ".";

	private static final String SUFFIX = ".lock";

	private static final int ATTEMPTS = 5;

	private static final SecureRandom random = new SecureRandom();

	private final Path file;

	private final FileChannel channel;

	private final FileLock lock;

	private PathLock(Path file, FileChannel channel, FileLock lock) {
		this.file = file;
		this.channel = channel;
		this.lock = lock;
	}

	/**
	 * Lock a socket path.
	 * @param socket the socket path
	 * @return the lock, to be closed when the server stops
	 * @throws SocketFileException {@code IN_USE} if another process or server holds it
	 */
	static PathLock acquire(Path socket) throws SocketFileException {
		Path file = lockFile(socket);
		for (int attempt = 1;; attempt++) {
			PathLock lock = tryAcquire(socket, file);
			if (lock != null) {
				return lock;
			}
			if (attempt == ATTEMPTS) {
				throw new SocketFileException(SocketFileException.Reason.IN_USE, socket,
						"Could not lock " + file + " for socket " + socket + ": it kept being replaced");
			}
		}
	}

	/** @return the lock, or {@code null} if the file locked was no longer the one at the path */
	private static @Nullable PathLock tryAcquire(Path socket, Path file) throws SocketFileException {
		FileChannel channel;
		try {
			// NOFOLLOW: a symbolic link planted at the lock's name is refused, never followed.
			channel = FileChannel.open(file,
					Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
							LinkOption.NOFOLLOW_LINKS),
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		}
		catch (IOException ex) {
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, socket,
					"Could not open lock file " + file + " for socket " + socket + ": " + ex, ex);
		}
		try {
			FileLock lock = channel.tryLock();
			if (lock == null) {
				String holder = holder(channel);
				throw new SocketFileException(SocketFileException.Reason.IN_USE, socket, "Socket " + socket
						+ " is in use: " + ((holder != null) ? "process " + holder : "another process") + " holds "
						+ file);
			}
			byte[] token = (ProcessHandle.current().pid() + " " + Long.toHexString(random.nextLong()) + "\n")
				.getBytes(StandardCharsets.US_ASCII);
			channel.truncate(0);
			channel.write(ByteBuffer.wrap(token), 0);
			if (Arrays.equals(token, readThroughPath(file, token.length))) {
				return new PathLock(file, channel, lock);
			}
			closeQuietly(channel);
			return null;
		}
		catch (OverlappingFileLockException ex) {
			closeQuietly(channel);
			throw new SocketFileException(SocketFileException.Reason.IN_USE, socket,
					"Socket " + socket + " is in use by another server of this application", ex);
		}
		catch (SocketFileException ex) {
			closeQuietly(channel);
			throw ex;
		}
		catch (IOException ex) {
			closeQuietly(channel);
			throw new SocketFileException(SocketFileException.Reason.IO_ERROR, socket,
					"Could not lock " + file + " for socket " + socket + ": " + ex, ex);
		}
	}

	private static byte[] readThroughPath(Path file, int length) throws IOException {
		try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.READ,
				LinkOption.NOFOLLOW_LINKS)) {
			ByteBuffer buffer = ByteBuffer.allocate(length + 1);
			while (buffer.hasRemaining() && channel.read(buffer) > 0) {
				// until the token and one more byte, or the end
			}
			return Arrays.copyOf(buffer.array(), buffer.position());
		}
		catch (NoSuchFileException ex) {
			return new byte[0];
		}
	}

	/** @return the pid written by the lock's holder, if it wrote one */
	private static @Nullable String holder(FileChannel channel) {
		try {
			ByteBuffer buffer = ByteBuffer.allocate(64);
			channel.read(buffer, 0);
			String content = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
			int space = content.indexOf(' ');
			return (space > 0 && content.substring(0, space).chars().allMatch(Character::isDigit))
					? content.substring(0, space) : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	public static Path lockFile(Path socket) {
		return socket.resolveSibling(PREFIX + socket.getFileName() + SUFFIX);
	}

	static boolean isLockFile(Path file) {
		String name = file.getFileName().toString();
		return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
	}

	/** Remove the lock file and release the lock. */
	@Override
	public void close() {
		if (!this.channel.isOpen()) {
			return;
		}
		try {
			// Still locked while it is removed: whoever opens it from now on creates a new file.
			Files.deleteIfExists(this.file);
		}
		catch (IOException ex) {
			// left behind: the next holder reuses it
		}
		try {
			this.lock.release();
		}
		catch (IOException ex) {
			// closing the channel releases it too
		}
		closeQuietly(this.channel);
	}

	/** Not {@code ServerSupport.closeQuietly}: this package does not depend on the servers'. */
	private static void closeQuietly(@Nullable Closeable closeable) {
		if (closeable != null) {
			try {
				closeable.close();
			}
			catch (IOException ex) {
				// nothing to do: it is going away
			}
		}
	}

}
