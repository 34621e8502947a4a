package io.github.unixsocket.autoconfigure;

import io.github.unixsocket.server.StreamServer;

/**
 * Customizes a stream server's builder after the properties have been applied, before
 * the server is built. Beans of this type are applied in {@code @Order}.
 */
@FunctionalInterface
public interface UnixSocketServerCustomizer {

	/**
	 * @param name the server's name, the key under {@code unix-socket.servers}
	 * @param builder the builder, with properties, handler and thread factory applied
	 */
	void customize(String name, StreamServer.Builder builder);

}
