package io.github.unixsocket.autoconfigure.actuate;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

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
 * Observations of Unix socket handlers when there is an {@link ObservationRegistry}: each
 * connection of a raw server ({@code unix.socket.handler}, one per connection: cheap next to
 * the connection), and each message ({@code unix.socket.handler}) and command
 * ({@code unix.socket.command}) of the framed servers that ask for it with
 * {@code unix-socket.servers.<name>.observe-messages=true}. Per message it is opt-in, as
 * Spring Kafka's per-record observation is: an observation costs about as much as a fast
 * handler's whole round trip, and the cheap meters of {@code UnixSocketMetrics} count and
 * time every message anyway. A {@link UnixSocketHandlerObservationConvention} or
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

	/**
	 * Observes each command of a {@code protocol: commands} server with
	 * {@code observe-messages}, outermost of the interceptors.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	CommandInterceptor unixSocketCommandObservationInterceptor(UnixSocketObservations observations,
			UnixSocketProperties properties) {
		Set<String> observed = observedMessages(properties);
		return (invocation) -> observed.contains(invocation.connection().serverName())
				? observations.command(invocation.connection(), "commands", invocation.command())
					.observeChecked(invocation::proceed)
				: invocation.proceed();
	}

	@Bean
	UnixSocketServerCustomizer<StreamServer.Builder> unixSocketObservationCustomizer(UnixSocketObservations observations,
			UnixSocketProperties properties, ObjectProvider<UnixSocketServers> servers) {
		Function<String, @Nullable String> protocols = (name) -> ServerProtocols.of(properties, servers.getObject())
			.apply(name);
		Set<String> observed = observedMessages(properties);
		// Raw servers: one observation per connection; framed servers: one per message, if asked.
		return (name, builder) -> {
			builder.decorateHandler((handler) -> observations.observe(name, protocols.apply(name), handler));
			if (observed.contains(name)) {
				builder.decorateMessageHandler((handler) -> observations.observe(name, protocols.apply(name), handler));
			}
		};
	}

	private static Set<String> observedMessages(UnixSocketProperties properties) {
		return properties.getServers()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().isObserveMessages())
			.map(Map.Entry::getKey)
			.collect(Collectors.toUnmodifiableSet());
	}

}
