package io.github.unixsocket.autoconfigure.actuate;

import java.util.function.Function;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServerCustomizer;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.command.CommandInterceptor;
import io.github.unixsocket.observation.UnixSocketCommandObservationConvention;
import io.github.unixsocket.observation.UnixSocketHandlerObservationConvention;
import io.github.unixsocket.observation.UnixSocketObservations;
import io.github.unixsocket.server.StreamServer;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Observes every handler invocation ({@code unix.socket.handler}) and every command
 * ({@code unix.socket.command}) when there is an {@link ObservationRegistry}. A {@link UnixSocketHandlerObservationConvention} or
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

	/** Observes each command of a {@code protocol: commands} server, outermost of the interceptors. */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	CommandInterceptor unixSocketCommandObservationInterceptor(UnixSocketObservations observations) {
		return (invocation) -> observations.command(invocation.connection(), "commands", invocation.command())
			.observeChecked(invocation::proceed);
	}

	@Bean
	UnixSocketServerCustomizer<StreamServer.Builder> unixSocketObservationCustomizer(UnixSocketObservations observations,
			UnixSocketProperties properties, ObjectProvider<UnixSocketServers> servers) {
		Function<String, @Nullable String> protocols = (name) -> ServerProtocols.of(properties, servers.getObject())
			.apply(name);
		// Raw servers: one observation per connection; framed servers: one per message.
		return (name, builder) -> builder
			.decorateHandler((handler) -> observations.observe(name, protocols.apply(name), handler))
			.decorateMessageHandler((handler) -> observations.observe(name, protocols.apply(name), handler));
	}

}
