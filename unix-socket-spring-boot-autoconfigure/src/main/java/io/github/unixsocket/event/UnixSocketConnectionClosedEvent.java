package io.github.unixsocket.event;

import io.github.unixsocket.server.Connection;

/**
 * A handled connection was closed; its byte counts are final. Published on the
 * connection's thread. The source is the connection.
 */
public class UnixSocketConnectionClosedEvent extends UnixSocketEvent {

	public UnixSocketConnectionClosedEvent(Connection connection) {
		super(connection, connection.serverName());
	}

	public Connection getConnection() {
		return (Connection) getSource();
	}

}
