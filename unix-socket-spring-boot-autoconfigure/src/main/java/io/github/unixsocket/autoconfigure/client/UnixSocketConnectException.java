package io.github.unixsocket.autoconfigure.client;

import java.net.ConnectException;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * A named client could not talk on its socket. The message names the client, the path,
 * what went wrong and the fix. Spring wraps it: a {@code RestClient} throws a
 * {@code ResourceAccessException}, a {@code WebClient} signals a
 * {@code WebClientRequestException}, each with this as the cause.
 */
public class UnixSocketConnectException extends ConnectException {

	/** Why a connection could not be used. */
	public enum Reason {

		/** No file at the path. */
		MISSING,

		/** A file that is not a socket. */
		NOT_A_SOCKET,

		/** This process may not open the socket (its mode, or a directory above it). */
		PERMISSION_DENIED,

		/** The socket file exists, but nothing listens on it. */
		REFUSED,

		/** The socket file or the process listening on it is not the expected owner's. */
		OWNER_MISMATCH,

		/** Any other failure to connect; the cause says which. */
		OTHER

	}

	private final String client;

	private final Path path;

	private final Reason reason;

	UnixSocketConnectException(String client, Path path, Reason reason, String message, @Nullable Throwable cause) {
		super(message);
		this.client = client;
		this.path = path;
		this.reason = reason;
		if (cause != null) {
			initCause(cause);
		}
	}

	/** @return the client's name, as in {@code unix-socket.clients.<name>} */
	public String client() {
		return this.client;
	}

	/** @return the socket file */
	public Path path() {
		return this.path;
	}

	/** @return why */
	public Reason reason() {
		return this.reason;
	}

}
