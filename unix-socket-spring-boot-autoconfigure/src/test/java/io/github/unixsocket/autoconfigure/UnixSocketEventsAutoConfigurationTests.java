package io.github.unixsocket.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.unixsocket.event.UnixSocketConnectionClosedEvent;
import io.github.unixsocket.event.UnixSocketConnectionOpenedEvent;
import io.github.unixsocket.event.UnixSocketConnectionRejectedEvent;
import io.github.unixsocket.event.UnixSocketEvent;
import io.github.unixsocket.event.UnixSocketEventPublisher;
import io.github.unixsocket.event.UnixSocketServerStartedEvent;
import io.github.unixsocket.event.UnixSocketServerStoppedEvent;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.DrainResult;
import io.github.unixsocket.server.RejectReason;
import io.github.unixsocket.server.TestClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class UnixSocketEventsAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@TempDir
	Path dir;

	private ApplicationContextRunner runner;

	@BeforeEach
	void runner() {
		this.runner = new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(UnixSocketAutoConfiguration.class, UnixSocketEventsAutoConfiguration.class))
			.withUserConfiguration(EchoHandler.class)
			.withPropertyValues("unix-socket.servers.echo.path=" + this.dir.resolve("echo.sock"),
					"unix-socket.servers.echo.max-connections=1");
	}

	@Test
	void publishesServerAndConnectionEvents() {
		Events events = new Events();
		this.runner.withBean(Events.class, () -> events).run((context) -> {
			assertThat(events.types()).containsExactly(UnixSocketServerStartedEvent.class);
			try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
				assertThat(client.exchange("hi")).isEqualTo("hi");
				try (TestClient rejected = TestClient.connect(this.dir.resolve("echo.sock"))) {
					assertThat(rejected.awaitClosedByServer(WAIT)).isTrue();
				}
				await().atMost(WAIT).until(() -> events.types().size() == 3);
			}
			await().atMost(WAIT).until(() -> events.types().size() == 4);
			assertThat(events.types()).containsExactly(UnixSocketServerStartedEvent.class,
					UnixSocketConnectionOpenedEvent.class, UnixSocketConnectionRejectedEvent.class,
					UnixSocketConnectionClosedEvent.class);
			assertThat(((UnixSocketConnectionRejectedEvent) events.received.get(2)).getReason())
				.isEqualTo(RejectReason.MAX_CONNECTIONS);
			UnixSocketConnectionClosedEvent closed = (UnixSocketConnectionClosedEvent) events.received.get(3);
			assertThat(closed.getServerName()).isEqualTo("echo");
			assertThat(closed.getConnection().bytesReceived()).isEqualTo(2);
		});
		assertThat(events.received).last().isInstanceOf(UnixSocketServerStoppedEvent.class);
	}

	@Test
	void stoppedEventCarriesTheDrainResult() {
		Events events = new Events();
		this.runner.withBean(Events.class, () -> events)
			.withPropertyValues("unix-socket.servers.echo.shutdown-timeout=200ms")
			.run((context) -> {
				try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
					assertThat(client.exchange("hi")).isEqualTo("hi");
					// The echo handler waits for more: its connection is closed at the drain deadline.
					context.close();
					assertThat(client.awaitClosedByServer(WAIT)).isTrue();
				}
			});
		assertThat(events.received).last()
			.isInstanceOfSatisfying(UnixSocketServerStoppedEvent.class,
					(stopped) -> assertThat(stopped.getDrainResult()).isEqualTo(new DrainResult(0, 1)));
	}

	@Test
	void aPublisherBeanOfTheApplicationReplacesTheDefault() {
		this.runner.withBean("myPublisher", UnixSocketEventPublisher.class, () -> new UnixSocketEventPublisher((e) -> {
		})).run((context) -> assertThat(context).hasNotFailed().hasSingleBean(UnixSocketEventPublisher.class)
			.hasBean("myPublisher"));
	}

	@Test
	void backsOffWhenUnixSocketsAreDisabled() {
		this.runner.withPropertyValues("unix-socket.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketEventPublisher.class));
	}

	static class Events {

		final List<UnixSocketEvent> received = new CopyOnWriteArrayList<>();

		@EventListener
		void on(UnixSocketEvent event) {
			this.received.add(event);
		}

		List<Class<?>> types() {
			return this.received.stream().<Class<?>>map(Object::getClass).toList();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class EchoHandler {

		@Bean
		@UnixSocketHandler("echo")
		ConnectionHandler echoHandler() {
			return (connection) -> connection.inputStream().transferTo(connection.outputStream());
		}

	}

}
