package io.github.unixsocket.server;

/**
 * Observes a server's lifecycle and connections. Called on the server's threads, never
 * per read or write; keep implementations quick. What a listener throws is logged and
 * ignored.
 */
public interface ServerListener {

	default void serverStarted(UnixSocketServer server) {
	}

	default void serverStopped(UnixSocketServer server, DrainResult result) {
	}

	default void connectionOpened(Connection connection) {
	}

	default void connectionClosed(Connection connection) {
	}

	/**
	 * The server refused a connection: before its handler ran, or, for
	 * {@link RejectReason#BUFFER_BUDGET} and {@link RejectReason#MESSAGE_TIMEOUT}, while it
	 * ran (between that connection's opened and closed events).
	 * @param server the server
	 * @param reason why
	 */
	default void connectionRejected(UnixSocketServer server, RejectReason reason) {
	}

}
