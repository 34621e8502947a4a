package io.github.unixsocket.autoconfigure.actuate;

import java.util.Locale;
import java.util.function.Function;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;

/** The configured protocol of a server, as shown in Actuator and observation tags. */
final class ServerProtocols {

	private ServerProtocols() {
	}

	static Function<String, String> of(UnixSocketProperties properties) {
		return (name) -> {
			UnixSocketProperties.Server server = properties.getServers().get(name);
			return (server != null) ? server.getProtocol().name().toLowerCase(Locale.ROOT).replace('_', '-') : null;
		};
	}

}
