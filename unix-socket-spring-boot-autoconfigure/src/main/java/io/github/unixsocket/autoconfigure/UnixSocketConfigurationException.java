package io.github.unixsocket.autoconfigure;

import java.net.SocketException;
import java.util.Collection;

import io.github.unixsocket.server.NativeSockets;
import io.github.unixsocket.server.UnixSocketServer;
import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileException;
import org.jspecify.annotations.Nullable;

/**
 * Thrown at startup when a Unix socket server cannot be configured or started. Carries
 * the description and the fix shown by {@link UnixSocketFailureAnalyzer}.
 */
public class UnixSocketConfigurationException extends RuntimeException {

	private final String action;

	public UnixSocketConfigurationException(String description, String action) {
		this(description, action, null);
	}

	public UnixSocketConfigurationException(String description, String action, @Nullable Throwable cause) {
		super(description, cause);
		this.action = action;
	}

	/** @return what the user should do about it */
	public String getAction() {
		return this.action;
	}

	static UnixSocketConfigurationException invalidProperty(String server, String property, @Nullable Object value,
			@Nullable String problem, String fix, @Nullable Throwable cause) {
		return invalidValue("unix-socket.servers." + server + "." + property, value, problem, fix, cause);
	}

	/**
	 * A property's value is refused.
	 * @param property the property's full name
	 * @param value its value
	 * @param problem why it is refused
	 * @param fix what to write instead
	 * @param cause the refusal, if any
	 * @return the exception to throw
	 */
	public static UnixSocketConfigurationException invalidValue(String property, @Nullable Object value,
			@Nullable String problem, String fix, @Nullable Throwable cause) {
		return new UnixSocketConfigurationException("Invalid value '" + value + "' for property '" + property + "': "
				+ problem, "Update '" + property + "': " + fix, cause);
	}

	/**
	 * A socket path could not be taken: the fix depends on why.
	 * @param description what failed
	 * @param property the prefix of the socket's properties, ending with a dot (e.g.
	 * {@code "server.unix-socket."})
	 * @param ex the failure; a {@link SocketFileException} says why
	 * @return the exception to throw
	 */
	public static UnixSocketConfigurationException socketFileFailure(String description, String property,
			Exception ex) {
		String action;
		if (ex instanceof SocketFileException socketFile) {
			action = switch (socketFile.reason()) {
				case PATH_TOO_LONG -> "Use a shorter '" + property + "path' (at most " + SocketFile.MAX_PATH_BYTES + " bytes)";
				case DIRECTORY_MISSING -> "Create the directory, or set '" + property
						+ "create-directories' to true and make sure this process may create it";
				case IN_USE -> "Stop the process that listens on this socket, or change '" + property + "path'";
				case NOT_A_SOCKET -> "Move or delete that file yourself if it is not needed, or change '" + property
						+ "path'";
				case UNTRUSTED_DIRECTORY -> "Use a directory of its own for the socket, owned by this user and "
						+ "writable by it only (e.g. under /run/<app> or $XDG_RUNTIME_DIR): change '" + property
						+ "path', or fix that directory's owner and mode";
				case IO_ERROR -> "Check that this process may write to the socket's directory and belongs to '"
						+ property + "group' if that is set";
			};
		}
		else {
			action = "Check '" + property + "*' and the permissions of the socket's directory";
		}
		return new UnixSocketConfigurationException(description, action, ex);
	}

	/**
	 * A configured server could not start: the fix depends on its address and why.
	 * @param server the server
	 * @param configured all the application's servers, to name one on the same address
	 * @param ex the failure
	 * @return the exception to throw
	 */
	static UnixSocketConfigurationException startFailure(UnixSocketServer server,
			Collection<UnixSocketServer> configured, Exception ex) {
		String property = "unix-socket.servers." + server.name() + ".";
		String description = "Unix socket server '" + server.name() + "' could not start: " + ex.getMessage();
		if (NativeSockets.isAbstract(server.address())) {
			return abstractStartFailure(server, configured, ex, property, description);
		}
		return socketFileFailure(description, property, ex);
	}

	/** An abstract address has no file and no directory: what fails there is mostly a taken name. */
	private static UnixSocketConfigurationException abstractStartFailure(UnixSocketServer server,
			Collection<UnixSocketServer> configured, Exception ex, String property, String description) {
		String address = server.address();
		String find = "'ss -xap | grep -F -- \"" + address + "\"' shows who holds it";
		for (UnixSocketServer other : configured) {
			if (other != server && other.type() == server.type() && other.address().equals(address)) {
				return new UnixSocketConfigurationException(
						"Unix socket servers '" + other.name() + "' and '" + server.name() + "' both use abstract address "
								+ address,
						"Give each server its own abstract name in 'unix-socket.servers.<name>.path'", ex);
			}
		}
		if (ex instanceof SocketException && NativeSockets.isAbstractNameInUse(address.substring(1), server.type())) {
			return new UnixSocketConfigurationException("Unix socket server '" + server.name()
					+ "' could not start: abstract address " + address + " is already in use by another process ("
					+ ex.getMessage() + ")",
					"Stop the process that holds " + address + " (" + find + "), or give '" + property
							+ "path' another abstract name. An abstract name is free again as soon as its socket "
							+ "closes: there is no file to delete",
					ex);
		}
		return new UnixSocketConfigurationException(description, "Check '" + property
				+ "path': an abstract address needs Linux and junixsocket's native library, and a name no other socket "
				+ "holds (" + find + ")", ex);
	}

}
