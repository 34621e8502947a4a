package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.AbstractUnixSocketServer.ServerBuilder;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.ConnectionCustomizer;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.EventLoopGroup;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.StreamConnection;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.TestClient;
import io.github.unixsocket.server.UnixSocketServerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class UnixSocketAutoConfigurationTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class));

	private String path(String name) {
		return "unix-socket.servers." + name + ".path=" + this.dir.resolve(name + ".sock");
	}

	@Test
	void startsAnnotatedHandlerBeansAndRemovesSocketsOnClose() throws Exception {
		Path echo = this.dir.resolve("echo.sock");
		Path upper = this.dir.resolve("upper.sock");
		this.runner.withUserConfiguration(EchoHandler.class, UpperHandlerConfiguration.class)
			.withPropertyValues(path("echo"), path("upper"), "unix-socket.servers.echo.permissions=rw-rw----")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				try (TestClient client = TestClient.connect(echo)) {
					assertThat(client.exchange("hello")).isEqualTo("hello");
				}
				try (TestClient client = TestClient.connect(upper)) {
					assertThat(client.exchange("hello")).isEqualTo("HELLO");
				}
				assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(echo))).isEqualTo("rw-rw----");
				assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(upper))).isEqualTo("rw-------");
				assertThat(context.getBean(UnixSocketServers.class).all()).extracting(UnixSocketServerView::name)
					.containsExactly("echo", "upper");
			});
		assertThat(echo).doesNotExist();
		assertThat(upper).doesNotExist();
	}

	@Test
	void handlerMayOmitTheNameWhenOneServerIsConfigured() throws Exception {
		this.runner.withUserConfiguration(UnnamedHandler.class).withPropertyValues(path("only")).run((context) -> {
			assertThat(context).hasNotFailed();
			try (TestClient client = TestClient.connect(this.dir.resolve("only.sock"))) {
				assertThat(client.exchange("x")).isEqualTo("x");
			}
		});
	}

	@Test
	void beanMethodAnnotationWinsOverTheReturnedClasssOwn() throws Exception {
		this.runner.withUserConfiguration(ReusedEchoConfiguration.class).withPropertyValues(path("other")).run((context) -> {
			assertThat(context).hasNotFailed();
			try (TestClient client = TestClient.connect(this.dir.resolve("other.sock"))) {
				assertThat(client.exchange("x")).isEqualTo("x");
			}
		});
	}

	@Test
	void unnamedHandlerWithTwoServersFails() {
		this.runner.withUserConfiguration(UnnamedHandler.class, EchoHandler.class)
			.withPropertyValues(path("echo"), path("other"))
			.run((context) -> assertThat(analysis(context).getDescription())
				.contains("does not name its server and 2 servers are configured"));
	}

	@Test
	void serverWithoutHandlerFails() {
		this.runner.withPropertyValues(path("lonely")).run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getDescription()).contains("Unix socket server 'lonely' has no handler");
			assertThat(analysis.getAction()).contains("@UnixSocketHandler(\"lonely\")")
				.contains("unix-socket.servers.lonely");
		});
	}

	@Test
	void twoHandlersForOneServerFail() {
		this.runner.withUserConfiguration(EchoHandler.class, SecondEchoHandlerConfiguration.class)
			.withPropertyValues(path("echo"))
			.run((context) -> assertThat(analysis(context).getDescription())
				.contains("Unix socket server 'echo' has two handlers"));
	}

	@Test
	void handlerNamingUnknownServerFails() {
		this.runner.withUserConfiguration(EchoHandler.class).withPropertyValues(path("other")).run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getDescription()).contains("bound to Unix socket server 'echo', which is not configured");
			assertThat(analysis.getAction()).contains("unix-socket.servers.echo.path");
		});
	}

	@Test
	void handlerOfWrongTypeFails() {
		this.runner.withUserConfiguration(NotAHandler.class).withPropertyValues(path("echo")).run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getDescription()).contains("does not implement");
			assertThat(analysis.getAction()).contains(ConnectionHandler.class.getName());
		});
	}

	@Test
	void invalidPropertiesFailNamingTheProperty() {
		assertInvalid("unix-socket.servers.echo.permissions=rwx", "unix-socket.servers.echo.permissions", "rwx");
		assertInvalid("unix-socket.servers.echo.permissions=0999", "unix-socket.servers.echo.permissions", "0999");
		assertInvalid("unix-socket.servers.echo.directory-permissions=abc",
				"unix-socket.servers.echo.directory-permissions", "abc");
		assertInvalid("unix-socket.servers.echo.directory-permissions=0770",
				"unix-socket.servers.echo.directory-permissions", "replace the socket");
		assertInvalid("unix-socket.servers.echo.directory-permissions=0757",
				"unix-socket.servers.echo.directory-permissions", "replace the socket");
		assertInvalid("unix-socket.servers.echo.dispatch=event-loop", "unix-socket.servers.echo.dispatch",
				"thread per connection");
		assertInvalid("unix-socket.servers.echo.workers=4", "unix-socket.servers.echo.workers", "thread per connection");
		assertInvalid("unix-socket.servers.echo.group=no-such-group-x", "unix-socket.servers.echo.group",
				"does not exist");
		assertInvalid("unix-socket.servers.echo.idle-timeout=-1s", "unix-socket.servers.echo.idle-timeout",
				"must not be negative");
		assertInvalid("unix-socket.servers.echo.max-connections=-5", "unix-socket.servers.echo.max-connections",
				"must not be negative");
		assertInvalid("unix-socket.servers.echo.receive-buffer-size=0", "unix-socket.servers.echo.receive-buffer-size",
				"between");
		assertInvalid("unix-socket.servers.echo.send-buffer-size=3GB", "unix-socket.servers.echo.send-buffer-size",
				"between 1B and 2GB");
		assertInvalid("unix-socket.servers.echo.peer.allowed-users=no-such-user-x",
				"unix-socket.servers.echo.peer.allowed-users", "does not exist");
		assertInvalid("unix-socket.servers.echo.peer.allowed-groups=no-such-group-x",
				"unix-socket.servers.echo.peer.allowed-groups", "does not exist");
		assertInvalid("unix-socket.servers.echo.path=" + this.dir.resolve("p".repeat(120)),
				"unix-socket.servers.echo.path", "bytes long");
	}

	private void assertInvalid(String property, String name, String problem) {
		this.runner.withUserConfiguration(EchoHandler.class)
			.withPropertyValues(path("echo"), property)
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).contains("'" + name + "'").contains(problem);
				assertThat(analysis.getAction()).contains(name);
			});
	}

	@Test
	void valueTheBuilderRejectsFailsNamingThePropertyTheValueAndTheFix() {
		this.runner.withUserConfiguration(EchoHandler.class)
			.withPropertyValues(path("echo"), "unix-socket.servers.echo.shutdown-timeout=-1s")
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).isEqualTo("Invalid value 'PT-1S' for property "
						+ "'unix-socket.servers.echo.shutdown-timeout': shutdownTimeout must not be negative");
				assertThat(analysis.getAction()).isEqualTo(
						"Update 'unix-socket.servers.echo.shutdown-timeout': use 0 to disable, or a duration like 30s");
				// The range is the engine builder's: its exception is the cause.
				Throwable rejected = analysis.getCause().getCause();
				assertThat(rejected).isInstanceOf(IllegalArgumentException.class);
				assertThat(rejected.getStackTrace()[0].getClassName())
					.isEqualTo(ServerBuilder.class.getName());
			});
	}

	@Test
	void invalidLimitsFailNamingTheProperty() {
		assertInvalid("unix-socket.servers.echo.message-timeout=-1s", "unix-socket.servers.echo.message-timeout",
				"must not be negative");
		assertInvalid("unix-socket.servers.echo.buffer-budget=0", "unix-socket.servers.echo.buffer-budget",
				"must be positive");
		this.runner.withUserConfiguration(LinesHandler.class)
			.withPropertyValues(path("echo"), "unix-socket.servers.echo.protocol=lines",
					"unix-socket.servers.echo.buffer-budget=512KB")
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription())
					.contains("Invalid value '524288B' for property 'unix-socket.servers.echo.buffer-budget'")
					.contains("smaller than max-message-size (1048576B)");
				assertThat(analysis.getAction()).contains("unix-socket.servers.echo.buffer-budget")
					.contains("unix-socket.servers.echo.max-message-size");
			});
		// The default budget (32MB) is checked too.
		this.runner.withUserConfiguration(LinesHandler.class)
			.withPropertyValues(path("echo"), "unix-socket.servers.echo.protocol=lines",
					"unix-socket.servers.echo.max-message-size=64MB")
			.run((context) -> assertThat(analysis(context).getDescription())
				.contains("'33554432B (the default)' for property 'unix-socket.servers.echo.buffer-budget'"));
	}

	@Test
	void limitsDefaultToSafeValues() {
		this.runner.withUserConfiguration(EchoHandler.class).withPropertyValues(path("echo")).run((context) -> {
			assertThat(context).hasNotFailed();
			StreamServer server = (StreamServer) context.getBean(UnixSocketServers.class).get("echo");
			assertThat(server.maxConnections()).isEqualTo(1000);
			assertThat(server.messageTimeout()).isEqualTo(Duration.ofSeconds(30));
			assertThat(server.bufferBudget().capacity()).isEqualTo(32L * 1024 * 1024);
			assertThat(server.idleTimeout()).isZero();
			assertThat(server.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
		});
	}

	@Test
	void limitsFromProperties() {
		this.runner.withUserConfiguration(EchoHandler.class)
			.withPropertyValues(path("echo"), "unix-socket.servers.echo.max-connections=0",
					"unix-socket.servers.echo.message-timeout=0", "unix-socket.servers.echo.buffer-budget=64MB")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				StreamServer server = (StreamServer) context.getBean(UnixSocketServers.class).get("echo");
				assertThat(server.maxConnections()).isZero();
				assertThat(server.messageTimeout()).isZero();
				assertThat(server.bufferBudget().capacity()).isEqualTo(64L * 1024 * 1024);
			});
	}

	@Test
	void missingPathFails() {
		this.runner.withUserConfiguration(EchoHandler.class)
			.withPropertyValues("unix-socket.servers.echo.permissions=0600")
			.run((context) -> assertThat(analysis(context).getAction()).contains("unix-socket.servers.echo.path"));
	}

	@Test
	void liveSocketAtThePathFailsStartupAndSurvives() throws Exception {
		Path path = this.dir.resolve("echo.sock");
		try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			other.bind(UnixDomainSocketAddress.of(path));
			this.runner.withUserConfiguration(EchoHandler.class).withPropertyValues(path("echo")).run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).contains("'echo' could not start").contains("in use");
				assertThat(analysis.getAction()).contains("unix-socket.servers.echo.path");
			});
			assertThat(path).exists();
		}
	}

	@Test
	void backsOffWhenDisabled() {
		this.runner.withUserConfiguration(EchoHandler.class)
			.withPropertyValues(path("echo"), "unix-socket.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketServers.class);
				assertThat(this.dir.resolve("echo.sock")).doesNotExist();
			});
	}

	@Test
	void backsOffWhenUserDefinesServers() {
		this.runner.withUserConfiguration(CustomServersConfiguration.class)
			.withPropertyValues(path("echo"))
			.run((context) -> assertThat(context).hasNotFailed()
				.getBean(UnixSocketServers.class)
				.isSameAs(context.getBean(CustomServersConfiguration.class).servers));
	}

	@Test
	void appliesServerAndConnectionCustomizers() throws Exception {
		this.runner.withUserConfiguration(AttributeEchoConfiguration.class)
			.withPropertyValues(path("echo"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				StreamServer server = (StreamServer) context.getBean(UnixSocketServers.class).get("echo");
				assertThat(server.maxConnections()).isEqualTo(7);
				try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
					assertThat(client.read(10)).isEqualTo("customized");
				}
			});
	}

	@Test
	void usesVirtualThreadsWhenEnabledOnJava21() throws Exception {
		CompletableFuture<Boolean> virtual = new CompletableFuture<>();
		ThreadReportingHandler.result = virtual;
		this.runner.withUserConfiguration(ThreadReportingHandler.class)
			.withPropertyValues(path("echo"), "spring.threads.virtual.enabled=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
					client.write("x");
					assertThat(virtual.get(5, TimeUnit.SECONDS)).isEqualTo(Runtime.version().feature() >= 21);
				}
			});
	}

	@Test
	void usesPlatformThreadsByDefault() throws Exception {
		CompletableFuture<Boolean> virtual = new CompletableFuture<>();
		ThreadReportingHandler.result = virtual;
		this.runner.withUserConfiguration(ThreadReportingHandler.class).withPropertyValues(path("echo")).run((context) -> {
			try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
				client.write("x");
				assertThat(virtual.get(5, TimeUnit.SECONDS)).isFalse();
			}
		});
	}

	@Test
	void drainsOnContextCloseLettingAnExchangeFinish() throws Exception {
		Path path = this.dir.resolve("echo.sock");
		this.runner.withUserConfiguration(EchoHandler.class).withPropertyValues(path("echo")).run((context) -> {
			TestClient client = TestClient.connect(path);
			assertThat(client.exchange("a")).isEqualTo("a");
			CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
			// The file goes at once; the open connection may still finish its exchange.
			while (Files.exists(path)) {
				Thread.sleep(5);
			}
			assertThat(client.exchange("b")).isEqualTo("b");
			client.close();
			closing.get(20, TimeUnit.SECONDS);
		});
	}

	private static FailureAnalysis analysis(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		FailureAnalysis analysis = new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
		assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
		return analysis;
	}

	@UnixSocketHandler("echo")
	static class EchoHandler implements ConnectionHandler {

		@Override
		public void handle(StreamConnection connection) throws IOException {
			connection.inputStream().transferTo(connection.outputStream());
		}

	}

	@UnixSocketHandler
	static class UnnamedHandler extends EchoHandler {

	}

	@UnixSocketHandler("echo")
	static class LinesHandler implements MessageHandler {

		@Override
		public byte[] handle(Connection connection, byte[] message) {
			return message;
		}

	}

	@UnixSocketHandler("echo")
	static class NotAHandler {

	}

	@Configuration(proxyBeanMethods = false)
	static class UpperHandlerConfiguration {

		@Bean
		@UnixSocketHandler(server = "upper")
		ConnectionHandler upperHandler() {
			return (connection) -> {
				byte[] buffer = new byte[256];
				int n;
				while ((n = connection.inputStream().read(buffer)) > 0) {
					connection.outputStream()
						.write(new String(buffer, 0, n, StandardCharsets.UTF_8).toUpperCase()
							.getBytes(StandardCharsets.UTF_8));
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ReusedEchoConfiguration {

		@Bean
		@UnixSocketHandler("other")
		EchoHandler reusedEcho() {
			return new EchoHandler();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SecondEchoHandlerConfiguration {

		@Bean
		@UnixSocketHandler("echo")
		ConnectionHandler secondEcho() {
			return (connection) -> {
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Import(EchoHandler.class)
	static class CustomServersConfiguration {

		final UnixSocketServers servers = new UnixSocketServers(new UnixSocketProperties(), (name) -> null, EventLoopGroup.shared(), InheritedSockets.none(),
				new org.springframework.beans.factory.support.DefaultListableBeanFactory(), java.util.List.of(),
				java.util.List.of(), java.util.List.of());

		@Bean
		UnixSocketServers customServers() {
			return this.servers;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AttributeEchoConfiguration {

		@Bean
		@UnixSocketHandler
		ConnectionHandler attributeWriter() {
			return (connection) -> connection.outputStream()
				.write(((String) connection.attributes().get("greeting")).getBytes(StandardCharsets.UTF_8));
		}

		@Bean
		ConnectionCustomizer greetingCustomizer() {
			return (connection) -> connection.attributes().put("greeting", "customized");
		}

		@Bean
		UnixSocketServerCustomizer<StreamServer.Builder> maxConnectionsCustomizer() {
			return (name, builder) -> builder.maxConnections(7);
		}

	}

	@UnixSocketHandler
	static class ThreadReportingHandler implements ConnectionHandler {

		static volatile CompletableFuture<Boolean> result;

		@Override
		public void handle(StreamConnection connection) throws Exception {
			connection.inputStream().read();
			result.complete(isVirtual(Thread.currentThread()));
		}

		private static boolean isVirtual(Thread thread) {
			try {
				Method isVirtual = Thread.class.getMethod("isVirtual");
				return (boolean) isVirtual.invoke(thread);
			}
			catch (ReflectiveOperationException ex) {
				return false;
			}
		}

	}

}
