package io.github.unixsocket.event;

import io.github.unixsocket.server.RejectReason;
import io.github.unixsocket.server.UnixSocketServer;

/**
 * The server refused a connection: closed it before its handler ran, or cut it off while
 * it ran for going over a limit on unfinished messages ({@link RejectReason}). The source
 * is the server.
 */
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
