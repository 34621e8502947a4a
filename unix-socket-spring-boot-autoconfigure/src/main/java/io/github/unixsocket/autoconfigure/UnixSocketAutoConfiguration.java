package io.github.unixsocket.autoconfigure;

import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

import io.github.unixsocket.server.ConnectionCustomizer;
import io.github.unixsocket.server.EventLoopGroup;
import io.github.unixsocket.server.ServerListener;
import io.github.unixsocket.systemd.SocketActivation;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.task.VirtualThreadTaskExecutor;

/**
 * Auto-configuration of the Unix socket servers configured under
 * {@code unix-socket.servers}: raw servers get one thread per connection, framed ones
 * ({@code lines}, {@code length-prefixed}, {@code commands}) are served by event loops and
 * run their handlers on workers or on the loop; threads are virtual when
 * {@code spring.threads.virtual.enabled} is set on Java 21+.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
@EnableConfigurationProperties(UnixSocketProperties.class)
public final class UnixSocketAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UnixSocketServers unixSocketServers(UnixSocketProperties properties, Environment environment,
			EventLoopGroup unixSocketEventLoops, InheritedSockets unixSocketInheritedSockets,
			ListableBeanFactory beanFactory,
			ObjectProvider<UnixSocketServerCustomizer<?>> customizers,
			ObjectProvider<ConnectionCustomizer> connectionCustomizers, ObjectProvider<ServerListener> listeners) {
		UnknownKeys.SERVERS.check(environment, properties.getServers().keySet());
		return new UnixSocketServers(properties, connectionThreads(environment), unixSocketEventLoops,
				unixSocketInheritedSockets, beanFactory,
				customizers.orderedStream().toList(),
				connectionCustomizers.orderedStream().toList(), listeners.orderedStream().toList());
	}

	/** The loops of the lines, length-prefixed and commands servers; they run while a server uses them. */
	@Bean
	@ConditionalOnMissingBean
	EventLoopGroup unixSocketEventLoops(UnixSocketProperties properties) {
		UnixSocketProperties.EventLoop loops = properties.getEventLoop();
		try {
			return new EventLoopGroup("unix-socket-loop", loops.getThreads(), loops.getBlockedThreshold());
		}
		catch (IllegalArgumentException ex) {
			throw new UnixSocketConfigurationException("Invalid 'unix-socket.event-loop' settings: " + ex.getMessage(),
					"Set 'unix-socket.event-loop.threads' to 1 or more and 'unix-socket.event-loop.blocked-threshold' "
							+ "to a positive duration, or remove them for the defaults");
		}
	}

	/** Sockets passed by systemd (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES), read once. */
	@Bean
	@ConditionalOnMissingBean
	InheritedSockets unixSocketInheritedSockets(Environment environment) {
		return new InheritedSockets(
				SocketActivation.fromEnvironment(environment::getProperty, ProcessHandle.current().pid()));
	}

	@Bean
	@ConditionalOnMissingBean
	UnixSocketServersLifecycle unixSocketServersLifecycle(UnixSocketServers servers) {
		return new UnixSocketServersLifecycle(servers);
	}

	/** Virtual threads only when Boot says so: Threading.VIRTUAL is never active on Java 17. */
	private static Function<String, @Nullable ThreadFactory> connectionThreads(Environment environment) {
		if (Threading.VIRTUAL.isActive(environment)) {
			return (name) -> new VirtualThreadTaskExecutor("unix-socket-" + name + "-").getVirtualThreadFactory();
		}
		return (name) -> null;
	}

}
