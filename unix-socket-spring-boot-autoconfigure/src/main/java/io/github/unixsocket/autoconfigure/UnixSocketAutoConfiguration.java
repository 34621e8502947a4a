package io.github.unixsocket.autoconfigure;

import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

import io.github.unixsocket.server.ConnectionCustomizer;
import io.github.unixsocket.server.ServerListener;

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
 * {@code unix-socket.servers}: one thread per connection, virtual when
 * {@code spring.threads.virtual.enabled} is set on Java 21+.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
@EnableConfigurationProperties(UnixSocketProperties.class)
public final class UnixSocketAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UnixSocketServers unixSocketServers(UnixSocketProperties properties, Environment environment,
			ListableBeanFactory beanFactory, ObjectProvider<UnixSocketServerCustomizer> customizers,
			ObjectProvider<UnixSocketDatagramServerCustomizer> datagramCustomizers,
			ObjectProvider<ConnectionCustomizer> connectionCustomizers, ObjectProvider<ServerListener> listeners) {
		return new UnixSocketServers(properties, connectionThreads(environment), beanFactory,
				customizers.orderedStream().toList(), datagramCustomizers.orderedStream().toList(),
				connectionCustomizers.orderedStream().toList(), listeners.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	UnixSocketServersLifecycle unixSocketServersLifecycle(UnixSocketServers servers) {
		return new UnixSocketServersLifecycle(servers);
	}

	/** Virtual threads only when Boot says so: Threading.VIRTUAL is never active on Java 17. */
	private static Function<String, ThreadFactory> connectionThreads(Environment environment) {
		if (Threading.VIRTUAL.isActive(environment)) {
			return (name) -> new VirtualThreadTaskExecutor("unix-socket-" + name + "-").getVirtualThreadFactory();
		}
		return (name) -> null;
	}

}
