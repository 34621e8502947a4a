package io.github.unixsocket.autoconfigure.client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import io.github.unixsocket.autoconfigure.UnixSocketConfigurationException;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.peer.ExpectedOwner;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ReactorClientHttpRequestFactory;
import org.springframework.http.client.observation.ClientRequestObservationContext;
import org.springframework.http.client.observation.DefaultClientRequestObservationConvention;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriComponents;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The HTTP clients of {@code unix-socket.clients.<name>}, each bound to its socket. Every
 * client is also a {@link RestClient} bean, injected with {@code @Qualifier("<name>")}; here
 * are its builder, for a client of your own, and its request factory and Reactor Netty
 * {@link HttpClient}, for anything else.
 * <p>
 * Builders start from Spring Boot's {@code RestClient.Builder} when the application has one
 * ({@code spring-boot-restclient}: its message converters and customizers), else from
 * {@link RestClient#builder()}; either way with the application's
 * {@link ObservationRegistry}, so requests are observed as {@code http.client.requests}
 * with {@code client.name} set to the client's name.
 */
public final class UnixSocketHttpClients implements DisposableBean {

	private static final Log logger = LogFactory.getLog(UnixSocketHttpClients.class);

	private final Map<String, ClientSocket> sockets = new LinkedHashMap<>();

	private final @Nullable LoopResources loops;

	private final Supplier<RestClient.Builder> builders;

	private final @Nullable ObservationRegistry observations;

	/**
	 * @param clients the clients' properties by name
	 * @param builders where a builder starts
	 * @param observations the registry requests are observed in, or {@code null}
	 * @throws UnixSocketConfigurationException naming a property that is not valid
	 */
	public UnixSocketHttpClients(Map<String, UnixSocketProperties.Client> clients,
			Supplier<RestClient.Builder> builders, @Nullable ObservationRegistry observations) {
		this.builders = builders;
		this.observations = observations;
		// Threads of their own (one per CPU, as Reactor Netty's default), stopped with the context.
		this.loops = clients.isEmpty() ? null : LoopResources.create("unix-socket-client", LoopResources.DEFAULT_IO_WORKER_COUNT, true);
		try {
			clients.forEach((name, client) -> {
				ClientSocket socket = socket(name, client, this.loops);
				this.sockets.put(name, socket);
				logger.info("Unix socket client '" + name + "' on " + socket.path() + " (" + socket.owner()
						+ " expected)");
			});
		}
		catch (RuntimeException ex) {
			destroy();
			throw ex;
		}
	}

	/** @return the configured clients' names */
	public Set<String> names() {
		return this.sockets.keySet();
	}

	/**
	 * @param name a client's name
	 * @return a new builder with the client's request factory and base URL, observed as
	 * {@code http.client.requests} tagged with the client's name
	 * @throws IllegalArgumentException if there is no such client
	 */
	public RestClient.Builder restClientBuilder(String name) {
		RestClient.Builder builder = this.builders.get()
			.requestFactory(requestFactory(name))
			.baseUrl(baseUrl(name))
			.observationConvention(new NamedRestClientObservations(name));
		return (this.observations != null) ? builder.observationRegistry(this.observations) : builder;
	}

	/**
	 * @param name a client's name
	 * @return a client built by {@link #restClientBuilder(String)}
	 * @throws IllegalArgumentException if there is no such client
	 */
	public RestClient restClient(String name) {
		return restClientBuilder(name).build();
	}

	/**
	 * @param name a client's name
	 * @return a request factory on the client's socket, sharing its connections. Its
	 * requests' {@code getURI()} is their path and query: what Reactor Netty was given.
	 * @throws IllegalArgumentException if there is no such client
	 */
	public ClientHttpRequestFactory requestFactory(String name) {
		ReactorClientHttpRequestFactory reactor = new ReactorClientHttpRequestFactory(httpClient(name));
		return (uri, method) -> {
			ClientHttpRequest request = reactor.createRequest(ClientSocket.onSocket(uri), method);
			request.getHeaders().set(HttpHeaders.HOST, ClientSocket.host(uri));
			return request;
		};
	}

	/**
	 * @param name a client's name
	 * @return the Reactor Netty client on the client's socket: its connection pool, timeouts
	 * and owner check; no base URL
	 * @throws IllegalArgumentException if there is no such client
	 */
	public HttpClient httpClient(String name) {
		return socket(name).httpClient();
	}

	/**
	 * @param name a client's name
	 * @return the base URL of its requests
	 * @throws IllegalArgumentException if there is no such client
	 */
	public String baseUrl(String name) {
		return socket(name).baseUrl();
	}

	/**
	 * @param name a client's name
	 * @return its socket file
	 * @throws IllegalArgumentException if there is no such client
	 */
	public Path path(String name) {
		return socket(name).path();
	}

	ClientSocket socket(String name) {
		ClientSocket socket = this.sockets.get(name);
		if (socket == null) {
			throw new IllegalArgumentException(
					"No Unix socket client '" + name + "': configured are " + this.sockets.keySet() + " (unix-socket.clients)");
		}
		return socket;
	}

	@Override
	public void destroy() {
		this.sockets.values().forEach(ClientSocket::dispose);
		if (this.loops != null) {
			this.loops.dispose();
		}
	}

	private static ClientSocket socket(String name, UnixSocketProperties.Client client, @Nullable LoopResources loops) {
		String prefix = "unix-socket.clients." + name + ".";
		String path = client.getPath();
		if (path == null || path.isBlank()) {
			throw new UnixSocketConfigurationException("Unix socket client '" + name + "' has no '" + prefix + "path'",
					"Set '" + prefix + "path' to the socket file of the server it calls, e.g. /var/run/docker.sock");
		}
		if (path.startsWith("@")) {
			throw new UnixSocketConfigurationException(
					"Unix socket client '" + name + "': '" + prefix + "path' is an abstract address (" + path
							+ "), which the HTTP clients cannot connect to: they run on the JDK's Unix socket channels, which know socket files only",
					"Serve the daemon on a socket file and set '" + prefix + "path' to it");
		}
		int length = path.getBytes(StandardCharsets.UTF_8).length;
		if (length > SocketFile.MAX_PATH_BYTES) {
			throw new UnixSocketConfigurationException(
					"Unix socket client '" + name + "': '" + prefix + "path' is " + length + " bytes long; the limit is "
							+ SocketFile.MAX_PATH_BYTES + " bytes",
					"Use a shorter path, e.g. a symbolic link to the socket in a short directory");
		}
		if (client.getMaxConnections() < 1) {
			throw new UnixSocketConfigurationException(
					"Unix socket client '" + name + "': '" + prefix + "max-connections' is " + client.getMaxConnections(),
					"Set '" + prefix + "max-connections' to 1 or more");
		}
		Duration connectTimeout = client.getConnectTimeout();
		if (connectTimeout.isNegative() || connectTimeout.isZero()) {
			throw new UnixSocketConfigurationException(
					"Unix socket client '" + name + "': '" + prefix + "connect-timeout' is " + connectTimeout,
					"Set '" + prefix + "connect-timeout' to a positive duration, e.g. 5s");
		}
		Duration readTimeout = client.getReadTimeout();
		if (readTimeout != null && (readTimeout.isNegative() || readTimeout.isZero())) {
			throw new UnixSocketConfigurationException(
					"Unix socket client '" + name + "': '" + prefix + "read-timeout' is " + readTimeout,
					"Set '" + prefix + "read-timeout' to a positive duration, or remove it for no limit");
		}
		ExpectedOwner owner;
		try {
			owner = ExpectedOwner.of(client.getPeer().getExpectedUser(), client.getPeer().getExpectedGroup());
		}
		catch (IllegalArgumentException ex) {
			throw new UnixSocketConfigurationException("Unix socket client '" + name + "': '" + prefix + "peer': "
					+ ex.getMessage(), "Correct '" + prefix + "peer.expected-user' or '" + prefix + "peer.expected-group'",
					ex);
		}
		return new ClientSocket(name, Path.of(path), baseUrl(name, client.getBaseUrl()), owner, client.getMaxConnections(), connectTimeout, readTimeout,
				loops);
	}

	private static String baseUrl(String name, String baseUrl) {
		String property = "unix-socket.clients." + name + ".base-url";
		UriComponents uri;
		try {
			uri = UriComponentsBuilder.fromUriString(baseUrl).build();
		}
		catch (IllegalArgumentException ex) {
			throw new UnixSocketConfigurationException("Unix socket client '" + name + "': '" + property + "' ("
					+ baseUrl + ") is not a URL: " + ex.getMessage(), "Set '" + property + "' to e.g. http://localhost",
					ex);
		}
		if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getHost().isEmpty()) {
			throw new UnixSocketConfigurationException("Unix socket client '" + name + "': '" + property + "' ("
					+ baseUrl + ") is not an http:// URL with a host",
					"Set '" + property + "' to an http URL, e.g. http://localhost or http://localhost/v1.47; the host only goes into the Host header");
		}
		return baseUrl;
	}

	/** Boot's {@code http.client.requests} tags, with the client's name as {@code client.name}. */
	static final class NamedRestClientObservations extends DefaultClientRequestObservationConvention {

		private final KeyValue clientName;

		NamedRestClientObservations(String name) {
			this.clientName = KeyValue.of("client.name", name);
		}

		@Override
		protected KeyValue clientName(ClientRequestObservationContext context) {
			return this.clientName;
		}

	}

}
