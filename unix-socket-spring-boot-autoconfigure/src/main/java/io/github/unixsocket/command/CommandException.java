package io.github.unixsocket.command;

/**
 * A request a command cannot serve: unknown command, malformed request, missing or
 * ill-typed argument, or a failure the command reports itself. The message is the
 * {@code error} of the reply; the connection stays usable.
 */
public class CommandException extends RuntimeException {

	public CommandException(String message) {
		super(message);
	}

	public CommandException(String message, Throwable cause) {
		super(message, cause);
	}

}
