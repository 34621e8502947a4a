package io.github.unixsocket.autoconfigure.actuate;

import java.nio.file.Files;
import java.nio.file.Path;

import io.github.unixsocket.actuate.UnixSocketHealthContributor;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketServersLifecycle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class UnixSocketHealthContributorAutoConfigurationTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class,
				UnixSocketHealthContributorAutoConfiguration.class))
		.withUserConfiguration(EchoHandlerConfiguration.class);

	private ApplicationContextRunner withEcho() {
		return this.runner.withPropertyValues("unix-socket.servers.echo.path=" + echo());
	}

	private Path echo() {
		return this.dir.resolve("echo.sock");
	}

	@Test
	void runningServerIsUpWithDetails() {
		withEcho().run((context) -> {
			Health health = health(context.getBean("unixSocketHealthContributor", UnixSocketHealthContributor.class));
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("path", echo().toString())
				.containsEntry("type", "stream")
				.containsEntry("state", "running")
				.containsEntry("openConnections", 0)
				.doesNotContainKey("reason");
		});
	}

	@Test
	void deletedSocketFileIsDown() {
		withEcho().run((context) -> {
			UnixSocketHealthContributor contributor = context.getBean(UnixSocketHealthContributor.class);
			Files.delete(echo());
			Health health = health(contributor);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("state", "running");
			assertThat((String) health.getDetails().get("reason")).contains("deleted");
		});
	}

	@Test
	void replacedSocketFileIsDown() {
		withEcho().run((context) -> {
			UnixSocketHealthContributor contributor = context.getBean(UnixSocketHealthContributor.class);
			Files.delete(echo());
			Files.writeString(echo(), "not the socket");
			Health health = health(contributor);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat((String) health.getDetails().get("reason")).contains("replaced");
		});
	}

	@Test
	void stoppedServerIsDown() {
		withEcho().run((context) -> {
			context.getBean(UnixSocketServersLifecycle.class).stop();
			Health health = health(context.getBean(UnixSocketHealthContributor.class));
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("state", "stopped").containsEntry("reason", "stopped");
		});
	}

	@Test
	void unknownServerHasNoComponent() {
		withEcho().run((context) -> assertThat(
				context.getBean(UnixSocketHealthContributor.class).getContributor("nope")).isNull());
	}

	@Test
	void aServerCanBeAHealthGroupMember() {
		withEcho()
			.withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class,
					HealthContributorRegistryAutoConfiguration.class,
					HealthEndpointAutoConfiguration.class, EndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoint.health.group.sockets.include=unixSocket/echo",
					"management.endpoint.health.group.sockets.show-details=always",
					"management.endpoints.web.exposure.include=health")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				HealthDescriptor sockets = context.getBean(HealthEndpoint.class).healthForPath("sockets");
				assertThat(sockets.getStatus()).isEqualTo(Status.UP);
				Files.delete(echo());
				assertThat(context.getBean(HealthEndpoint.class).healthForPath("sockets").getStatus())
					.isEqualTo(Status.DOWN);
			});
	}

	@Test
	void backsOffWhenHealthIsNotOnTheClassPath() {
		withEcho().withClassLoader(new FilteredClassLoader(HealthContributor.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketHealthContributor.class));
	}

	@Test
	void backsOffWhenTheIndicatorIsDisabled() {
		withEcho().withPropertyValues("management.health.unixsocket.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketHealthContributor.class));
	}

	@Test
	void backsOffWhenUnixSocketsAreDisabled() {
		withEcho().withPropertyValues("unix-socket.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketHealthContributor.class));
	}

	private static Health health(UnixSocketHealthContributor contributor) {
		return ((HealthIndicator) contributor.getContributor("echo")).health();
	}

}
