package io.github.unixsocket.autoconfigure.web;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.server.HttpUnixSocket;
import io.github.unixsocket.server.peer.PeerCredentials;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reactor Netty (WebFlux): a second server on the socket beside TCP, the web server itself
 * on the socket, and the management server; also Reactor Netty's own HTTP client.
 */
class NettyHttpSocketTests extends AbstractHttpSocketTests {

	@Override
	Class<?> application() {
		return ReactiveApp.class;
	}

	@Override
	WebApplicationType webApplicationType() {
		return WebApplicationType.REACTIVE;
	}

	@Override
	String excludedAutoConfigurations() {
		return "org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration,"
				+ "org.springframework.boot.jetty.autoconfigure.reactive.JettyReactiveWebServerAutoConfiguration,"
				+ "org.springframework.boot.tomcat.autoconfigure.actuate.web.server.TomcatReactiveManagementContextAutoConfiguration,"
				+ "org.springframework.boot.jetty.autoconfigure.actuate.web.server.JettyReactiveManagementContextAutoConfiguration";
	}

	/** Reactor Netty's own thread held until the test's listener tried the socket: no luck in the race. */
	@Override
	List<Class<?>> readinessSources() {
		return List.of(SlowBoundCallbacks.class);
	}

	/** WebFlux's management child context also routes the application's RouterFunction beans. */
	@Override
	boolean managementServesOnlyActuator() {
		return false;
	}

	@Test
	void reactorNettysHttpClientOverTheSocket() {
		Path socket = this.dir.resolve("client.sock");
		start("server.unix-socket.path=" + socket);
		String body = HttpClient.create()
			.remoteAddress(() -> UnixDomainSocketAddress.of(socket))
			.get()
			.uri("/peer")
			.responseContent()
			.aggregate()
			.asString()
			.block(java.time.Duration.ofSeconds(10));
		assertThat(body).isEqualTo("user=root, group=root");
	}

	/**
	 * Holds Reactor Netty's bound callbacks (the thread it publishes a web server's own
	 * socket on) until the test has tried the socket, at most 2s: a socket published there
	 * would be found missing.
	 */
	@Configuration(proxyBeanMethods = false)
	static class SlowBoundCallbacks {

		@Bean
		NettyServerCustomizer slowBoundCallbacks() {
			return (server) -> server.doOnBound((bound) -> {
				try {
					Readiness.tried.await(2, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
		}

	}

	/** A route that answers with the exchange's peer attribute. */
	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ReactiveApp {

		@Bean
		RouterFunction<ServerResponse> peerRoute() {
			return RouterFunctions.route()
				.GET("/peer", (request) -> ServerResponse.ok()
					.bodyValue(request.attribute(HttpUnixSocket.PEER_ATTRIBUTE)
						.map(PeerCredentials.class::cast)
						.map(PeerCredentials::toString)
						.orElse("none")))
				.build();
		}

	}

}
