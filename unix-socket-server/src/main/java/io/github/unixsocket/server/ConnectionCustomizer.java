package io.github.unixsocket.server;

/**
 * Adjusts each accepted connection (socket options, attributes) on its own thread before
 * the handler runs. Throwing closes the connection.
 */
@FunctionalInterface
public interface ConnectionCustomizer {

	/**
	 * Customize the connection.
	 * @param connection the accepted connection
	 * @throws Exception to refuse the connection
	 */
	void customize(Connection connection) throws Exception;

}
