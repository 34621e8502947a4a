package io.github.unixsocket.event;

import io.github.unixsocket.server.UnixSocketServer;

/** A server bound its socket and accepts connections. The source is the server. */
public class UnixSocketServerStartedEvent extends UnixSocketEvent {

	public UnixSocketServerStartedEvent(UnixSocketServer server) {
		super(server, server.name());
	}

	public UnixSocketServer getServer() {
		return (UnixSocketServer) getSource();
	}

}
