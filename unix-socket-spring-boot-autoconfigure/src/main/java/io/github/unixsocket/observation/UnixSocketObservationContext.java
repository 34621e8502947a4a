package io.github.unixsocket.observation;

import io.github.unixsocket.server.Connection;
import io.micrometer.observation.Observation;

/**
 * What an observed Unix socket handler invocation or command is about.
 */
public class UnixSocketObservationContext extends Observation.Context {

	private final String serverName;

	private final String protocol;

	private final Connection connection;

	private final String command;

	/**
	 * @param serverName the server, the key under {@code unix-socket.servers}
	 * @param protocol the server's protocol ({@code raw}, {@code commands}, ...)
	 * @param connection the connection being served, {@code null} if there is none
	 * @param command the command's name, {@code null} for a whole handler invocation
	 */
	public UnixSocketObservationContext(String serverName, String protocol, Connection connection, String command) {
		this.serverName = serverName;
		this.protocol = protocol;
		this.connection = connection;
		this.command = command;
	}

	public String getServerName() {
		return this.serverName;
	}

	public String getProtocol() {
		return this.protocol;
	}

	public Connection getConnection() {
		return this.connection;
	}

	public String getCommand() {
		return this.command;
	}

}
