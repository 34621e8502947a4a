package io.github.unixsocket.autoconfigure.actuate;

import io.github.unixsocket.actuate.UnixSocketsEndpoint;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServers;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code unixsockets} Actuator endpoint, when it is exposed and its access is not
 * {@code none}.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class)
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnBean(UnixSocketServers.class)
@ConditionalOnAvailableEndpoint(UnixSocketsEndpoint.class)
public final class UnixSocketsEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UnixSocketsEndpoint unixSocketsEndpoint(UnixSocketServers servers, UnixSocketProperties properties) {
		return new UnixSocketsEndpoint(servers::all, ServerProtocols.of(properties, servers));
	}

}
