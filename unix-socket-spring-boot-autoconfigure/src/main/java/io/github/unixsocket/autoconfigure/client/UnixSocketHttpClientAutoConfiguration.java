package io.github.unixsocket.autoconfigure.client;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnknownKeys;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * HTTP clients for local daemons' sockets, {@code unix-socket.clients.<name>}: a
 * {@link RestClient} and, with WebFlux, a {@link WebClient} per client, on Reactor Netty
 * (which serves both). Without Reactor Netty's client or Spring's {@code RestClient} there
 * are none, and a configured client is a startup error saying which dependency to add. Runs
 * after Boot's client auto-configurations, whose builders the clients start from.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration",
		"org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration" })
@Import(UnixSocketHttpClientRegistrar.class)
public final class UnixSocketHttpClientAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { UnixSocketHttpClientRegistrar.REACTOR_NETTY_CLIENT, UnixSocketHttpClientRegistrar.REST_CLIENT })
	@EnableConfigurationProperties(UnixSocketProperties.class)
	static class RestClientConfiguration {

		@Bean(UnixSocketHttpClientRegistrar.HTTP_CLIENTS)
		UnixSocketHttpClients unixSocketHttpClients(UnixSocketProperties properties, Environment environment,
				ObjectProvider<RestClient.Builder> builders, ObjectProvider<ObservationRegistry> observations) {
			UnknownKeys.CLIENTS.check(environment, properties.getClients().keySet());
			return new UnixSocketHttpClients(properties.getClients(),
					() -> builders.getIfAvailable(RestClient::builder), observations.getIfAvailable());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { UnixSocketHttpClientRegistrar.REACTOR_NETTY_CLIENT, UnixSocketHttpClientRegistrar.WEB_CLIENT })
	static class WebClientConfiguration {

		@Bean(UnixSocketHttpClientRegistrar.WEB_CLIENTS)
		UnixSocketWebClients unixSocketWebClients(UnixSocketHttpClients clients,
				ObjectProvider<WebClient.Builder> builders, ObjectProvider<ObservationRegistry> observations) {
			return new UnixSocketWebClients(clients, () -> builders.getIfAvailable(WebClient::builder),
					observations.getIfAvailable());
		}

	}

}
