package io.github.unixsocket.autoconfigure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.NativeSockets;
import io.github.unixsocket.systemd.SocketActivation;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Socket handover between instances ({@code unix-socket.handover.enabled}): the sockets
 * the servers start on are those systemd passed, then those taken over from the running
 * instance. See {@link UnixSocketHandover}.
 */
@AutoConfiguration(before = UnixSocketAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "unix-socket.handover.enabled")
@EnableConfigurationProperties(UnixSocketProperties.class)
public final class UnixSocketHandoverAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UnixSocketHandover unixSocketHandover(UnixSocketProperties properties, ObjectProvider<UnixSocketServers> servers,
			ConfigurableApplicationContext context) {
		UnixSocketProperties.Handover handover = properties.getHandover();
		return new UnixSocketHandover(controlPath(properties), handover.getTimeout(), servers::getIfAvailable, context);
	}

	@Bean
	@ConditionalOnMissingBean
	InheritedSockets unixSocketInheritedSockets(Environment environment, UnixSocketProperties properties,
			UnixSocketHandover unixSocketHandover) {
		List<InheritedSocket> sockets = new ArrayList<>(
				SocketActivation.fromEnvironment(environment::getProperty, ProcessHandle.current().pid()));
		sockets.addAll(unixSocketHandover.takeOver(properties));
		return new InheritedSockets(sockets);
	}

	/** {@code unix-socket.handover.path}, or the first server's path with {@code .handover} appended. */
	static Path controlPath(UnixSocketProperties properties) {
		String path = properties.getHandover().getPath();
		if (path != null && !path.isBlank()) {
			if (NativeSockets.isAbstract(path)) {
				throw new UnixSocketConfigurationException(
						"'unix-socket.handover.path' is an abstract address (" + path + "): the control socket "
								+ "must be a file only this user can reach",
						"Set 'unix-socket.handover.path' to a filesystem path, or remove it for the default");
			}
			return Path.of(path).toAbsolutePath().normalize();
		}
		return properties.getServers()
			.values()
			.stream()
			.map(UnixSocketProperties.Server::getPath)
			.filter((server) -> server != null && !server.isBlank() && !NativeSockets.isAbstract(server))
			.findFirst()
			.map((server) -> Path.of(server + ".handover").toAbsolutePath().normalize())
			.orElseThrow(() -> new UnixSocketConfigurationException(
					"'unix-socket.handover.enabled' is set, but no server has a filesystem path to put the handover "
							+ "socket next to",
					"Set 'unix-socket.handover.path' to the control socket's path, e.g. /run/<app>/handover.sock"));
	}

}
