package io.github.unixsocket.server;

/**
 * Serves one whole stream connection on its own thread. The connection is closed when
 * the method returns or throws; what it throws is logged and counted, never fatal to the
 * server.
 */
@FunctionalInterface
public interface ConnectionHandler {

	/**
	 * Serve the connection.
	 * @param connection the accepted connection
	 * @throws Exception anything: the connection is closed and the error logged
	 */
	void handle(StreamConnection connection) throws Exception;

}
