package io.github.unixsocket.autoconfigure.client;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.autoconfigure.UnixSocketConfigurationException;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.autoconfigure.client.UnixSocketConnectException.Reason;
import io.github.unixsocket.server.OtherUser;
import io.github.unixsocket.server.UnixSocketServerView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The named HTTP clients against real servers on real sockets: this starter's own HTTP
 * socket on a WebFlux application (the "daemon"), and socat as another user.
 */
class UnixSocketHttpClientTests {

	@TempDir
	static Path dir;

	private static ConfigurableApplicationContext daemon;

	private static Path socket;

	private static final Sinks.One<String> release = Sinks.one();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketHttpClientAutoConfiguration.class));

	@BeforeAll
	static void startDaemon() {
		socket = dir.resolve("daemon.sock");
		daemon = new SpringApplicationBuilder(Daemon.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off", "server.unix-socket.path=" + socket,
					"spring.autoconfigure.exclude="
							+ "org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration,"
							+ "org.springframework.boot.jetty.autoconfigure.reactive.JettyReactiveWebServerAutoConfiguration")
			.run();
	}

	@AfterAll
	static void stopDaemon() {
		daemon.close();
	}

	private ApplicationContextRunner client(String... properties) {
		return this.runner.withPropertyValues("unix-socket.clients.daemon.path=" + socket)
			.withPropertyValues(properties);
	}

	@Test
	void aNamedClientIsARestClientAndAWebClientBeanInjectedByItsName() {
		client().withUserConfiguration(Consumer.class).run((context) -> {
			Consumer consumer = context.getBean(Consumer.class);
			assertThat(consumer.rest.get().uri("/hello").retrieve().body(String.class)).isEqualTo("hello from the daemon");
			assertThat(consumer.web.get().uri("/hello").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10)))
				.isEqualTo("hello from the daemon");
			assertThat(consumer.rest.post().uri("/echo").body("a body").retrieve().body(String.class))
				.isEqualTo("echo: a body");
		});
	}

	@Test
	void injectionPointsWithoutTheQualifierGetNoClient() {
		client().withUserConfiguration(Unqualified.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(Unqualified.class).rest.getIfAvailable()).isNull();
			assertThat(context.getBeansOfType(RestClient.class)).hasSize(1);
		});
	}

	@Test
	void requestsReuseTheConnectionsKeptAlive() {
		UnixSocketServerView server = daemon.getBean(UnixSocketServers.class).get("http");
		client().run((context) -> {
			RestClient rest = context.getBean(UnixSocketHttpClients.class).restClient("daemon");
			long before = server.acceptedConnections();
			for (int i = 0; i < 20; i++) {
				assertThat(rest.get().uri("/hello").retrieve().body(String.class)).isEqualTo("hello from the daemon");
			}
			assertThat(server.acceptedConnections() - before).isEqualTo(1);
		});
	}

	/**
	 * An event stream (docker's /events) on the WebClient: each event as it arrives, the
	 * next one held back by the server until the first was read.
	 */
	@Test
	void aWebClientReadsAStreamAsItArrives() {
		client().run((context) -> {
			WebClient web = context.getBean(UnixSocketWebClients.class).webClient("daemon");
			List<String> events = web.get()
				.uri("/events")
				.retrieve()
				.bodyToFlux(String.class)
				.doOnNext((event) -> release.tryEmitValue("event 2"))
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(events).containsExactly("event 1", "event 2");
		});
	}

	/**
	 * The same stream on the RestClient, read to its end. Spring Framework's InputStream
	 * for Reactor Netty fills a read's whole buffer before it returns, so a RestClient sees
	 * a live stream in buffer-sized steps: docs/http-clients.md says to use the WebClient
	 * for those.
	 */
	@Test
	void aRestClientReadsAStreamedResponse() {
		client().run((context) -> {
			RestClient rest = context.getBean(UnixSocketHttpClients.class).restClient("daemon");
			List<String> lines = rest.get().uri("/chunks").exchange((request, response) -> {
				List<String> read = new ArrayList<>();
				try (BufferedReader reader = new BufferedReader(
						new InputStreamReader(response.getBody(), StandardCharsets.UTF_8))) {
					String line;
					while ((line = reader.readLine()) != null) {
						read.add(line);
					}
				}
				return read;
			});
			assertThat(lines).hasSize(1000).startsWith("line 0").endsWith("line 999");
		});
	}

	@Test
	void requestsAreObservedAsHttpClientRequestsTaggedWithTheClient() {
		client().withUserConfiguration(Observations.class).run((context) -> {
			context.getBean(UnixSocketHttpClients.class).restClient("daemon").get().uri("/hello").retrieve()
				.body(String.class);
			context.getBean(UnixSocketWebClients.class).webClient("daemon").get().uri("/hello").retrieve()
				.bodyToMono(String.class).block(Duration.ofSeconds(10));
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				Timer timer = meters.find("http.client.requests").tag("client.name", "daemon").tag("uri", "/hello")
					.tag("outcome", "SUCCESS").timer();
				assertThat(timer).isNotNull();
				assertThat(timer.count()).isEqualTo(2);
			});
		});
	}

	@Test
	void aMissingSocketFileFailsNamingTheClientThePathAndTheFix() {
		Path missing = dir.resolve("missing.sock");
		this.runner.withPropertyValues("unix-socket.clients.docker.path=" + missing).run((context) -> {
			RestClient rest = context.getBean(UnixSocketHttpClients.class).restClient("docker");
			assertThatThrownBy(() -> rest.get().uri("/version").retrieve().body(String.class))
				.isInstanceOf(ResourceAccessException.class)
				.cause()
				.isInstanceOfSatisfying(UnixSocketConnectException.class, (ex) -> {
					assertThat(ex.reason()).isEqualTo(Reason.MISSING);
					assertThat(ex.client()).isEqualTo("docker");
					assertThat(ex.path()).isEqualTo(missing);
				})
				.hasMessageContainingAll("'docker'", missing.toString(), "no such socket file",
						"'unix-socket.clients.docker.path'");
			WebClient web = context.getBean(UnixSocketWebClients.class).webClient("docker");
			assertThatThrownBy(() -> web.get().uri("/version").retrieve().bodyToMono(String.class).block())
				.isInstanceOf(WebClientRequestException.class)
				.cause()
				.isInstanceOfSatisfying(UnixSocketConnectException.class,
						(ex) -> assertThat(ex.reason()).isEqualTo(Reason.MISSING));
		});
	}

	@Test
	void aFileThatIsNotASocketAndAStaleSocketFail() throws Exception {
		Path regular = Files.writeString(dir.resolve("regular.sock"), "not a socket");
		Path stale = dir.resolve("stale.sock");
		try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			listener.bind(UnixDomainSocketAddress.of(stale));
		}
		assertThat(stale).exists();
		this.runner
			.withPropertyValues("unix-socket.clients.regular.path=" + regular, "unix-socket.clients.stale.path=" + stale)
			.run((context) -> {
				UnixSocketHttpClients clients = context.getBean(UnixSocketHttpClients.class);
				assertThat(failure(clients, "regular")).satisfies((ex) -> {
					assertThat(ex.reason()).isEqualTo(Reason.NOT_A_SOCKET);
					assertThat(ex).hasMessageContaining("not a socket");
				});
				assertThat(failure(clients, "stale")).satisfies((ex) -> {
					assertThat(ex.reason()).isEqualTo(Reason.REFUSED);
					assertThat(ex).hasMessageContainingAll("connection refused", "nothing listens", "Start the process");
				});
			});
	}

	/**
	 * Root, as these tests run, is never denied a socket: the refusal the kernel gives any
	 * other user (EACCES, "Permission denied") is handed to the translation as connect
	 * reports it, with a real socket file at the path.
	 */
	@Test
	void aRefusedPermissionSaysWhoToRunAsOrWhichGroupToJoin() throws Exception {
		Path guarded = dir.resolve("guarded.sock");
		try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			listener.bind(UnixDomainSocketAddress.of(guarded));
			UnixSocketProperties.Client properties = new UnixSocketProperties.Client();
			properties.setPath(guarded.toString());
			UnixSocketHttpClients clients = new UnixSocketHttpClients(Map.of("guarded", properties), RestClient::builder,
					null);
			try {
				ClientSocket socket = clients.socket("guarded");
				UnixSocketConnectException ex = socket
					.connectFailure(new java.net.SocketException("Permission denied"));
				assertThat(ex.reason()).isEqualTo(Reason.PERMISSION_DENIED);
				assertThat(ex).hasMessageContainingAll("'guarded'", guarded.toString(), "permission denied",
						"add this user to its group (see ls -l " + guarded + ")");
				assertThat(socket.connectFailure(new java.net.SocketException("Connection refused")).reason())
					.isEqualTo(Reason.REFUSED);
			}
			finally {
				clients.destroy();
			}
		}
	}

	@Test
	void theExpectedOwnerIsTheUserOfTheSocketFileAndOfItsListener() {
		String user = System.getProperty("user.name");
		client("unix-socket.clients.daemon.peer.expected-user=" + user).run((context) -> assertThat(
				context.getBean(UnixSocketHttpClients.class).restClient("daemon").get().uri("/hello").retrieve()
					.body(String.class))
			.isEqualTo("hello from the daemon"));
		client("unix-socket.clients.daemon.peer.expected-group=" + OtherUser.GROUP).run((context) -> {
			UnixSocketConnectException ex = failure(context.getBean(UnixSocketHttpClients.class), "daemon");
			assertThat(ex.reason()).isEqualTo(Reason.OWNER_MISMATCH);
			assertThat(ex).hasMessageContainingAll("belongs to group", "not to the expected group " + OtherUser.GROUP,
					"nothing was sent", "'unix-socket.clients.daemon.peer'");
		});
	}

	/**
	 * Another user serves the path: the client connects, finds out and sends nothing, also
	 * when the file itself was given to the expected user (only its listener tells).
	 */
	@Test
	void aSocketServedByAnotherUserGetsNoRequest() throws Exception {
		OtherUser.require("socat", "setpriv");
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path other = Files.createDirectories(dir.resolve("other"));
		OtherUser.own(other);
		Path hostile = other.resolve("hostile.sock");
		Path received = other.resolve("received");
		Process socat = OtherUser
			.command("socat", "UNIX-LISTEN:" + hostile + ",fork", "OPEN:" + received + ",creat,append")
			.start();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(hostile));
			this.runner
				.withPropertyValues("unix-socket.clients.docker.path=" + hostile,
						"unix-socket.clients.docker.peer.expected-user=root")
				.run((context) -> {
					UnixSocketHttpClients clients = context.getBean(UnixSocketHttpClients.class);
					assertThat(failure(clients, "docker")).satisfies((ex) -> {
						assertThat(ex.reason()).isEqualTo(Reason.OWNER_MISMATCH);
						assertThat(ex).hasMessageContaining("the socket file is owned by nobody");
					});
					Files.getFileAttributeView(hostile, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
						.setOwner(hostile.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root"));
					assertThat(failure(clients, "docker")).satisfies((ex) -> {
						assertThat(ex.reason()).isEqualTo(Reason.OWNER_MISMATCH);
						assertThat(ex).hasMessageContaining("the process listening on it runs as nobody");
					});
				});
			// socat wrote what it received: nothing, though it accepted both connections.
			assertThat(received).satisfiesAnyOf((file) -> assertThat(file).doesNotExist(),
					(file) -> assertThat(file).isEmptyFile());
		}
		finally {
			socat.destroy();
			socat.waitFor(10, TimeUnit.SECONDS);
		}
	}

	/**
	 * What goes on the wire, as socat records it: an HTTP/1.1 request line (Reactor Netty
	 * alone would write HTTP/3.0 on a NIO domain socket, which Tomcat refuses with 505), the
	 * base URL's path before the request's, and the base URL's host as the Host header.
	 */
	@Test
	void requestsAreHttp11WithTheBaseUrlsPathAndHost() throws Exception {
		OtherUser.require("socat");
		Path recorder = dir.resolve("recorder.sock");
		Path received = dir.resolve("recorded");
		Process socat = new ProcessBuilder("socat", "UNIX-LISTEN:" + recorder, "OPEN:" + received + ",creat")
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.start();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(recorder));
			this.runner
				.withPropertyValues("unix-socket.clients.docker.path=" + recorder,
						"unix-socket.clients.docker.base-url=http://docker.local:2375/v1.47",
						"unix-socket.clients.docker.read-timeout=500ms")
				.run((context) -> assertThatThrownBy(() -> context.getBean(UnixSocketHttpClients.class)
					.restClient("docker").get().uri("/containers/json?all=1").retrieve().body(String.class))
					.isInstanceOf(ResourceAccessException.class));
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(received))
				.startsWith("GET /v1.47/containers/json?all=1 HTTP/1.1\r\n")
				.containsIgnoringCase("\r\nHost: docker.local:2375\r\n")
				.endsWith("\r\n\r\n"));
		}
		finally {
			socat.destroy();
			socat.waitFor(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void aReadTimeoutEndsAResponseThatStopsComing() {
		client("unix-socket.clients.daemon.read-timeout=300ms").run((context) -> {
			RestClient rest = context.getBean(UnixSocketHttpClients.class).restClient("daemon");
			assertThatThrownBy(() -> rest.get().uri("/never").retrieve().body(String.class))
				.isInstanceOf(ResourceAccessException.class);
			assertThat(rest.get().uri("/hello").retrieve().body(String.class)).isEqualTo("hello from the daemon");
		});
	}

	@Test
	void badConfigurationFailsAtStartupNamingTheProperty() {
		assertConfigurationFailure("unix-socket.clients.docker.base-url=http://localhost", "has no 'unix-socket.clients.docker.path'");
		assertConfigurationFailure("unix-socket.clients.docker.path=@docker", "abstract address");
		assertConfigurationFailure("unix-socket.clients.docker.path=/run/docker.sock",
				"unix-socket.clients.docker.base-url=https://localhost", "'unix-socket.clients.docker.base-url'");
		assertConfigurationFailure("unix-socket.clients.docker.path=/run/docker.sock",
				"unix-socket.clients.docker.peer.expected-user=no-such-user-here",
				"'unix-socket.clients.docker.peer': user 'no-such-user-here' does not exist");
		assertConfigurationFailure("unix-socket.clients.docker.path=/run/docker.sock",
				"unix-socket.clients.docker.max-connections=0", "'unix-socket.clients.docker.max-connections' is 0");
		assertConfigurationFailure("unix-socket.clients.docker.path=/" + "d".repeat(120),
				"'unix-socket.clients.docker.path' is 121 bytes long");
		// A typo would leave the client without its owner check.
		assertConfigurationFailure("unix-socket.clients.docker.path=/run/docker.sock",
				"unix-socket.clients.docker.peer.expected-usr=root",
				"Unknown Unix socket client setting 'unix-socket.clients.docker.peer.expected-usr'");
	}

	private void assertConfigurationFailure(String... propertiesAndMessage) {
		String message = propertiesAndMessage[propertiesAndMessage.length - 1];
		String[] properties = List.of(propertiesAndMessage).subList(0, propertiesAndMessage.length - 1)
			.toArray(String[]::new);
		assertThat(configurationFailure(this.runner.withPropertyValues(properties))).hasMessageContaining(message);
	}

	private static Throwable configurationFailure(ApplicationContextRunner runner) {
		Throwable[] failure = new Throwable[1];
		runner.run((context) -> {
			failure[0] = context.getStartupFailure();
			while (failure[0] != null && !(failure[0] instanceof UnixSocketConfigurationException)) {
				failure[0] = failure[0].getCause();
			}
		});
		assertThat(failure[0]).as("the configuration failure").isNotNull();
		return failure[0];
	}

	@Test
	void backsOffWithoutReactorNettysClientAndGivesNoWebClientWithoutWebFlux() {
		this.runner.withClassLoader(new FilteredClassLoader(reactor.netty.http.client.HttpClient.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketHttpClients.class));
		// A configured client without it: say what to add, rather than fail to inject.
		assertThat(configurationFailure(client().withClassLoader(
				new FilteredClassLoader(reactor.netty.http.client.HttpClient.class))))
			.hasMessageContaining("needs reactor.netty.http.client.HttpClient")
			.extracting((ex) -> ((UnixSocketConfigurationException) ex).getAction())
			.asString()
			.contains("io.projectreactor.netty:reactor-netty-http");
		client().withClassLoader(new FilteredClassLoader(WebClient.class)).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(UnixSocketHttpClients.class)
				.doesNotHaveBean(UnixSocketWebClients.class);
			assertThat(context.getBeanNamesForType(RestClient.class)).containsExactly("unixSocket.daemon.restClient");
		});
	}

	@Test
	void theConnectionsCloseWithTheContext() {
		UnixSocketServerView server = daemon.getBean(UnixSocketServers.class).get("http");
		long before = server.openConnections();
		client().run((context) -> {
			context.getBean(UnixSocketHttpClients.class).restClient("daemon").get().uri("/hello").retrieve()
				.body(String.class);
			assertThat(server.openConnections()).isEqualTo(before + 1);
		});
		await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == before);
	}

	private static UnixSocketConnectException failure(UnixSocketHttpClients clients, String name) {
		RestClient rest = clients.restClient(name);
		try {
			rest.get().uri("/").retrieve().body(String.class);
		}
		catch (ResourceAccessException ex) {
			if (ex.getCause() instanceof UnixSocketConnectException connect) {
				return connect;
			}
			throw ex;
		}
		throw new AssertionError("the request to client '" + name + "' succeeded");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@RestController
	static class Daemon {

		@GetMapping("/hello")
		String hello() {
			return "hello from the daemon";
		}

		@PostMapping("/echo")
		String echo(@RequestBody String body) {
			return "echo: " + body;
		}

		/** Event 1, then event 2 once the test released it. */
		@GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		Flux<String> events() {
			return Flux.concat(Mono.just("event 1"), release.asMono());
		}

		/** 1000 lines in 10 chunks, written as they are made (chunked encoding). */
		@GetMapping(path = "/chunks", produces = MediaType.TEXT_PLAIN_VALUE)
		Flux<String> chunks() {
			return Flux.range(0, 10)
				.map((chunk) -> String.join("", java.util.stream.IntStream.range(chunk * 100, chunk * 100 + 100)
					.mapToObj((line) -> "line " + line + "\n")
					.toList()));
		}

		@GetMapping("/never")
		Mono<String> never() {
			return Mono.fromFuture(new CompletableFuture<>());
		}

	}

	static class Consumer {

		final RestClient rest;

		final WebClient web;

		Consumer(@Qualifier("daemon") RestClient rest, @Qualifier("daemon") WebClient web) {
			this.rest = rest;
			this.web = web;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Unqualified {

		final ObjectProvider<RestClient> rest;

		Unqualified(ObjectProvider<RestClient> rest) {
			this.rest = rest;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Observations {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		ObservationRegistry observationRegistry(MeterRegistry meters) {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
			return registry;
		}

	}

}
