package io.github.unixsocket.autoconfigure;

import io.github.unixsocket.server.AbstractUnixSocketServer;

/**
 * Customizes a server's builder after the properties have been applied, before the
 * server is built; the type argument says which servers: {@code StreamServer.Builder} for
 * stream servers, {@code DatagramServer.Builder} for datagram servers, or
 * {@code ServerBuilder<?>} for both (as Spring Boot's {@code WebServerFactoryCustomizer}
 * picks web servers). Beans of this type are applied in {@code @Order}.
 *
 * <pre>
 * &#64;Bean
 * UnixSocketServerCustomizer&lt;StreamServer.Builder&gt; limits() {
 *     return (name, builder) -&gt; builder.maxConnections(100);
 * }
 * </pre>
 *
 * @param <B> the builders it customizes
 */
@FunctionalInterface
public interface UnixSocketServerCustomizer<B extends AbstractUnixSocketServer.ServerBuilder<?>> {

	/**
	 * @param name the server's name, the key under {@code unix-socket.servers}
	 * @param builder the builder, with properties, handler and thread factory applied
	 */
	void customize(String name, B builder);

}
