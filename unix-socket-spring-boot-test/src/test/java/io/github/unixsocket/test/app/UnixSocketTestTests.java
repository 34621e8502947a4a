package io.github.unixsocket.test.app;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.client.UnixDatagramClient;
import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.test.RawConnection;
import io.github.unixsocket.test.UnixSocketTest;
import io.github.unixsocket.test.UnixSocketTestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The slice with every handler of the application, against real sockets. */
@UnixSocketTest
@Timeout(60)
class UnixSocketTestTests {

	@Autowired
	UnixSocketTestClients sockets;

	@Autowired
	ApplicationContext context;

	// Set after the test directory's customizer ran: the path is replaced all the same.
	@DynamicPropertySource
	static void echoPath(DynamicPropertyRegistry registry) {
		registry.add("unix-socket.servers.echo.path", () -> "/proc/dynamic/echo.sock");
	}

	@Test
	void commands() throws IOException {
		try (UnixSocketClient admin = this.sockets.commands("admin")) {
			assertThat(admin.send("echo", Map.of("text", "héllo")).payload(String.class)).isEqualTo("héllo");
			assertThat(admin.send("add", Map.of("a", 2, "b", 3)).payload(Integer.class)).isEqualTo(5);
			assertThat(admin.send("nope", Map.of()).error()).isEqualTo("unknown command 'nope' (try 'help')");
		}
		assertThat(this.context.getBean(AuditInterceptor.class).commands()).contains("echo", "add");
	}

	@Test
	void lines() throws IOException {
		try (UnixSocketClient lines = this.sockets.lines("lines")) {
			assertThat(lines.sendLine("one")).isEqualTo("ONE");
			assertThat(lines.sendLine("two")).isEqualTo("TWO");
		}
	}

	@Test
	void frames() throws IOException {
		try (UnixSocketClient frames = this.sockets.frames("frames")) {
			assertThat(frames.sendFrame("abc".getBytes(StandardCharsets.UTF_8))).asString(StandardCharsets.UTF_8)
				.isEqualTo("cba");
		}
	}

	@Test
	void connect() throws IOException {
		try (RawConnection echo = this.sockets.connect("echo")) {
			echo.write("one\r\n");
			assertThat(echo.readLine()).isEqualTo("one");
			echo.write(new byte[] { 1, 2, 3 });
			assertThat(echo.readNBytes(3)).containsExactly(1, 2, 3);
			assertThat(echo.write("the end").shutdownOutput().readAll()).isEqualTo("the end");
			assertThatExceptionOfType(EOFException.class).isThrownBy(echo::readLine);
		}
	}

	@Test
	void datagram() throws IOException {
		try (UnixDatagramClient events = this.sockets.datagram("events")) {
			assertThat(events.request("disk almost full", Duration.ofSeconds(10))).matches("ok \\d+");
		}
	}

	@Test
	void aHandlerThatNeverAnswersFailsTheTestInsteadOfHangingIt() throws IOException {
		long start = System.nanoTime();
		try (RawConnection silent = this.sockets.withTimeout(Duration.ofMillis(300)).connect("silent")) {
			assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> silent.write("hello?\n").readLine())
				.withMessage("Timed out waiting for bytes after 300ms");
			assertThat(silent.isOpen()).isFalse();
		}
		try (UnixSocketClient silent = this.sockets.withTimeout(Duration.ofMillis(300)).lines("silent")) {
			assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> silent.sendLine("hello?"));
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void socketsAreInAPrivateDirectoryOfTheirOwn() throws IOException {
		Path directory = this.sockets.path("admin").getParent();
		assertThat(directory.getFileName().toString()).startsWith("uds-test-");
		assertThat(directory.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS)))
			.isEqualTo("rwx------");
		for (String server : new String[] { "admin", "echo", "lines", "frames", "events", "silent" }) {
			assertThat(this.sockets.path(server)).isEqualTo(directory.resolve(server + ".sock"));
			assertThat(Files.readAttributes(this.sockets.path(server), "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode"))
				.as("%s is a socket", server)
				.isEqualTo(0140000 | ((server.equals("echo")) ? 0660 : 0600));
		}
		assertThat(this.context.getEnvironment().getProperty("unix-socket.servers.echo.path"))
			.isEqualTo(directory.resolve("echo.sock").toString());
	}

	@Test
	void unknownServerNameFailsListingTheServers() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.sockets.commands("amdin"))
			.withMessage("No Unix socket server 'amdin' in this context; its servers are "
					+ "[admin, echo, events, frames, lines, silent]");
		assertThatIllegalArgumentException().isThrownBy(() -> this.sockets.path("amdin"))
			.withMessageStartingWith("No Unix socket server 'amdin'");
	}

	@Test
	void aClientForAnotherProtocolFailsSayingWhichFits() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.sockets.commands("echo"))
			.withMessageStartingWith("Unix socket server 'echo' is raw, not for commands(): ")
			.withMessageContaining("connect() for any stream server");
		assertThatIllegalArgumentException().isThrownBy(() -> this.sockets.connect("events"))
			.withMessageStartingWith("Unix socket server 'events' is datagram, not for connect(): ");
		assertThatIllegalArgumentException().isThrownBy(() -> this.sockets.datagram("lines"))
			.withMessageStartingWith("Unix socket server 'lines' is lines, not for datagram(): ");
	}

	@Test
	void theSliceHasTheHandlersAndWhatShapesServersButNothingElse() {
		assertThat(this.context.getBeanNamesForType(UnrelatedComponent.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(AdminCommands.class)).hasSize(1);
		assertThat(this.context.getBeanNamesForType(EchoHandler.class)).hasSize(1);
		assertThat(this.context.getBeanNamesForType(AuditInterceptor.class)).hasSize(1);
		assertThat(this.context.getBean(UnixSocketServers.class).names()).hasSize(6);
		// Jackson, for the commands' replies (@AutoConfigureJson)
		assertThat(this.context.getBeanNamesForType(JsonMapper.class)).hasSize(1);
	}

	@Test
	void theSliceNeedsNoActuator() {
		// The premise of this module's tests: nothing of Actuator, health or metrics on the class path.
		ClassLoader classLoader = getClass().getClassLoader();
		assertThat(ClassUtils.isPresent("org.springframework.boot.actuate.endpoint.annotation.Endpoint", classLoader))
			.isFalse();
		assertThat(ClassUtils.isPresent("org.springframework.boot.health.contributor.HealthContributor", classLoader))
			.isFalse();
		assertThat(ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry", classLoader)).isFalse();
		assertThat(this.sockets.path("admin")).exists();
	}

}
