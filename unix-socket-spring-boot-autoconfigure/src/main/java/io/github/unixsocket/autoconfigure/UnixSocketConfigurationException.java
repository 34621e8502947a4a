package io.github.unixsocket.autoconfigure;

/**
 * Thrown at startup when a Unix socket server cannot be configured or started. Carries
 * the description and the fix shown by {@link UnixSocketFailureAnalyzer}.
 */
public class UnixSocketConfigurationException extends RuntimeException {

	private final String action;

	public UnixSocketConfigurationException(String description, String action) {
		this(description, action, null);
	}

	public UnixSocketConfigurationException(String description, String action, Throwable cause) {
		super(description, cause);
		this.action = action;
	}

	/** @return what the user should do about it */
	public String getAction() {
		return this.action;
	}

	static UnixSocketConfigurationException invalidProperty(String server, String property, Object value,
			String problem, String fix) {
		String name = "unix-socket.servers." + server + "." + property;
		return new UnixSocketConfigurationException("Invalid value '" + value + "' for property '" + name + "': "
				+ problem, "Update '" + name + "': " + fix);
	}

}
