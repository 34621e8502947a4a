package io.github.unixsocket.autoconfigure.client;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.micrometer.observation.ObservationRegistry;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * HTTP clients for local daemons' sockets, {@code unix-socket.clients.<name>}: a
 * {@link RestClient} and, with WebFlux, a {@link WebClient} per client, on Reactor Netty
 * (which serves both). Runs after Boot's client auto-configurations, whose builders the
 * clients start from.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration",
		"org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration" })
@ConditionalOnClass({ HttpClient.class, RestClient.class })
@EnableConfigurationProperties(UnixSocketProperties.class)
@Import(UnixSocketHttpClientRegistrar.class)
public final class UnixSocketHttpClientAutoConfiguration {

	@Bean(UnixSocketHttpClientRegistrar.HTTP_CLIENTS)
	UnixSocketHttpClients unixSocketHttpClients(UnixSocketProperties properties,
			ObjectProvider<RestClient.Builder> builders, ObjectProvider<ObservationRegistry> observations) {
		return new UnixSocketHttpClients(properties.getClients(), () -> builders.getIfAvailable(RestClient::builder),
				observations.getIfAvailable());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebClient.class)
	static class WebClientConfiguration {

		@Bean(UnixSocketHttpClientRegistrar.WEB_CLIENTS)
		UnixSocketWebClients unixSocketWebClients(UnixSocketHttpClients clients,
				ObjectProvider<WebClient.Builder> builders, ObjectProvider<ObservationRegistry> observations) {
			return new UnixSocketWebClients(clients, () -> builders.getIfAvailable(WebClient::builder),
					observations.getIfAvailable());
		}

	}

}
