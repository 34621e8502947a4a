package io.github.unixsocket.autoconfigure.client;

import java.util.function.Supplier;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;
import org.springframework.web.reactive.function.client.DefaultClientRequestObservationConvention;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * {@link WebClient}s for the clients of {@code unix-socket.clients.<name>}, when WebFlux
 * is on the class path: each is also a bean, injected with {@code @Qualifier("<name>")}.
 * They share each client's socket, connection pool and owner check with its
 * {@code RestClient} ({@link UnixSocketHttpClients}). Builders start from Spring Boot's
 * {@code WebClient.Builder} when the application has one ({@code spring-boot-webclient}),
 * else from {@link WebClient#builder()}, and are observed as {@code http.client.requests}
 * with {@code client.name} set to the client's name.
 */
public final class UnixSocketWebClients {

	private final UnixSocketHttpClients clients;

	private final Supplier<WebClient.Builder> builders;

	private final @Nullable ObservationRegistry observations;

	/**
	 * @param clients the clients
	 * @param builders where a builder starts
	 * @param observations the registry requests are observed in, or {@code null}
	 */
	public UnixSocketWebClients(UnixSocketHttpClients clients, Supplier<WebClient.Builder> builders,
			@Nullable ObservationRegistry observations) {
		this.clients = clients;
		this.builders = builders;
		this.observations = observations;
	}

	/**
	 * @param name a client's name
	 * @return a new builder with the client's connector and base URL
	 * @throws IllegalArgumentException if there is no such client
	 */
	public WebClient.Builder webClientBuilder(String name) {
		WebClient.Builder builder = this.builders.get()
			.clientConnector(connector(name))
			.baseUrl(this.clients.baseUrl(name))
			.observationConvention(new NamedWebClientObservations(name));
		return (this.observations != null) ? builder.observationRegistry(this.observations) : builder;
	}

	/**
	 * @param name a client's name
	 * @return a connector on the client's socket, sharing its connections
	 * @throws IllegalArgumentException if there is no such client
	 */
	public ClientHttpConnector connector(String name) {
		ReactorClientHttpConnector reactor = new ReactorClientHttpConnector(this.clients.httpClient(name));
		return (method, uri, callback) -> reactor.connect(method, ClientSocket.onSocket(uri), (request) -> {
			request.getHeaders().set(HttpHeaders.HOST, ClientSocket.host(uri));
			return callback.apply(request);
		});
	}

	/**
	 * @param name a client's name
	 * @return a client built by {@link #webClientBuilder(String)}
	 * @throws IllegalArgumentException if there is no such client
	 */
	public WebClient webClient(String name) {
		return webClientBuilder(name).build();
	}

	/** Boot's {@code http.client.requests} tags, with the client's name as {@code client.name}. */
	static final class NamedWebClientObservations extends DefaultClientRequestObservationConvention {

		private final KeyValue clientName;

		NamedWebClientObservations(String name) {
			this.clientName = KeyValue.of("client.name", name);
		}

		@Override
		protected KeyValue clientName(ClientRequestObservationContext context) {
			return this.clientName;
		}

	}

}
