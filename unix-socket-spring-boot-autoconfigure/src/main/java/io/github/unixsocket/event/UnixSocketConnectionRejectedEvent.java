package io.github.unixsocket.event;

import io.github.unixsocket.server.RejectReason;
import io.github.unixsocket.server.UnixSocketServer;

/** A connection was closed before its handler ran. The source is the server. */
public class UnixSocketConnectionRejectedEvent extends UnixSocketEvent {

	private final RejectReason reason;

	public UnixSocketConnectionRejectedEvent(UnixSocketServer server, RejectReason reason) {
		super(server, server.name());
		this.reason = reason;
	}

	public UnixSocketServer getServer() {
		return (UnixSocketServer) getSource();
	}

	public RejectReason getReason() {
		return this.reason;
	}

}
