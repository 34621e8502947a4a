package io.github.unixsocket.autoconfigure.actuate;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.github.unixsocket.actuate.UnixSocketsEndpoint;
import io.github.unixsocket.actuate.UnixSocketsEndpoint.ConnectionDescriptor;
import io.github.unixsocket.actuate.UnixSocketsEndpoint.ServerDescriptor;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.server.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.jackson.EndpointJsonMapper;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class UnixSocketsEndpointAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class,
				UnixSocketsEndpointAutoConfiguration.class, EndpointAutoConfiguration.class))
		.withUserConfiguration(EchoHandlerConfiguration.class);

	private ApplicationContextRunner withEcho() {
		return this.runner.withPropertyValues("unix-socket.servers.echo.path=" + echo(),
				"unix-socket.servers.echo.permissions=0660", "unix-socket.servers.echo.max-connections=5");
	}

	private ApplicationContextRunner exposed() {
		return withEcho().withPropertyValues("management.endpoints.web.exposure.include=unixsockets");
	}

	private Path echo() {
		return this.dir.resolve("echo.sock");
	}

	@Test
	void listsServersWithTheirCounters() {
		exposed().run((context) -> {
			UnixSocketsEndpoint endpoint = context.getBean(UnixSocketsEndpoint.class);
			try (TestClient client = TestClient.connect(echo())) {
				assertThat(client.exchange("hello")).isEqualTo("hello");
				// the server counts a write once it returns, possibly after the client has read it
				await().atMost(WAIT).until(() -> endpoint.server("echo").bytesSent() == 5);
				assertThat(endpoint.servers().servers()).singleElement().satisfies((server) -> {
					assertThat(server.name()).isEqualTo("echo");
					assertThat(server.path()).isEqualTo(echo().toString());
					assertThat(server.type()).isEqualTo("stream");
					assertThat(server.protocol()).isEqualTo("raw");
					assertThat(server.state()).isEqualTo("running");
					assertThat(server.permissions()).isEqualTo("0660");
					assertThat(server.socketFileOurs()).isTrue();
					assertThat(server.openConnections()).isEqualTo(1);
					assertThat(server.acceptedConnections()).isEqualTo(1);
					assertThat(server.rejectedConnections()).isZero();
					assertThat(server.rejectedByReason()).containsEntry("max-connections", 0L)
						.containsEntry("buffer-budget", 0L)
						.containsEntry("message-timeout", 0L);
					assertThat(server.bufferBudgetUsed()).isZero();
					assertThat(server.bufferBudgetCapacity()).isEqualTo(32L * 1024 * 1024);
					assertThat(server.bytesReceived()).isEqualTo(5);
					assertThat(server.bytesSent()).isEqualTo(5);
					assertThat(server.connections()).isNull();
				});
			}
		});
	}

	@Test
	void showsOneServerWithItsOpenConnections() {
		exposed().run((context) -> {
			UnixSocketsEndpoint endpoint = context.getBean(UnixSocketsEndpoint.class);
			Instant before = Instant.now().minusSeconds(1);
			try (TestClient first = TestClient.connect(echo()); TestClient second = TestClient.connect(echo())) {
				assertThat(first.exchange("abc")).isEqualTo("abc");
				assertThat(second.exchange("z")).isEqualTo("z");
				await().atMost(WAIT).until(() -> endpoint.server("echo").bytesSent() == 4);
				ServerDescriptor echo = endpoint.server("echo");
				assertThat(echo.openConnections()).isEqualTo(2);
				assertThat(echo.connections()).hasSize(2);
				ConnectionDescriptor connection = echo.connections().get(0);
				assertThat(connection.id()).isEqualTo(1);
				assertThat(connection.bytesReceived()).isEqualTo(3);
				assertThat(connection.bytesSent()).isEqualTo(3);
				assertThat(connection.openedAt()).isAfter(before);
				assertThat(connection.lastActivity()).isAfterOrEqualTo(connection.openedAt());
				assertThat(connection.peer().user()).isEqualTo(System.getProperty("user.name"));
				assertThat(echo.connections().get(1).bytesReceived()).isEqualTo(1);
			}
			assertThat(endpoint.server("nope")).isNull();
		});
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void abstractServerHasNoPermissions() {
		this.runner.withConfiguration(AutoConfigurations.of(JacksonEndpointAutoConfiguration.class))
			.withPropertyValues("unix-socket.servers.echo.path=@unix-socket-test-" + UUID.randomUUID(),
					"management.endpoints.web.exposure.include=unixsockets")
			.run((context) -> {
				ServerDescriptor echo = context.getBean(UnixSocketsEndpoint.class).server("echo");
				assertThat(echo.path()).startsWith("@");
				assertThat(echo.permissions()).isNull();
				// rendered as the endpoint renders it over HTTP and JMX
				String json = context.getBean(EndpointJsonMapper.class).get().writeValueAsString(echo);
				assertThat(json).contains("\"name\":\"echo\"").doesNotContain("permissions");
			});
	}

	@Test
	void closesOneConnection() {
		exposed().run((context) -> {
			UnixSocketsEndpoint endpoint = context.getBean(UnixSocketsEndpoint.class);
			try (TestClient client = TestClient.connect(echo())) {
				assertThat(client.exchange("x")).isEqualTo("x");
				long id = endpoint.server("echo").connections().get(0).id();
				assertThat(endpoint.closeConnection("echo", id)).isNotNull();
				assertThat(client.awaitClosedByServer(WAIT)).isTrue();
				assertThat(endpoint.closeConnection("echo", id + 100)).isNull();
				assertThat(endpoint.closeConnection("nope", id)).isNull();
			}
		});
	}

	@Test
	void backsOffWhenNotExposed() {
		withEcho().run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketsEndpoint.class));
	}

	@Test
	void backsOffWhenAccessIsNone() {
		exposed().withPropertyValues("management.endpoint.unixsockets.access=NONE")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketsEndpoint.class));
	}

	@Test
	void backsOffWhenActuatorIsNotOnTheClassPath() {
		exposed().withClassLoader(new FilteredClassLoader(ConditionalOnAvailableEndpoint.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketsEndpoint.class));
	}

}
