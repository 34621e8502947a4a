package io.github.unixsocket.autoconfigure.actuate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.TestClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 21: no Observation per message unless a server asks for it; the cheap meters count every one. */
@Timeout(60)
class MessageObservationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@TempDir
	Path dir;

	private ApplicationContextRunner runner(String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class,
					UnixSocketMetricsAutoConfiguration.class, UnixSocketObservationAutoConfiguration.class,
					MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
			.withUserConfiguration(Setup.class)
			.withPropertyValues("unix-socket.servers.loop.path=" + this.dir.resolve("loop.sock"),
					"unix-socket.servers.loop.protocol=lines", "unix-socket.servers.loop.dispatch=event-loop",
					"unix-socket.servers.workers.path=" + this.dir.resolve("workers.sock"),
					"unix-socket.servers.workers.protocol=lines",
					"unix-socket.servers.command.path=" + this.dir.resolve("command.sock"),
					"unix-socket.servers.command.protocol=commands")
			.withPropertyValues(properties);
	}

	private void exchange() throws Exception {
		for (String server : new String[] { "loop", "workers" }) {
			try (TestClient client = TestClient.connect(this.dir.resolve(server + ".sock"))) {
				for (int i = 0; i < 3; i++) {
					assertThat(client.exchange("hi\n")).isEqualTo("hi\n");
				}
			}
		}
		try (UnixSocketClient client = UnixSocketClient.connect(this.dir.resolve("command.sock"))) {
			assertThat(client.send("ping", Map.of()).payload(String.class)).isEqualTo("pong");
			assertThat(client.send("ping", Map.of()).payload(String.class)).isEqualTo("pong");
		}
	}

	@Test
	void byDefaultNoObservationPerMessageButEveryMessageIsCountedAndTimed() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			exchange();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(WAIT).until(() -> messages(meters, "loop") == 3 && messages(meters, "workers") == 3
					&& messages(meters, "command") == 2);
			for (String server : new String[] { "loop", "workers", "command" }) {
				FunctionTimer timer = meters.get("unix.socket.handler.time").tag("server", server).functionTimer();
				assertThat(timer.count()).isEqualTo(messages(meters, server));
				assertThat(timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
			}
			assertThat(context.getBean(Setup.class).started).isEmpty();
		});
	}

	@Test
	void observeMessagesGivesOneObservationPerMessageAndCommand() {
		runner("unix-socket.servers.loop.observe-messages=true", "unix-socket.servers.workers.observe-messages=true",
				"unix-socket.servers.command.observe-messages=true")
			.run((context) -> {
				exchange();
				Map<String, AtomicInteger> started = context.getBean(Setup.class).started;
				await().atMost(WAIT).until(() -> count(started, "unix.socket.handler") == 8
						&& count(started, "unix.socket.command") == 2);
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(messages(meters, "loop")).isEqualTo(3);
			});
	}

	@Test
	void observeMessagesOnOneServerLeavesTheOthersUnobserved() {
		runner("unix-socket.servers.loop.observe-messages=true").run((context) -> {
			exchange();
			Map<String, AtomicInteger> started = context.getBean(Setup.class).started;
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(WAIT).until(() -> messages(meters, "command") == 2 && messages(meters, "workers") == 3);
			assertThat(count(started, "unix.socket.handler")).isEqualTo(3);
			assertThat(count(started, "unix.socket.command")).isZero();
		});
	}

	@Test
	void observeMessagesOnARawServerFailsAtStartupNamingTheProperty() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class))
			.withUserConfiguration(EchoHandlerConfiguration.class)
			.withPropertyValues("unix-socket.servers.echo.path=" + this.dir.resolve("echo.sock"),
					"unix-socket.servers.echo.observe-messages=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("unix-socket.servers.echo.observe-messages"));
	}

	private static double messages(MeterRegistry meters, String server) {
		FunctionCounter counter = meters.find("unix.socket.messages.received").tag("server", server).functionCounter();
		return (counter != null) ? counter.count() : -1;
	}

	private static int count(Map<String, AtomicInteger> started, String name) {
		AtomicInteger count = started.get(name);
		return (count != null) ? count.get() : 0;
	}

	@Configuration(proxyBeanMethods = false)
	static class Setup {

		/** Observations started, by name. */
		final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		ObservationRegistry observationRegistry() {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler(new ObservationHandler<>() {

				@Override
				public void onStart(Observation.Context context) {
					Setup.this.started.computeIfAbsent(context.getName(), (name) -> new AtomicInteger())
						.incrementAndGet();
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return true;
				}

			});
			return registry;
		}

		@Bean
		@UnixSocketHandler("loop")
		MessageHandler loopEcho() {
			return (connection, message) -> message;
		}

		@Bean
		@UnixSocketHandler("workers")
		MessageHandler workersEcho() {
			return (connection, message) -> message;
		}

		@Bean
		@UnixSocketHandler("command")
		UnixSocketObservationAutoConfigurationTests.FailingCommand commands() {
			return new UnixSocketObservationAutoConfigurationTests.FailingCommand();
		}

	}

}
