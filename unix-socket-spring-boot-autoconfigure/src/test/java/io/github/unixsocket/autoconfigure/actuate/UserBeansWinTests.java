package io.github.unixsocket.autoconfigure.actuate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.github.unixsocket.actuate.UnixSocketHealthContributor;
import io.github.unixsocket.actuate.UnixSocketMetrics;
import io.github.unixsocket.actuate.UnixSocketsEndpoint;
import io.github.unixsocket.autoconfigure.InheritedSockets;
import io.github.unixsocket.autoconfigure.SystemdNotifications;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketEventsAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.autoconfigure.UnixSocketServersLifecycle;
import io.github.unixsocket.autoconfigure.UnixSocketSystemdAutoConfiguration;
import io.github.unixsocket.event.UnixSocketEventPublisher;
import io.github.unixsocket.observation.UnixSocketObservations;
import io.github.unixsocket.server.EventLoopGroup;
import io.github.unixsocket.server.ServerState;
import io.github.unixsocket.systemd.SystemdNotifier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every bean the starter backs off from ({@code @ConditionalOnMissingBean}): an
 * application's own bean of that type (or name) is the only one, and the servers still
 * start with it. ({@code UnixSocketServers} itself: {@code UnixSocketAutoConfigurationTests}.)
 */
@Timeout(60)
class UserBeansWinTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class,
				UnixSocketEventsAutoConfiguration.class, UnixSocketSystemdAutoConfiguration.class,
				UnixSocketHealthContributorAutoConfiguration.class, UnixSocketsEndpointAutoConfiguration.class,
				EndpointAutoConfiguration.class, UnixSocketMetricsAutoConfiguration.class,
				UnixSocketObservationAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withBean(ObservationRegistry.class, ObservationRegistry::create)
		.withUserConfiguration(EchoHandlerConfiguration.class, OwnBeans.class);

	@Test
	void theApplicationsOwnBeansAreTheOnlyOnes() {
		this.runner
			.withPropertyValues("unix-socket.servers.echo.path=" + this.dir.resolve("echo.sock"),
					"management.endpoints.web.exposure.include=unixsockets")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).getBeanNames(EventLoopGroup.class).containsExactly("ownEventLoops");
				assertThat(context).getBeanNames(InheritedSockets.class).containsExactly("ownInheritedSockets");
				assertThat(context).getBeanNames(UnixSocketServersLifecycle.class).containsExactly("ownLifecycle");
				assertThat(context).getBeanNames(SystemdNotifications.class).containsExactly("ownNotifications");
				assertThat(context).getBeanNames(UnixSocketEventPublisher.class).containsExactly("ownPublisher");
				assertThat(context).getBeanNames(UnixSocketObservations.class).containsExactly("ownObservations");
				assertThat(context).getBeanNames(UnixSocketsEndpoint.class).containsExactly("ownEndpoint");
				assertThat(context).getBeanNames(UnixSocketMetrics.class).containsExactly("ownMetrics");
				// Replaced by name: the starter's contributor is the bean called unixSocketHealthContributor.
				assertThat(context).getBeanNames(UnixSocketHealthContributor.class)
					.containsExactly("unixSocketHealthContributor");
				assertThat(context.getBean(UnixSocketHealthContributor.class))
					.isSameAs(context.getBean(OwnBeans.class).healthContributor);
				// The servers run with the application's lifecycle bean.
				assertThat(context.getBean(UnixSocketServers.class).get("echo").state()).isEqualTo(ServerState.RUNNING);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnBeans {

		final UnixSocketHealthContributor healthContributor = new UnixSocketHealthContributor(List.of(),
				(name) -> null);

		@Bean
		EventLoopGroup ownEventLoops() {
			return new EventLoopGroup("own-loop", 1, Duration.ofSeconds(1));
		}

		@Bean
		InheritedSockets ownInheritedSockets() {
			return InheritedSockets.none();
		}

		@Bean
		UnixSocketServersLifecycle ownLifecycle(UnixSocketServers servers) {
			return new UnixSocketServersLifecycle(servers);
		}

		@Bean
		SystemdNotifications ownNotifications() throws Exception {
			return new SystemdNotifications(SystemdNotifier.fromEnvironment((variable) -> null, 1), List::of,
					() -> null);
		}

		@Bean
		UnixSocketEventPublisher ownPublisher() {
			return new UnixSocketEventPublisher((event) -> {
			});
		}

		@Bean
		UnixSocketObservations ownObservations(ObservationRegistry registry) {
			return new UnixSocketObservations(registry, null, null);
		}

		@Bean
		UnixSocketsEndpoint ownEndpoint() {
			return new UnixSocketsEndpoint(List::of, (name) -> "raw");
		}

		@Bean
		UnixSocketMetrics ownMetrics(EventLoopGroup loops) {
			return new UnixSocketMetrics(List.of(), (name) -> null, loops);
		}

		@Bean
		UnixSocketHealthContributor unixSocketHealthContributor() {
			return this.healthContributor;
		}

	}

}
