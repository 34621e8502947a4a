package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.MessageHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key under {@code unix-socket.servers.<name>} that no setting has fails startup naming
 * it and the nearest valid one: the binder would ignore it, and a typo such as
 * {@code permision} left the socket with the default mode.
 */
@Timeout(60)
class UnknownServerKeysTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class))
		.withUserConfiguration(AdminHandler.class)
		.withPropertyValues("unix-socket.servers.admin.protocol=lines");

	private String path() {
		return "unix-socket.servers.admin.path=" + this.dir.resolve("admin.sock");
	}

	@Test
	void aTypoInAServersKeyFailsNamingItAndTheNearestValidKey() {
		this.runner.withPropertyValues(path(), "unix-socket.servers.admin.permision=0660").run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getDescription()).contains("'unix-socket.servers.admin.permision'")
				.contains("would be ignored");
			assertThat(analysis.getAction()).contains("Did you mean 'unix-socket.servers.admin.permissions'?");
		});
	}

	@Test
	void typosInNestedGroupsAndInEveryFormAreFound() {
		this.runner.withPropertyValues(path(), "unix-socket.servers.admin.peer.allowed-user=alice").run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getDescription()).contains("'unix-socket.servers.admin.peer.allowed-user'");
			assertThat(analysis.getAction()).contains("'unix-socket.servers.admin.peer.allowed-users'");
		});
		this.runner.withPropertyValues(path(), "unix-socket.servers.admin.datagram.queueCapacty=5").run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getDescription()).contains("unix-socket.servers.admin.datagram.queuecapacty");
			assertThat(analysis.getAction()).contains("'unix-socket.servers.admin.datagram.queue-capacity'");
		});
		this.runner.withPropertyValues(path(), "unix-socket.servers.admin.idle_timout=5s").run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getAction()).contains("'unix-socket.servers.admin.idle-timeout'");
		});
		this.runner.withPropertyValues(path())
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(environmentVariables(Map.of("UNIX_SOCKET_SERVERS_ADMIN_PERMISION", "0660"))))
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription())
					.contains("'UNIX_SOCKET_SERVERS_ADMIN_PERMISION' (environment variable)");
				assertThat(analysis.getAction()).contains("'unix-socket.servers.admin.permissions'");
			});
	}

	@Test
	void validKeysInEveryRelaxedFormStillStart() throws IOException {
		Map<String, Object> variables = new HashMap<>();
		variables.put("UNIX_SOCKET_SERVERS_ADMIN_CREATEDIRECTORIES", "true");
		variables.put("UNIX_SOCKET_SERVERS_ADMIN_PEER_ALLOWEDGROUPS_0", "root");
		variables.put("UNIX_SOCKET_SERVERS_ADMIN_MAXCONNECTIONS", "10");
		variables.put("UNIX_SOCKET_SERVERS_ADMIN_PERMISSIONS", "0660");
		variables.put("UNRELATED_VARIABLE", "x");
		this.runner
			.withPropertyValues(path(), "unix-socket.servers.admin.directory-permissions=0750",
					"unix-socket.servers.admin.idleTimeout=5s", "unix-socket.servers.admin.shutdown_timeout=2s",
					"unix-socket.servers.admin.peer.allowedUsers[0]=0", "unix-socket.servers.admin.messageTimeout=1s",
					"unix-socket.servers.admin.buffer-budget=2MB", "unix-socket.servers.admin.receive-buffer-size=64KB",
					"unix-socket.servers[admin].send-buffer-size=64KB", "unix-socket.servers.admin.activation=off",
					"unix-socket.servers.admin.workers=2", "unix-socket.servers.admin.group=root",
					"unix-socket.servers.admin.type=stream", "unix-socket.servers.admin.protocol=LINES",
					"unix-socket.servers.admin.max-message-size=4KB",
					"unix-socket.event-loop.threads=1", "unix-socket.systemd.notify=false")
			.withInitializer(
					(context) -> context.getEnvironment().getPropertySources().addFirst(environmentVariables(variables)))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				// The environment variable was bound, not only accepted.
				assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.dir.resolve("admin.sock"))))
					.isEqualTo("rw-rw----");
			});
	}

	@Test
	void theKnownKeysAreEverySettingOfAServer() {
		assertThat(UnknownKeys.SERVERS.known()).contains("path", "permissions", "create-directories",
				"directory-permissions", "peer.allowed-users", "peer.allowed-groups", "datagram.dispatch",
				"datagram.workers", "datagram.queue-capacity", "max-message-size", "buffer-budget")
			.doesNotContain("peer", "datagram", "class");
	}

	/** What Boot's binder treats as environment variables: a source named like the system one. */
	private static SystemEnvironmentPropertySource environmentVariables(Map<String, Object> variables) {
		return new SystemEnvironmentPropertySource("test-systemEnvironment", variables);
	}

	private static FailureAnalysis analysis(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		FailureAnalysis analysis = new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
		assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
		return analysis;
	}

	@UnixSocketHandler("admin")
	static class AdminHandler implements MessageHandler {

		@Override
		public byte[] handle(Connection connection, byte[] message) {
			return message;
		}

	}

}
