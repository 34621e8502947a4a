package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.AbstractUnixSocketServer.ServerBuilder;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.Datagram;
import io.github.unixsocket.server.DatagramHandler;
import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.ServerListener;
import io.github.unixsocket.server.ServerType;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.TestClient;
import io.github.unixsocket.server.UnixSocketServer;
import io.github.unixsocket.server.UnixSocketServerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(120)
class UnixSocketDatagramAutoConfigurationTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class));

	private String[] datagram(String name, String... more) {
		List<String> properties = new ArrayList<>(List.of("unix-socket.servers." + name + ".type=datagram",
				"unix-socket.servers." + name + ".path=" + this.dir.resolve(name + ".sock")));
		properties.addAll(List.of(more));
		return properties.toArray(String[]::new);
	}

	@Test
	void datagramServerFromPropertiesRepliesAndRemovesItsFileOnClose() throws Exception {
		Path events = this.dir.resolve("events.sock");
		this.runner.withUserConfiguration(CountingHandler.class, EchoStreamHandler.class)
			.withPropertyValues(datagram("events", "unix-socket.servers.events.permissions=0660"))
			.withPropertyValues("unix-socket.servers.echo.path=" + this.dir.resolve("echo.sock"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				UnixSocketServers servers = context.getBean(UnixSocketServers.class);
				assertThat(servers.all()).extracting(UnixSocketServerView::type)
					.containsExactly(ServerType.DATAGRAM, ServerType.STREAM);
				assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(events))).isEqualTo("rw-rw----");
				try (AFUNIXDatagramChannel client = AFUNIXDatagramChannel.open()) {
					client.bind(AFUNIXSocketAddress.of(this.dir.resolve("client.sock")));
					assertThat(exchange(client, AFUNIXSocketAddress.of(events), "one")).isEqualTo("ok 1");
					assertThat(exchange(client, AFUNIXSocketAddress.of(events), "two")).isEqualTo("ok 2");
				}
				try (TestClient client = TestClient.connect(this.dir.resolve("echo.sock"))) {
					assertThat(client.exchange("stream")).isEqualTo("stream");
				}
				DatagramServer server = (DatagramServer) servers.get("events");
				assertThat(server.datagramsReceived()).isEqualTo(2);
				assertThat(server.maxMessageSize()).isEqualTo(DatagramServer.DEFAULT_MAX_MESSAGE_SIZE);
				assertThat(server.dispatch()).isEqualTo(DatagramServer.Dispatch.RECEIVER);
				assertThat(server.workers()).isEqualTo(2);
				assertThat(server.queueCapacity()).isEqualTo(1024);
				assertThat(server.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
			});
		assertThat(events).doesNotExist();
	}

	@Test
	void mapsDatagramPropertiesAndAppliesDatagramCustomizersAndListeners() {
		CompletableFuture<String> started = new CompletableFuture<>();
		List<String> customized = new CopyOnWriteArrayList<>();
		this.runner.withUserConfiguration(CountingHandler.class)
			.withBean("datagramCustomizer", UnixSocketServerCustomizer.class,
					() -> (UnixSocketServerCustomizer<DatagramServer.Builder>) (name, builder) -> builder
						.maxMessageSize(name.length()))
			.withBean("streamCustomizer", UnixSocketServerCustomizer.class,
					() -> (UnixSocketServerCustomizer<StreamServer.Builder>) (name, builder) -> customized
						.add("stream " + name + " " + builder.getClass().getSimpleName()))
			.withBean("anyCustomizer", UnixSocketServerCustomizer.class,
					() -> (UnixSocketServerCustomizer<ServerBuilder<?>>) (name, builder) -> customized
						.add("any " + name + " " + builder.getClass().getSimpleName()))
			.withBean(ServerListener.class, () -> new ServerListener() {
				@Override
				public void serverStarted(UnixSocketServer server) {
					started.complete(server.name() + " " + server.type());
				}
			})
			.withPropertyValues(datagram("events", "unix-socket.servers.events.max-message-size=1KB",
					"unix-socket.servers.events.datagram.dispatch=workers",
					"unix-socket.servers.events.datagram.workers=3",
					"unix-socket.servers.events.datagram.queue-capacity=10"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				DatagramServer server = (DatagramServer) context.getBean(UnixSocketServers.class).get("events");
				assertThat(server.dispatch()).isEqualTo(DatagramServer.Dispatch.WORKERS);
				assertThat(server.workers()).isEqualTo(3);
				assertThat(server.queueCapacity()).isEqualTo(10);
				assertThat(server.maxMessageSize()).isEqualTo(6);
				assertThat(customized).containsExactly("any events Builder");
				assertThat(started.get(10, TimeUnit.SECONDS)).isEqualTo("events DATAGRAM");
			});
	}

	@Test
	void invalidDatagramPropertiesFailNamingTheProperty() {
		assertInvalid("unix-socket.servers.events.protocol=commands", "unix-socket.servers.events.protocol",
				"datagram servers hand each datagram");
		assertInvalid("unix-socket.servers.events.idle-timeout=5m", "unix-socket.servers.events.idle-timeout",
				"does not apply to datagram servers");
		assertInvalid("unix-socket.servers.events.max-connections=5", "unix-socket.servers.events.max-connections",
				"does not apply to datagram servers");
		assertInvalid("unix-socket.servers.events.max-connections=0", "unix-socket.servers.events.max-connections",
				"does not apply to datagram servers");
		assertInvalid("unix-socket.servers.events.message-timeout=5s", "unix-socket.servers.events.message-timeout",
				"does not apply to datagram servers");
		assertInvalid("unix-socket.servers.events.buffer-budget=1MB", "unix-socket.servers.events.buffer-budget",
				"does not apply to datagram servers");
		assertInvalid("unix-socket.servers.events.peer.allowed-users=root", "unix-socket.servers.events.peer",
				"does not apply to datagram servers");
		assertInvalid("unix-socket.servers.events.max-message-size=0", "unix-socket.servers.events.max-message-size",
				"between");
		assertInvalid("unix-socket.servers.events.max-message-size=1GB",
				"unix-socket.servers.events.max-message-size", "between");
		assertInvalid("unix-socket.servers.events.datagram.workers=0", "unix-socket.servers.events.datagram.workers",
				"must be positive");
		assertInvalid("unix-socket.servers.events.datagram.queue-capacity=0",
				"unix-socket.servers.events.datagram.queue-capacity", "must be positive");
		assertInvalid("unix-socket.servers.events.permissions=rwx", "unix-socket.servers.events.permissions", "rwx");
	}

	private void assertInvalid(String property, String name, String problem) {
		this.runner.withUserConfiguration(CountingHandler.class)
			.withPropertyValues(datagram("events", property))
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).contains("'" + name + "'").contains(problem);
				assertThat(analysis.getAction()).contains(name);
			});
	}

	@Test
	void connectionHandlerOnADatagramServerFails() {
		this.runner.withUserConfiguration(EchoStreamHandler.class)
			.withPropertyValues(datagram("echo"))
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).contains("does not implement " + DatagramHandler.class.getName());
				assertThat(analysis.getAction()).contains("unix-socket.servers.echo.type");
			});
	}

	@Test
	void liveDatagramSocketAtThePathFailsStartupAndSurvives() throws Exception {
		Path path = this.dir.resolve("events.sock");
		try (AFUNIXDatagramChannel other = AFUNIXDatagramChannel.open()) {
			other.bind(AFUNIXSocketAddress.of(path));
			this.runner.withUserConfiguration(CountingHandler.class).withPropertyValues(datagram("events")).run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).contains("'events' could not start").contains("in use");
				assertThat(analysis.getAction()).contains("unix-socket.servers.events.path");
			});
			assertThat(path).exists();
		}
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void abstractStreamAndDatagramServersRoundTripOnPlatformThreads() throws Exception {
		String id = UUID.randomUUID().toString();
		CompletableFuture<Boolean> virtual = new CompletableFuture<>();
		ThreadReportingHandler.result = virtual;
		this.runner.withUserConfiguration(CountingHandler.class, ThreadReportingHandler.class)
			.withPropertyValues("unix-socket.servers.events.type=datagram",
					"unix-socket.servers.events.path=@events-" + id, "unix-socket.servers.echo.path=@echo-" + id,
					"spring.threads.virtual.enabled=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(UnixSocketServers.class).get("echo").address()).isEqualTo("@echo-" + id);
				try (AFUNIXDatagramChannel client = AFUNIXDatagramChannel.open()) {
					// Replies go to file senders only: an abstract sender's exact name is not known.
					client.bind(AFUNIXSocketAddress.of(this.dir.resolve("client.sock")));
					assertThat(exchange(client, AFUNIXSocketAddress.inAbstractNamespace("events-" + id), "x"))
						.isEqualTo("ok 1");
				}
				try (AFUNIXSocketChannel client = AFUNIXSocketChannel
					.open(AFUNIXSocketAddress.inAbstractNamespace("echo-" + id))) {
					client.write(ByteBuffer.wrap(new byte[] { 'x' }));
					assertThat(virtual.get(10, TimeUnit.SECONDS)).isFalse();
				}
			});
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void abstractNameHeldByAnotherSocketFailsStartupSayingSo() throws Exception {
		String id = UUID.randomUUID().toString();
		try (AFUNIXServerSocketChannel stream = AFUNIXServerSocketChannel.open();
				AFUNIXDatagramChannel datagram = AFUNIXDatagramChannel.open()) {
			// as another process would: the kernel knows no difference
			stream.bind(AFUNIXSocketAddress.inAbstractNamespace("echo-" + id));
			datagram.bind(AFUNIXSocketAddress.inAbstractNamespace("events-" + id));
			this.runner.withUserConfiguration(EchoStreamHandler.class)
				.withPropertyValues("unix-socket.servers.echo.path=@echo-" + id)
				.run((context) -> assertTakenName(analysis(context), "echo", "@echo-" + id));
			this.runner.withUserConfiguration(CountingHandler.class)
				.withPropertyValues("unix-socket.servers.events.type=datagram",
						"unix-socket.servers.events.path=@events-" + id)
				.run((context) -> assertTakenName(analysis(context), "events", "@events-" + id));
		}
	}

	private static void assertTakenName(FailureAnalysis analysis, String server, String address) {
		assertThat(analysis.getDescription()).startsWith("Unix socket server '" + server + "' could not start")
			.contains("abstract address " + address + " is already in use by another process")
			.doesNotContainIgnoringCase("director");
		assertThat(analysis.getAction()).contains("Stop the process that holds " + address)
			.contains("ss -xap")
			.contains("'unix-socket.servers." + server + ".path' another abstract name")
			.doesNotContainIgnoringCase("director")
			.doesNotContainIgnoringCase("permission");
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void twoServersOnOneAbstractNameFailStartupNamingBoth() {
		String address = "@shared-" + UUID.randomUUID();
		this.runner.withUserConfiguration(EchoStreamHandler.class, SecondEchoStreamHandler.class)
			.withPropertyValues("unix-socket.servers.echo.path=" + address, "unix-socket.servers.second.path=" + address)
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).matches(
						"Unix socket servers '(echo|second)' and '(echo|second)' both use abstract address " + address);
				assertThat(analysis.getAction()).contains("its own abstract name");
			});
	}

	@Test
	void withoutTheNativeLibraryDatagramServersFailClearlyAndFileStreamServersWork() throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
				"-Dorg.newsclub.net.unix.library.disable=true", NativeLibraryDisabledCheck.class.getName(),
				this.dir.toString())
			.redirectErrorStream(true)
			.start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(output).contains("DATAGRAM-FAILED Unix socket server 'events'")
			.contains("needs junixsocket's native library")
			.contains("org.newsclub.net.unix.library.tmpdir")
			.contains("ABSTRACT-FAILED")
			.contains("STREAM-OK hello");
	}

	private static String exchange(AFUNIXDatagramChannel client, AFUNIXSocketAddress server, String text)
			throws IOException {
		client.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), server);
		ByteBuffer reply = ByteBuffer.allocate(1024);
		client.receive(reply);
		return new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8);
	}

	static FailureAnalysis analysis(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		FailureAnalysis analysis = new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
		assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
		return analysis;
	}

	@UnixSocketHandler("events")
	static class CountingHandler implements DatagramHandler {

		private final AtomicLong count = new AtomicLong();

		@Override
		public void handle(Datagram datagram) {
			datagram.reply("ok " + this.count.incrementAndGet());
		}

	}

	@UnixSocketHandler("echo")
	static class EchoStreamHandler implements ConnectionHandler {

		@Override
		public void handle(io.github.unixsocket.server.StreamConnection connection) throws IOException {
			connection.inputStream().transferTo(connection.outputStream());
		}

	}

	@UnixSocketHandler("second")
	static class SecondEchoStreamHandler extends EchoStreamHandler {

	}

	@Configuration(proxyBeanMethods = false)
	static class ThreadReportingHandler {

		static CompletableFuture<Boolean> result;

		@Bean
		@UnixSocketHandler("echo")
		ConnectionHandler threadReporter() {
			return (connection) -> {
				connection.inputStream().read();
				result.complete(isVirtual(Thread.currentThread()));
			};
		}

		private static boolean isVirtual(Thread thread) {
			try {
				return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
			}
			catch (ReflectiveOperationException ex) {
				return false;
			}
		}

	}

	/** Runs in a JVM where junixsocket may not load its native library. */
	static final class NativeLibraryDisabledCheck {

		public static void main(String[] args) {
			Path dir = Path.of(args[0]);
			ApplicationContextRunner runner = new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class));
			runner.withUserConfiguration(CountingHandler.class)
				.withPropertyValues("unix-socket.servers.events.type=datagram",
						"unix-socket.servers.events.path=" + dir.resolve("events.sock"))
				.run((context) -> {
					FailureAnalysis analysis = new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
					System.out.println("DATAGRAM-FAILED " + analysis.getDescription() + " / " + analysis.getAction());
				});
			runner.withUserConfiguration(EchoStreamHandler.class)
				.withPropertyValues("unix-socket.servers.echo.path=@echo-" + UUID.randomUUID())
				.run((context) -> {
					FailureAnalysis analysis = new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
					System.out.println("ABSTRACT-FAILED " + analysis.getDescription());
				});
			runner.withUserConfiguration(EchoStreamHandler.class)
				.withPropertyValues("unix-socket.servers.echo.path=" + dir.resolve("echo.sock"))
				.run((context) -> {
					try (TestClient client = TestClient.connect(dir.resolve("echo.sock"))) {
						System.out.println("STREAM-OK " + client.exchange("hello"));
					}
				});
		}

	}

}
