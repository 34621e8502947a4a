package io.github.unixsocket.autoconfigure.actuate;

import io.github.unixsocket.actuate.UnixSocketMetrics;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.server.EventLoopGroup;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters {@code unix.socket.*} of every server, when there is a
 * {@link MeterRegistry}.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, UnixSocketServers.class })
public final class UnixSocketMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UnixSocketMetrics unixSocketMetrics(UnixSocketServers servers, UnixSocketProperties properties,
			ObjectProvider<EventLoopGroup> eventLoops) {
		// Names from the properties: meters may be bound before the servers are built. A web
		// server's socket is registered later, when the web server is created: bound then.
		UnixSocketMetrics metrics = new UnixSocketMetrics(properties.getServers().keySet(), servers::get,
				eventLoops.getIfUnique());
		servers.onRegistration((server) -> metrics.bindServer(server.name()));
		return metrics;
	}

}
