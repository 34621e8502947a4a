package io.github.unixsocket.actuate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.server.DrainResult;
import io.github.unixsocket.server.ServerFixture;
import io.github.unixsocket.server.ServerState;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.TestClient;
import io.github.unixsocket.server.UnixSocketServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health of real servers through their lifecycle, without a Spring context: {@code UP}
 * only while running on their own socket file; {@code DOWN} before they start, while they
 * drain and once stopped.
 */
@Timeout(60)
class UnixSocketHealthContributorTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private StreamServer server;

	@Test
	void serverThatIsNotBuiltYetIsDown() {
		UnixSocketHealthContributor contributor = new UnixSocketHealthContributor(List.of("admin"), (name) -> null);
		Health health = health(contributor, "admin");
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsExactly(Map.entry("reason", "not started"));
	}

	@Test
	void oneComponentPerServerNameAndNoneForAnotherName() {
		UnixSocketHealthContributor contributor = new UnixSocketHealthContributor(List.of("admin", "events"),
				(name) -> null);
		assertThat(contributor.stream()).extracting(CompositeHealthContributor.Entry::name)
			.containsExactly("admin", "events");
		assertThat(contributor.stream()).allSatisfy((entry) -> assertThat(
				((HealthIndicator) entry.contributor()).health().getStatus()).isEqualTo(Status.DOWN));
		assertThat(contributor.getContributor("other")).isNull();
	}

	@Test
	void serverBuiltButNotStartedIsDown() {
		this.server = this.servers.add(StreamServer.builder("admin", this.servers.path("admin.sock"))
			.handler((connection) -> {
			})
			.build());
		Health health = health(contributor(this.server), "admin");
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("reason", "not started").containsEntry("state", "new");
	}

	@Test
	void runningServerIsDownOnceItsSocketFileIsDeletedOrReplaced() throws Exception {
		Path path = this.servers.path("admin.sock");
		this.server = this.servers.add(StreamServer.builder("admin", path).handler((connection) -> {
		}).build());
		UnixSocketHealthContributor contributor = contributor(this.server);
		this.server.start();
		Files.delete(path);
		Health deleted = health(contributor, "admin");
		assertThat(deleted.getStatus()).isEqualTo(Status.DOWN);
		assertThat(deleted.getDetails()).containsEntry("reason", "socket file was deleted: clients can no longer connect");
		Files.writeString(path, "");
		assertThat(health(contributor, "admin").getDetails()).containsEntry("reason",
				"socket file was replaced by another file: clients no longer reach this server");
	}

	@Test
	void drainingServerIsDownUntilStoppedAndUpOnlyWhileRunning() throws Exception {
		Path path = this.servers.path("admin.sock");
		CountDownLatch inHandler = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		this.server = this.servers.add(StreamServer.builder("admin", path).handler((connection) -> {
			int b = connection.inputStream().read();
			inHandler.countDown();
			release.await();
			connection.outputStream().write(b);
		}).build());
		UnixSocketHealthContributor contributor = contributor(this.server);
		this.server.start();
		Health running = health(contributor, "admin");
		assertThat(running.getStatus()).isEqualTo(Status.UP);
		assertThat(running.getDetails()).containsExactly(Map.entry("path", path.toString()), Map.entry("type", "stream"),
				Map.entry("state", "running"), Map.entry("openConnections", 0));
		try (TestClient client = TestClient.connect(path)) {
			client.write("q");
			assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture<DrainResult> stopping = CompletableFuture
				.supplyAsync(() -> this.server.stop(Duration.ofSeconds(30)));
			await().atMost(Duration.ofSeconds(10)).until(() -> this.server.state() == ServerState.DRAINING);
			Health draining = health(contributor, "admin");
			assertThat(draining.getStatus()).isEqualTo(Status.DOWN);
			assertThat(draining.getDetails()).containsEntry("state", "draining")
				.containsEntry("reason", "draining: no longer accepting connections")
				.containsEntry("openConnections", 1);
			release.countDown();
			assertThat(client.read(1)).isEqualTo("q");
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(1, 0));
		}
		Health stopped = health(contributor, "admin");
		assertThat(stopped.getStatus()).isEqualTo(Status.DOWN);
		assertThat(stopped.getDetails()).containsEntry("state", "stopped").containsEntry("reason", "stopped");
	}

	private static UnixSocketHealthContributor contributor(UnixSocketServer server) {
		return new UnixSocketHealthContributor(List.of(server.name()),
				(name) -> name.equals(server.name()) ? server : null);
	}

	private static Health health(UnixSocketHealthContributor contributor, String name) {
		return ((HealthIndicator) contributor.getContributor(name)).health();
	}

}
