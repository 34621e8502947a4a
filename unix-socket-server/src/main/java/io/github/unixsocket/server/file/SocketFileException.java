package io.github.unixsocket.server.file;

import java.io.IOException;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * A server could not take its socket path. {@link #reason()} says why, so callers can
 * suggest a fix; the message names the path.
 */
public class SocketFileException extends IOException {

	private final Reason reason;

	private final Path path;

	public SocketFileException(Reason reason, Path path, String message) {
		this(reason, path, message, null);
	}

	public SocketFileException(Reason reason, Path path, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.reason = reason;
		this.path = path;
	}

	public Reason reason() {
		return this.reason;
	}

	public Path path() {
		return this.path;
	}

	/** Why a socket path could not be used. */
	public enum Reason {

		/** The path does not fit in {@code sockaddr_un.sun_path}. */
		PATH_TOO_LONG,

		/** The parent directory is missing and may not be created. */
		DIRECTORY_MISSING,

		/** A process is listening on the socket at the path. */
		IN_USE,

		/** Something that is not a socket is at the path. */
		NOT_A_SOCKET,

		/** A directory on the way is not safe: another user could replace the socket. */
		UNTRUSTED_DIRECTORY,

		/** The path could not be probed, bound, secured or cleaned up. */
		IO_ERROR

	}

}
