package io.github.unixsocket.autoconfigure.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.unixsocket.autoconfigure.UnixSocketConfigurationException;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.server.HttpUnixSocket;
import io.github.unixsocket.server.OtherUser;
import io.github.unixsocket.server.RejectReason;
import io.github.unixsocket.server.ServerState;
import io.github.unixsocket.server.UnixSocketServerView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The guarantees of an application web server's Unix socket, the same for every web
 * server: real applications, real sockets in a temporary directory, {@code curl} as the
 * client.
 */
abstract class AbstractHttpSocketTests {

	@TempDir
	Path dir;

	private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	/** @return the application's configuration class */
	abstract Class<?> application();

	abstract WebApplicationType webApplicationType();

	/** @return auto-configurations of the other web servers, excluded */
	abstract String excludedAutoConfigurations();

	/** @return what the peer endpoint answers for a request that came over TCP */
	String noPeer() {
		return "none";
	}

	/** @return whether the management server answers the application's own routes with 404 */
	boolean managementServesOnlyActuator() {
		return true;
	}

	/** @return configurations added to the applications of the readiness tests */
	List<Class<?>> readinessSources() {
		return List.of();
	}

	ConfigurableApplicationContext start(String... properties) {
		return start(List.of(), List.of(), properties);
	}

	ConfigurableApplicationContext start(List<Class<?>> sources, List<ApplicationListener<?>> listeners,
			String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "spring.main.banner-mode=off",
				"spring.autoconfigure.exclude=" + excludedAutoConfigurations(),
				"management.endpoints.web.exposure.include=health,unixsockets,metrics",
				"management.endpoint.health.show-details=always"));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(application())
			.sources(sources.toArray(Class<?>[]::new))
			.listeners(listeners.toArray(ApplicationListener<?>[]::new))
			.web(webApplicationType())
			.properties(all.toArray(String[]::new))
			.run();
		this.contexts.add(context);
		return context;
	}

	@AfterEach
	void close() {
		this.contexts.forEach(ConfigurableApplicationContext::close);
	}

	static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	@Test
	void servesTheSocketBesideTcpAndGivesRequestsThePeer() throws Exception {
		Path socket = this.dir.resolve("http.sock");
		ConfigurableApplicationContext context = start("server.unix-socket.path=" + socket);
		Curl.Result overSocket = Curl.get(socket, "/peer");
		assertThat(overSocket.status()).isEqualTo(200);
		assertThat(overSocket.body()).isEqualTo("user=root, group=root");
		Curl.Result overTcp = Curl.getTcp("http://localhost:" + port(context) + "/peer");
		assertThat(overTcp.status()).isEqualTo(200);
		assertThat(overTcp.body()).isEqualTo(noPeer());
		assertThat(mode(socket)).isEqualTo("rw-------");
		UnixSocketServerView server = context.getBean(UnixSocketServers.class).get("http");
		assertThat(server).isInstanceOf(HttpUnixSocket.class);
		assertThat(server.state()).isEqualTo(ServerState.RUNNING);
		assertThat(server.isSocketFileOurs()).isTrue();
		assertThat(server.acceptedConnections()).isPositive();
		// Only the socket file and its lock beside it: the private bind directory is hidden.
		context.close();
		assertThat(socket).doesNotExist();
		assertThat(server.state()).isEqualTo(ServerState.STOPPED);
		try (var files = Files.list(this.dir)) {
			assertThat(files.map((file) -> file.getFileName().toString())).isEmpty();
		}
	}

	/**
	 * A socket is ready only when it is connectable: when its web server is reported
	 * started (the first thing anyone hears), and so when the application is.
	 */
	@Test
	void socketsAreConnectableWhenTheirWebServersAreReportedStarted() {
		Path socket = this.dir.resolve("ready.sock");
		Path management = this.dir.resolve("ready-actuator.sock");
		Readiness readiness = new Readiness(Map.of("", socket, "management", management));
		start(readinessSources(), List.of(readiness), "server.unix-socket.path=" + socket, "management.server.port=0",
				"management.server.unix-socket.path=" + management);
		assertThat(readiness.seen).containsExactlyInAnyOrder("server started: connectable",
				"management server started: connectable", "application ready, server: connectable",
				"application ready, management server: connectable");
	}

	@Test
	void socketOnlyIsConnectableWhenTheWebServerIsReportedStarted() {
		Path socket = this.dir.resolve("ready-only.sock");
		Readiness readiness = new Readiness(Map.of("", socket));
		start(readinessSources(), List.of(readiness), "server.unix-socket.path=" + socket,
				"server.unix-socket.tcp-enabled=false");
		assertThat(readiness.seen).containsExactlyInAnyOrder("server started: connectable",
				"application ready, server: connectable");
	}

	@Test
	void socketOnlyWithTcpDisabled() throws Exception {
		Path socket = this.dir.resolve("only.sock");
		ConfigurableApplicationContext context = start("server.unix-socket.path=" + socket,
				"server.unix-socket.tcp-enabled=false", "server.unix-socket.permissions=0660");
		assertThat(Curl.get(socket, "/peer").status()).isEqualTo(200);
		assertThat(port(context)).isLessThanOrEqualTo(0);
		assertThat(mode(socket)).isEqualTo("rw-rw----");
	}

	@Test
	void actuatorOnTheManagementServersSocket() throws Exception {
		Path socket = this.dir.resolve("actuator.sock");
		ConfigurableApplicationContext context = start("management.server.port=0",
				"management.server.unix-socket.path=" + socket);
		Curl.Result health = Curl.get(socket, "/actuator/health");
		assertThat(health.status()).isEqualTo(200);
		assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"management\"");
		Curl.Result servers = Curl.get(socket, "/actuator/unixsockets/management");
		assertThat(servers.body()).contains("\"protocol\":\"http\"")
			.contains("\"permissions\":\"0600\"")
			.contains("\"socketFileOurs\":true")
			.contains("\"user\":\"root\"");
		assertThat(Curl.get(socket, "/actuator/metrics/unix.socket.connections.accepted?tag=server:management")
			.status()).isEqualTo(200);
		if (managementServesOnlyActuator()) {
			// The application itself is not on the socket.
			assertThat(Curl.get(socket, "/peer").status()).isEqualTo(404);
		}
		// Deleted file: DOWN, seen over the management server's TCP port.
		Files.delete(socket);
		int managementPort = Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
		Curl.Result down = Curl.getTcp("http://localhost:" + managementPort + "/actuator/health/unixSocket");
		assertThat(down.status()).isEqualTo(503);
		assertThat(down.body()).contains("socket file was deleted");
	}

	@Test
	void peerNotOnTheAllowListGetsNoHttpResponse() throws Exception {
		Curl.require(true);
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path socket = this.dir.resolve("allow.sock");
		ConfigurableApplicationContext context = start("server.unix-socket.path=" + socket,
				"server.unix-socket.permissions=0666", "server.unix-socket.peer.allowed-users=root");
		Curl.Result nobody = Curl.getAsNobody(socket, "/peer");
		assertThat(nobody.status()).isZero();
		assertThat(nobody.body()).isEmpty();
		// 52: empty reply; 56: reset (closed with the request unread); 7: closed before curl
		// had sent it; 55: closed while curl was sending it (seen on a loaded machine). The
		// server's count below shows it connected and was refused.
		assertThat(nobody.exitCode()).as("curl's exit code").isIn(7, 52, 55, 56);
		UnixSocketServerView server = context.getBean(UnixSocketServers.class).get("http");
		assertThat(server.rejectedConnections(RejectReason.UNAUTHORIZED)).isEqualTo(1);
		assertThat(Curl.get(socket, "/peer").body()).isEqualTo("user=root, group=root");
	}

	/**
	 * Slow clients of another user hold every connection the limit allows: one more is
	 * closed before the web server reads a byte and counted; once they leave, new clients
	 * are served again.
	 */
	@Test
	void connectionsBeyondMaxConnectionsAreClosedAndCounted() throws Exception {
		OtherUser.require("curl", "nc");
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path socket = this.dir.resolve("limit.sock");
		ConfigurableApplicationContext context = start("server.unix-socket.path=" + socket,
				"server.unix-socket.permissions=0666", "server.unix-socket.max-connections=3");
		UnixSocketServerView server = context.getBean(UnixSocketServers.class).get("http");
		assertThat(((HttpUnixSocket) server).maxConnections()).isEqualTo(3);
		List<Process> slow = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				// Connected, sending nothing, for as long as its input stays open.
				slow.add(new ProcessBuilder("setpriv", "--reuid=" + OtherUser.USER, "--regid=" + OtherUser.GROUP,
						"--clear-groups", "nc", "-U", socket.toString())
					.redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.redirectError(ProcessBuilder.Redirect.DISCARD)
					.start());
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> server.openConnections() == 3);
			for (int i = 0; i < 2; i++) {
				try (SocketChannel extra = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
					assertThat(closedByServer(extra)).as("connection over the limit closed by the server").isTrue();
				}
			}
			Curl.Result refused = Curl.get(socket, "/peer");
			assertThat(refused.status()).isZero();
			await().atMost(Duration.ofSeconds(10))
				.until(() -> server.rejectedConnections(RejectReason.MAX_CONNECTIONS) == 3);
			assertThat(server.rejectedConnections()).isEqualTo(3);
			assertThat(server.openConnections()).isEqualTo(3);
			Curl.Result endpoint = Curl.getTcp("http://localhost:" + port(context) + "/actuator/unixsockets/http");
			assertThat(endpoint.body()).contains("\"rejectedConnections\":3").contains("\"max-connections\":3");
		}
		finally {
			for (Process process : slow) {
				process.destroy();
				process.waitFor();
			}
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> server.openConnections() == 0);
		Curl.Result served = Curl.get(socket, "/peer");
		assertThat(served.status()).isEqualTo(200);
		assertThat(server.rejectedConnections(RejectReason.MAX_CONNECTIONS)).isEqualTo(3);
	}

	/** @return whether the server closed the connection within 10s, without a byte of response */
	private static boolean closedByServer(SocketChannel channel) throws IOException {
		channel.configureBlocking(false);
		ByteBuffer buffer = ByteBuffer.allocate(64);
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (System.nanoTime() < deadline) {
			int read;
			try {
				read = channel.read(buffer);
			}
			catch (IOException ex) {
				// reset: closed as well
				return buffer.position() == 0;
			}
			if (read < 0) {
				return buffer.position() == 0;
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return false;
	}

	@Test
	void staleSocketIsReclaimed() throws Exception {
		Path socket = this.dir.resolve("stale.sock");
		// What kill -9 leaves behind: a socket file nobody listens on.
		try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			crashed.bind(UnixDomainSocketAddress.of(socket));
		}
		assertThat(socket).exists();
		start("server.unix-socket.path=" + socket);
		assertThat(Curl.get(socket, "/peer").status()).isEqualTo(200);
	}

	@Test
	void liveSocketIsNeverTaken() throws Exception {
		Path socket = this.dir.resolve("live.sock");
		try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			other.bind(UnixDomainSocketAddress.of(socket));
			assertThatThrownBy(() -> start("server.unix-socket.path=" + socket)).satisfies((ex) -> {
				UnixSocketConfigurationException cause = configurationFailure(ex);
				assertThat(cause.getMessage()).contains("in use").contains(socket.toString());
				assertThat(cause.getAction()).contains("'server.unix-socket.path'");
			});
			// Still the other process's socket, still answering.
			try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
				assertThat(client.isConnected()).isTrue();
			}
		}
	}

	@Test
	void pathNeverHasBroaderModeWhileTheServerStarts() throws Exception {
		Path socket = this.dir.resolve("race.sock");
		List<String> seen = new CopyOnWriteArrayList<>();
		AtomicBoolean polling = new AtomicBoolean(true);
		Thread poller = new Thread(() -> {
			while (polling.get()) {
				try {
					seen.add(mode(socket));
				}
				catch (IOException ex) {
					// not there yet
				}
			}
		});
		poller.start();
		try {
			start("server.unix-socket.path=" + socket);
			await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
		}
		finally {
			polling.set(false);
			poller.join();
		}
		assertThat(seen).isNotEmpty().allMatch("rw-------"::equals);
	}

	@Test
	void fileTakenOverByAnotherProcessIsNotRemovedOnStop() throws Exception {
		Path socket = this.dir.resolve("taken.sock");
		ConfigurableApplicationContext context = start("server.unix-socket.path=" + socket);
		Files.delete(socket);
		try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			other.bind(UnixDomainSocketAddress.of(socket));
			UnixSocketServerView server = context.getBean(UnixSocketServers.class).get("http");
			assertThat(server.isSocketFileOurs()).isFalse();
			context.close();
			assertThat(socket).exists();
			try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
				assertThat(client.isConnected()).isTrue();
			}
		}
	}

	/**
	 * Tries each socket when its web server is reported started ({@link WebServerInitializedEvent},
	 * which a child context's server, the management one, also publishes to the parent) and
	 * when the application is ready.
	 */
	static final class Readiness implements ApplicationListener<ApplicationEvent> {

		/** Counted down once the main web server's socket was tried: a test may hold a web server's thread until then. */
		static volatile CountDownLatch tried = new CountDownLatch(0);

		private final Map<String, Path> sockets;

		final List<String> seen = new CopyOnWriteArrayList<>();

		/** @param sockets by server namespace: "" for the application's web server, "management" */
		Readiness(Map<String, Path> sockets) {
			this.sockets = sockets;
			tried = new CountDownLatch(1);
		}

		@Override
		public void onApplicationEvent(ApplicationEvent event) {
			if (event instanceof WebServerInitializedEvent initialized) {
				String namespace = Objects.toString(initialized.getApplicationContext().getServerNamespace(), "");
				Path socket = this.sockets.get(namespace);
				if (socket != null) {
					this.seen.add(name(namespace) + " started: " + tryConnect(socket));
				}
				if (namespace.isEmpty()) {
					tried.countDown();
				}
			}
			else if (event instanceof ApplicationReadyEvent) {
				this.sockets.forEach((namespace, socket) -> this.seen
					.add("application ready, " + name(namespace) + ": " + tryConnect(socket)));
			}
		}

		private static String name(String namespace) {
			return namespace.isEmpty() ? "server" : namespace + " server";
		}

		private static String tryConnect(Path socket) {
			try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
				return "connectable";
			}
			catch (IOException ex) {
				return "not connectable (" + ex + ")";
			}
		}

	}

	static String mode(Path path) throws IOException {
		return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
	}

	static UnixSocketConfigurationException configurationFailure(Throwable ex) {
		Throwable cause = ex;
		while (cause != null && !(cause instanceof UnixSocketConfigurationException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as(() -> "no UnixSocketConfigurationException in "
				+ NestedExceptionUtils.getMostSpecificCause(ex)).isNotNull();
		return (UnixSocketConfigurationException) cause;
	}

	static Map<String, String> none() {
		return Map.of();
	}

}
