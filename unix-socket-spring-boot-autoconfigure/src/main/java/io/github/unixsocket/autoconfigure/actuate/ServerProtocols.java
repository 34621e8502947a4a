package io.github.unixsocket.autoconfigure.actuate;

import java.util.Locale;
import java.util.function.Function;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.server.HttpUnixSocket;
import org.jspecify.annotations.Nullable;

/** The configured protocol of a server, as shown in Actuator and observation tags. */
final class ServerProtocols {

	private ServerProtocols() {
	}

	static Function<String, @Nullable String> of(UnixSocketProperties properties, UnixSocketServers servers) {
		return (name) -> {
			UnixSocketProperties.Server server = properties.getServers().get(name);
			if (server != null) {
				return server.getProtocol().name().toLowerCase(Locale.ROOT).replace('_', '-');
			}
			return (servers.get(name) instanceof HttpUnixSocket) ? HttpUnixSocket.PROTOCOL : null;
		};
	}

}
