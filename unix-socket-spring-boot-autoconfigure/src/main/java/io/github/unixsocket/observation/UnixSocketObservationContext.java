package io.github.unixsocket.observation;

import io.github.unixsocket.server.Connection;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an observed Unix socket handler invocation or command is about.
 */
public class UnixSocketObservationContext extends Observation.Context {

	private final String serverName;

	private final @Nullable String protocol;

	private final @Nullable Connection connection;

	private final @Nullable String command;

	/**
	 * @param serverName the server, the key under {@code unix-socket.servers}
	 * @param protocol the server's protocol ({@code raw}, {@code commands}, ...), {@code null}
	 * if unknown
	 * @param connection the connection being served, {@code null} if there is none
	 * @param command the command's name, {@code null} for a whole handler invocation
	 */
	public UnixSocketObservationContext(String serverName, @Nullable String protocol, @Nullable Connection connection,
			@Nullable String command) {
		this.serverName = serverName;
		this.protocol = protocol;
		this.connection = connection;
		this.command = command;
	}

	public String getServerName() {
		return this.serverName;
	}

	public @Nullable String getProtocol() {
		return this.protocol;
	}

	public @Nullable Connection getConnection() {
		return this.connection;
	}

	public @Nullable String getCommand() {
		return this.command;
	}

}
