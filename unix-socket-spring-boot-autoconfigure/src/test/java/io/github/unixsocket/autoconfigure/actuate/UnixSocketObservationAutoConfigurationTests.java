package io.github.unixsocket.autoconfigure.actuate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.observation.DefaultUnixSocketHandlerObservationConvention;
import io.github.unixsocket.observation.UnixSocketHandlerObservationConvention;
import io.github.unixsocket.observation.UnixSocketObservations;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.TestClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class UnixSocketObservationAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(UnixSocketAutoConfiguration.class, UnixSocketObservationAutoConfiguration.class))
		.withUserConfiguration(Handlers.class);

	private ApplicationContextRunner withServers() {
		return this.runner.withPropertyValues("unix-socket.servers.echo.path=" + this.dir.resolve("echo.sock"),
				"unix-socket.servers.failing.path=" + this.dir.resolve("failing.sock"),
				"unix-socket.servers.command.path=" + this.dir.resolve("command.sock"),
				"unix-socket.servers.command.protocol=commands",
				"unix-socket.servers.command.observe-messages=true");
	}

	private ApplicationContextRunner observed() {
		return withServers().withUserConfiguration(MeteredObservations.class);
	}

	@Test
	void handlerInvocationsAreTimedWithServerProtocolAndOutcome() {
		observed().run((context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
				assertThat(client.exchange("hi")).isEqualTo("hi");
			}
			try (TestClient client = TestClient.connect(this.dir.resolve("failing.sock"))) {
				assertThat(client.awaitClosedByServer(WAIT)).isTrue();
			}
			await().atMost(WAIT).until(() -> count(meters, "echo", "success") == 1 && count(meters, "failing", "error") == 1);
			assertThat(meters.get("unix.socket.handler").tag("server", "echo").timer().getId().getTag("protocol"))
				.isEqualTo("raw");
			assertThat(meters.find("unix.socket.handler").tag("server", "echo").tag("outcome", "error").timer())
				.isNull();
		});
	}

	@Test
	void commandObservationsCarryTheCommandName() {
		observed().run((context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			try (UnixSocketClient client = UnixSocketClient.connect(this.dir.resolve("command.sock"))) {
				assertThat(client.send("ping", Map.of()).payload(String.class)).isEqualTo("pong");
				assertThat(client.send("fail", Map.of()).isOk()).isFalse();
			}
			await().atMost(WAIT)
				.until(() -> meters.find("unix.socket.command")
					.tag("server", "command")
					.tag("command", "ping")
					.tag("outcome", "success")
					.timer() != null
						&& meters.find("unix.socket.command")
							.tag("command", "fail")
							.tag("outcome", "error")
							.timer() != null);
		});
	}

	@Test
	void aConventionBeanReplacesTheDefault() {
		observed().withBean(UnixSocketHandlerObservationConvention.class, RenamedConvention::new).run((context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
				assertThat(client.exchange("hi")).isEqualTo("hi");
			}
			await().atMost(WAIT).until(() -> meters.find("custom.handler").tag("server", "echo").timer() != null);
			assertThat(meters.find("unix.socket.handler").timer()).isNull();
		});
	}

	@Test
	void backsOffWithoutAnObservationRegistry() {
		withServers().run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketObservations.class));
	}

	@Test
	void backsOffWhenMicrometerObservationIsNotOnTheClassPath() {
		observed().withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketObservations.class));
	}

	private static long count(MeterRegistry meters, String server, String outcome) {
		var timer = meters.find("unix.socket.handler").tag("server", server).tag("outcome", outcome).timer();
		return (timer != null) ? timer.count() : 0;
	}

	@Configuration(proxyBeanMethods = false)
	static class MeteredObservations {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		ObservationRegistry observationRegistry(MeterRegistry meters) {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
			return registry;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		@Bean
		@UnixSocketHandler("echo")
		ConnectionHandler echoHandler() {
			return (connection) -> connection.inputStream().transferTo(connection.outputStream());
		}

		@Bean
		@UnixSocketHandler("failing")
		ConnectionHandler failingHandler() {
			return (connection) -> {
				throw new IllegalStateException("handler failure on purpose");
			};
		}

		@Bean
		@UnixSocketHandler("command")
		FailingCommand commandHandler() {
			return new FailingCommand();
		}

	}

	static class FailingCommand {

		@UnixSocketCommand(name = "fail", description = "always fails")
		String fail() {
			throw new IllegalStateException("command failure on purpose");
		}

	}

	static class RenamedConvention extends DefaultUnixSocketHandlerObservationConvention {

		@Override
		public String getName() {
			return "custom.handler";
		}

	}

}
