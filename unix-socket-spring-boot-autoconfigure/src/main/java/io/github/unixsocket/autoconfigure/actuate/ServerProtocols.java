package io.github.unixsocket.autoconfigure.actuate;

import java.util.function.Function;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.server.EnumNames;
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
				return EnumNames.of(server.getProtocol());
			}
			return (servers.get(name) instanceof HttpUnixSocket) ? HttpUnixSocket.PROTOCOL : null;
		};
	}

}
