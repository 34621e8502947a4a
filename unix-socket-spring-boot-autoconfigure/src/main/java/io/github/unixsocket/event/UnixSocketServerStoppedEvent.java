package io.github.unixsocket.event;

import io.github.unixsocket.server.DrainResult;
import io.github.unixsocket.server.UnixSocketServer;

/** A server stopped: its file is removed and its drain is over. The source is the server. */
public class UnixSocketServerStoppedEvent extends UnixSocketEvent {

	private final DrainResult drainResult;

	public UnixSocketServerStoppedEvent(UnixSocketServer server, DrainResult drainResult) {
		super(server, server.name());
		this.drainResult = drainResult;
	}

	public UnixSocketServer getServer() {
		return (UnixSocketServer) getSource();
	}

	/** @return how many connections finished during the drain and how many were closed */
	public DrainResult getDrainResult() {
		return this.drainResult;
	}

}
