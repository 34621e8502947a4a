package io.github.unixsocket.autoconfigure;

import io.github.unixsocket.server.DatagramServer;

/**
 * Customizes a datagram server's builder after the properties have been applied, before
 * the server is built. Beans of this type are applied in {@code @Order}.
 */
@FunctionalInterface
public interface UnixSocketDatagramServerCustomizer {

	/**
	 * @param name the server's name, the key under {@code unix-socket.servers}
	 * @param builder the builder, with properties and handler applied
	 */
	void customize(String name, DatagramServer.Builder builder);

}
