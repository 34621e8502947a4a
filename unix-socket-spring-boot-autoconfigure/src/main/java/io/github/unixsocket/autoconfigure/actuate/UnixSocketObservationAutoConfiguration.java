package io.github.unixsocket.autoconfigure.actuate;

import java.util.function.Function;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServerCustomizer;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.observation.UnixSocketCommandObservationConvention;
import io.github.unixsocket.observation.UnixSocketHandlerObservationConvention;
import io.github.unixsocket.observation.UnixSocketObservations;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Observes every handler invocation ({@code unix.socket.handler}) when there is an
 * {@link ObservationRegistry}. A {@link UnixSocketHandlerObservationConvention} or
 * {@link UnixSocketCommandObservationConvention} bean replaces the default names and tags.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ ObservationRegistry.class, UnixSocketServers.class })
public final class UnixSocketObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UnixSocketObservations unixSocketObservations(ObservationRegistry registry,
			ObjectProvider<UnixSocketHandlerObservationConvention> handlerConvention,
			ObjectProvider<UnixSocketCommandObservationConvention> commandConvention) {
		return new UnixSocketObservations(registry, handlerConvention.getIfUnique(), commandConvention.getIfUnique());
	}

	@Bean
	UnixSocketServerCustomizer unixSocketObservationCustomizer(UnixSocketObservations observations,
			UnixSocketProperties properties) {
		Function<String, String> protocols = ServerProtocols.of(properties);
		return (name, builder) -> builder
			.decorateHandler((handler) -> observations.observe(name, protocols.apply(name), handler));
	}

}
