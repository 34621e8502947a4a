package io.github.unixsocket.event;

import io.github.unixsocket.server.Connection;

/**
 * A connection passed the peer policy and set-up and is about to be handled. Published
 * on the connection's thread. The source is the connection.
 */
public class UnixSocketConnectionOpenedEvent extends UnixSocketEvent {

	public UnixSocketConnectionOpenedEvent(Connection connection) {
		super(connection, connection.serverName());
	}

	public Connection getConnection() {
		return (Connection) getSource();
	}

}
