package io.github.unixsocket.command;

/**
 * The {@link UnixSocketCommand} methods of a bean cannot make a command server: no
 * command, a name used twice, a name that is not one word, parameter names missing.
 * Raised at startup; its {@link #getAction() action} says what to change.
 */
public class CommandDefinitionException extends IllegalStateException {

	private final String action;

	/**
	 * @param description what is wrong
	 * @param action what to change
	 */
	public CommandDefinitionException(String description, String action) {
		super(description);
		this.action = action;
	}

	/** @return what to change */
	public String getAction() {
		return this.action;
	}

}
