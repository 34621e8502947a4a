package io.github.unixsocket.autoconfigure.web;

import java.nio.file.Path;

import io.github.unixsocket.autoconfigure.SocketFilePropertiesMapper;
import io.github.unixsocket.autoconfigure.UnixSocketConfigurationException;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.server.HttpUnixSocket;
import io.github.unixsocket.server.file.SocketFileOptions;
import io.github.unixsocket.server.peer.PeerPolicy;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Turns {@code server.unix-socket.*} (or {@code management.server.unix-socket.*}) into a
 * validated {@link HttpUnixSocket}, registered with the application's
 * {@link UnixSocketServers}. Every invalid value fails at startup naming its property.
 */
final class HttpUnixSockets {

	/** Registry name of the application web server's socket. */
	static final String SERVER_NAME = "http";

	/** Registry name of the management server's socket. */
	static final String MANAGEMENT_NAME = "management";

	private final String name;

	private final String prefix;

	private final HttpUnixSocketProperties properties;

	private final ObjectProvider<UnixSocketServers> registry;

	/**
	 * @param name the socket's name in the registry
	 * @param prefix its properties' prefix, ending with a dot
	 * @param properties its properties
	 * @param registry where it is listed, if the application has one
	 */
	HttpUnixSockets(String name, String prefix, HttpUnixSocketProperties properties,
			ObjectProvider<UnixSocketServers> registry) {
		this.name = name;
		this.prefix = prefix;
		this.properties = properties;
		this.registry = registry;
	}

	String prefix() {
		return this.prefix;
	}

	/**
	 * @param port the web server's port after every customizer ran
	 * @return whether a socket is configured for a server that serves HTTP at all; fails
	 * if the server would listen nowhere
	 */
	boolean isConfigured(int port) {
		boolean hasPath = this.properties.getPath() != null && !this.properties.getPath().isBlank();
		if (!this.properties.isTcpEnabled() && !hasPath) {
			throw new UnixSocketConfigurationException(
					"'" + this.prefix + "tcp-enabled' is false but '" + this.prefix
							+ "path' is not set: the web server would listen nowhere",
					"Set '" + this.prefix + "path' to the socket the web server should listen on, or remove '"
							+ this.prefix + "tcp-enabled'");
		}
		// port -1 keeps Spring Boot's meaning: this web server serves no HTTP at all.
		return hasPath && port >= 0;
	}

	/** @return whether the TCP port is kept */
	boolean isTcpEnabled() {
		return this.properties.isTcpEnabled();
	}

	/**
	 * Validate the properties and build the socket.
	 * @return the socket
	 * @throws UnixSocketConfigurationException naming the first invalid property
	 */
	HttpUnixSocket create() {
		SocketFileOptions options = SocketFilePropertiesMapper.fileOptions(this.prefix, this.properties);
		PeerPolicy policy = SocketFilePropertiesMapper.peerPolicy(this.prefix, this.properties);
		Integer maxConnections = this.properties.getMaxConnections();
		try {
			return new HttpUnixSocket(this.name, options, policy,
					(maxConnections != null) ? maxConnections : HttpUnixSocket.DEFAULT_MAX_CONNECTIONS);
		}
		catch (IllegalArgumentException ex) {
			throw UnixSocketConfigurationException.invalidValue(this.prefix + "max-connections", maxConnections,
					ex.getMessage(), "use 0 for no limit, or a positive number", null);
		}
	}

	/**
	 * Register the socket (only now: a web server factory may be created without a server
	 * ever starting, as in a mock web environment, and would show as not started) and
	 * take its path.
	 * @param socket the socket
	 * @return where the web server binds
	 * @throws IOException if the path cannot be taken
	 */
	Path prepare(HttpUnixSocket socket) throws java.io.IOException {
		UnixSocketServers servers = this.registry.getIfAvailable();
		if (servers != null) {
			servers.register(socket);
		}
		return socket.prepare();
	}

	/**
	 * @param server the web server, for the message
	 * @param ex why the socket could not be taken or published
	 * @return the startup failure, naming the property and the fix
	 */
	UnixSocketConfigurationException startFailure(String server, Exception ex) {
		return UnixSocketConfigurationException.socketFileFailure(
				server + " could not listen on its Unix socket '" + this.prefix + "path' (" + this.properties.getPath()
						+ "): " + ex.getMessage(),
				this.prefix, ex);
	}

}
