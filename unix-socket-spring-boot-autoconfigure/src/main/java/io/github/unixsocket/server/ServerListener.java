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

	default void connectionRejected(UnixSocketServer server, RejectReason reason) {
	}

}
