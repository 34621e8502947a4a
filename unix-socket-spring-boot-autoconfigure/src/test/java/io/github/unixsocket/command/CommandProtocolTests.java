package io.github.unixsocket.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketConfigurationException;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.client.CommandReply;
import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.TestClient;
import io.github.unixsocket.server.UnixSocketServerView;
import io.github.unixsocket.server.peer.PeerCredentials;
import org.aopalliance.intercept.MethodInterceptor;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The command protocol and framed protocols, configured from properties, over real sockets. */
@Timeout(120)
class CommandProtocolTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class));

	private Path socket() {
		return this.dir.resolve("commands.sock");
	}

	private ApplicationContextRunner commands(String... properties) {
		return this.runner.withUserConfiguration(TestCommands.class)
			.withPropertyValues("unix-socket.servers.commands.path=" + socket(),
					"unix-socket.servers.commands.protocol=commands")
			.withPropertyValues(properties);
	}

	@Test
	void goldenTranscript() throws Exception {
		Transcript transcript = Transcript.load("/transcripts/commands.txt");
		assertThat(transcript.size()).isGreaterThan(35);
		commands().run((context) -> {
			assertThat(context).hasNotFailed();
			transcript.play(socket());
		});
	}

	@Test
	void aRequestThatIsNotUtf8OrAReplyThatCannotBeWrittenIsAnErrorAndTheConnectionGoesOn() throws Exception {
		commands().run((context) -> {
			try (SocketChannel channel = connect()) {
				BufferedReader replies = reader(channel);
				channel.write(ByteBuffer.wrap(new byte[] { 'p', (byte) 0xff, 'n', 'g', '\n' }));
				assertThat(replies.readLine()).isEqualTo("{\"status\":\"error\",\"error\":\"request is not valid UTF-8\"}");
				send(channel, "{\"id\": 3, \"command\": \"unwritable\"}\n");
				assertThat(replies.readLine()).isEqualTo("{\"id\":3,\"status\":\"error\",\"error\":"
						+ "\"the reply could not be written as JSON (the server's log says why)\"}");
				send(channel, "ping\n");
				assertThat(replies.readLine()).isEqualTo("{\"status\":\"ok\",\"payload\":\"pong\"}");
			}
		});
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void onAnAbstractAddressEveryConnectionItsClientsClosedIsClosed() throws Exception {
		// junixsocket's channels: once every connection a client closed stayed open, and the
		// server refused everyone after max-connections of them.
		String name = "unix-socket-test-" + UUID.randomUUID();
		AFUNIXSocketAddress address = AFUNIXSocketAddress.inAbstractNamespace(name);
		commands("unix-socket.servers.commands.path=@" + name, "unix-socket.servers.commands.max-connections=20")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				UnixSocketServerView server = context.getBean(UnixSocketServers.class).get("commands");
				for (int i = 0; i < 100; i++) {
					try (AFUNIXSocketChannel client = AFUNIXSocketChannel.open(address)) {
						if (i % 2 == 0) {
							send(client, "{\"id\": " + i + ", \"command\": \"echo\", \"args\": {\"text\": \"x\"}}\n");
							assertThat(reader(client).readLine()).isEqualTo("{\"id\":" + i + ",\"status\":\"ok\",\"payload\":\"x\"}");
						}
					}
				}
				await().atMost(Duration.ofSeconds(30)).until(() -> server.openConnections() == 0);
				assertThat(server.rejectedConnections()).isZero();
				try (AFUNIXSocketChannel fresh = AFUNIXSocketChannel.open(address)) {
					send(fresh, "ping\n");
					assertThat(reader(fresh).readLine()).isEqualTo("{\"status\":\"ok\",\"payload\":\"pong\"}");
				}
			});
	}

	@Test
	void requestLinesAreLimitedTo64KBByDefault() throws Exception {
		commands().run((context) -> {
			try (SocketChannel channel = connect()) {
				BufferedReader replies = reader(channel);
				// 64KB is still a request (an unknown command); one byte more is not.
				send(channel, "x".repeat(64 * 1024) + "\n");
				assertThat(replies.readLine()).startsWith("{\"status\":\"error\",\"error\":\"unknown command");
				send(channel, "x".repeat(64 * 1024 + 1) + "\n");
				assertThat(replies.readLine()).isEqualTo(
						"{\"status\":\"error\",\"error\":\"request longer than 65536 bytes; closing the connection\"}");
				assertThat(endOfStreamOrReset(replies)).isTrue();
			}
		});
	}

	@Test
	void lineOverTheLimitGetsAnErrorThenTheConnectionIsClosedAndTheServerGoesOn() throws Exception {
		commands("unix-socket.servers.commands.max-message-size=1MB").run((context) -> {
			try (SocketChannel channel = connect()) {
				BufferedReader replies = reader(channel);
				send(channel, "ping\n");
				assertThat(replies.readLine()).isEqualTo("{\"status\":\"ok\",\"payload\":\"pong\"}");
				byte[] line = new byte[2 * 1024 * 1024 + 1];
				Arrays.fill(line, (byte) 'x');
				line[line.length - 1] = '\n';
				// The server stops reading at the limit, so the rest of the write may fail.
				CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
					try {
						send(channel, new String(line, StandardCharsets.US_ASCII));
					}
					catch (IOException ex) {
						// expected once the server has closed
					}
				});
				assertThat(replies.readLine()).isEqualTo(
						"{\"status\":\"error\",\"error\":\"request longer than 1048576 bytes; closing the connection\"}");
				assertThat(endOfStreamOrReset(replies)).isTrue();
				channel.close();
				writer.get(30, TimeUnit.SECONDS);
			}
			try (UnixSocketClient client = UnixSocketClient.connect(socket())) {
				assertThat(client.send("ping", Map.of()).payload(String.class)).isEqualTo("pong");
			}
		});
	}

	@Test
	void pipelinedRequestsAreAnsweredInOrder() throws Exception {
		commands().run((context) -> {
			try (SocketChannel channel = connect()) {
				StringBuilder requests = new StringBuilder();
				for (int i = 1; i <= 20; i++) {
					requests.append((i % 2 == 0) ? "{\"id\": " + i + ", \"command\": \"echo\", \"args\": {\"text\": \"m"
							+ i + "\"}}\n" : "{\"id\": " + i + ", \"command\": \"add\", \"args\": {\"a\": " + i
									+ ", \"b\": 1000}}\n");
				}
				send(channel, requests.toString());
				BufferedReader replies = reader(channel);
				for (int i = 1; i <= 20; i++) {
					String payload = (i % 2 == 0) ? "\"m" + i + "\"" : String.valueOf(i + 1000);
					assertThat(replies.readLine()).isEqualTo("{\"id\":" + i + ",\"status\":\"ok\",\"payload\":" + payload + "}");
				}
			}
		});
	}

	@Test
	void concurrentClientsEachGetTheirOwnReplies() throws Exception {
		commands().run((context) -> {
			ExecutorService pool = Executors.newFixedThreadPool(16);
			try {
				List<Future<?>> results = new ArrayList<>();
				for (int c = 0; c < 16; c++) {
					int clientNumber = c;
					results.add(pool.submit(() -> {
						try (UnixSocketClient client = UnixSocketClient.connect(socket())) {
							for (int i = 0; i < 50; i++) {
								String text = "client " + clientNumber + " message " + i;
								CommandReply reply = client.send("echo", Map.of("text", text));
								assertThat(reply.isOk()).isTrue();
								assertThat(reply.payload(String.class)).isEqualTo(text);
							}
						}
						return null;
					}));
				}
				for (Future<?> result : results) {
					result.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				pool.shutdownNow();
			}
		});
	}

	@Test
	void usesTheApplicationsJsonMapperButAlwaysOneLinePerReply() throws Exception {
		commands("spring.jackson.property-naming-strategy=SNAKE_CASE",
				"spring.jackson.serialization.indent-output=true")
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
			.run((context) -> {
				try (UnixSocketClient client = UnixSocketClient.connect(socket())) {
					assertThat(client.sendLine("stats"))
						.isEqualTo("{\"status\":\"ok\",\"payload\":{\"request_count\":3,\"last_command\":\"stats\"}}");
				}
			});
	}

	@Test
	void commandMethodsOfAProxiedBeanAreInvokedThroughTheProxy() throws Exception {
		this.runner.withUserConfiguration(ProxiedCommands.class)
			.withPropertyValues("unix-socket.servers.commands.path=" + socket(),
					"unix-socket.servers.commands.protocol=commands")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				try (UnixSocketClient client = UnixSocketClient.connect(socket())) {
					assertThat(client.send("echo", Map.of("text", "via proxy")).payload(String.class))
						.isEqualTo("via proxy");
				}
				assertThat(context.getBean(ProxiedCommands.class).advised).hasValue(1);
			});
	}

	@Test
	void interceptorsWrapEveryInvocationInOrder() throws Exception {
		commands().withUserConfiguration(Interceptors.class).run((context) -> {
			try (UnixSocketClient client = UnixSocketClient.connect(socket())) {
				assertThat(client.send("echo", Map.of("text", "hi")).payload(String.class)).isEqualTo("hi!");
				assertThat(client.send("fail", Map.of()).error()).isEqualTo("boom");
				assertThat(client.send("echo", Map.of()).error()).isEqualTo("missing argument 'text'");
				assertThat(client.send("nope", Map.of()).isOk()).isFalse();
			}
			assertThat(context.getBean(Interceptors.class).seen).containsExactly("outer commands/echo",
					"inner commands/echo {text=hi}", "outer commands/fail", "inner commands/fail {}", "failed fail: boom",
					"outer commands/echo", "inner commands/echo {}", "failed echo: missing argument 'text'");
		});
	}

	@Test
	void duplicateCommandNamesFailAtStartup() {
		this.runner.withUserConfiguration(DuplicateCommands.class)
			.withPropertyValues("unix-socket.servers.commands.path=" + socket(),
					"unix-socket.servers.commands.protocol=commands")
			.run((context) -> assertThat(startupFailure(context).description()).contains("two commands named 'same'")
				.contains("DuplicateCommands.one()")
				.contains("DuplicateCommands.two()"));
		this.runner.withUserConfiguration(PingCommand.class)
			.withPropertyValues("unix-socket.servers.commands.path=" + socket(),
					"unix-socket.servers.commands.protocol=commands")
			.run((context) -> assertThat(startupFailure(context).description()).contains("two commands named 'ping'")
				.contains("built in"));
	}

	@Test
	void handlerOfTheWrongKindFailsNamingWhatToImplement() {
		this.runner.withUserConfiguration(TestCommands.class)
			.withPropertyValues("unix-socket.servers.commands.path=" + socket(),
					"unix-socket.servers.commands.protocol=lines")
			.run((context) -> {
				Failure failure = startupFailure(context);
				assertThat(failure.description()).contains("(protocol lines)")
					.contains("does not implement " + MessageHandler.class.getName());
				assertThat(failure.action()).contains("commands for @UnixSocketCommand methods");
			});
		this.runner.withUserConfiguration(UpperHandler.class)
			.withPropertyValues("unix-socket.servers.commands.path=" + socket(),
					"unix-socket.servers.commands.protocol=commands")
			.run((context) -> assertThat(startupFailure(context).description())
				.contains("has no @UnixSocketCommand methods"));
		this.runner.withUserConfiguration(UpperHandler.class)
			.withPropertyValues("unix-socket.servers.commands.path=" + socket())
			.run((context) -> assertThat(startupFailure(context).description())
				.contains("does not implement " + ConnectionHandler.class.getName()));
	}

	@Test
	void maxMessageSizeMustBePositive() {
		for (String size : new String[] { "0", "-1KB", "3GB" }) {
			commands("unix-socket.servers.commands.max-message-size=" + size).run((context) -> {
				Failure failure = startupFailure(context);
				assertThat(failure.description()).contains("unix-socket.servers.commands.max-message-size");
				assertThat(failure.action()).contains("64KB for commands");
			});
		}
	}

	@Test
	void commandsNeedJacksonAndSayHowToGetIt() {
		commands().withClassLoader(new FilteredClassLoader("tools.jackson")).run((context) -> {
			Failure failure = startupFailure(context);
			assertThat(failure.description()).contains("needs Jackson 3");
			assertThat(failure.action()).contains("spring-boot-starter-jackson");
		});
		this.runner.withUserConfiguration(UpperHandler.class)
			.withClassLoader(new FilteredClassLoader("tools.jackson"))
			.withPropertyValues("unix-socket.servers.upper.path=" + this.dir.resolve("upper.sock"),
					"unix-socket.servers.upper.protocol=lines")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void linesAndLengthPrefixedServersFromProperties() throws Exception {
		Path lines = this.dir.resolve("lines.sock");
		Path frames = this.dir.resolve("frames.sock");
		this.runner.withUserConfiguration(UpperConfiguration.class)
			.withPropertyValues("unix-socket.servers.lines.path=" + lines, "unix-socket.servers.lines.protocol=lines",
					"unix-socket.servers.lines.max-message-size=16B", "unix-socket.servers.frames.path=" + frames,
					"unix-socket.servers.frames.protocol=length-prefixed")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				try (UnixSocketClient client = UnixSocketClient.connect(lines)) {
					assertThat(client.sendLine("hello")).isEqualTo("HELLO");
				}
				try (TestClient client = TestClient.connect(lines)) {
					client.write("x".repeat(17) + "\n");
					assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
				}
				try (UnixSocketClient client = UnixSocketClient.connect(frames)) {
					assertThat(client.sendFrame("frame".getBytes(StandardCharsets.UTF_8)))
						.isEqualTo("FRAME".getBytes(StandardCharsets.UTF_8));
				}
			});
	}

	/** What the startup failure report shows: from either failure that carries an action. */
	private static Failure startupFailure(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		for (Throwable failure = context.getStartupFailure(); failure != null; failure = failure.getCause()) {
			if (failure instanceof UnixSocketConfigurationException configuration) {
				return new Failure(configuration.getMessage(), configuration.getAction());
			}
			if (failure instanceof CommandDefinitionException definition) {
				return new Failure(definition.getMessage(), definition.getAction());
			}
		}
		throw new AssertionError("no failure with an action in " + context.getStartupFailure());
	}

	private record Failure(String description, String action) {
	}

	/** The server closed with the client's bytes unread: the kernel may report that as a reset. */
	private static boolean endOfStreamOrReset(BufferedReader replies) {
		try {
			return replies.readLine() == null;
		}
		catch (IOException ex) {
			return true;
		}
	}

	private SocketChannel connect() throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		channel.connect(UnixDomainSocketAddress.of(socket()));
		return channel;
	}

	private static BufferedReader reader(SocketChannel channel) {
		return new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
	}

	private static void send(SocketChannel channel, String text) throws IOException {
		ByteBuffer buffer = StandardCharsets.UTF_8.encode(text);
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
	}

	record Stats(int requestCount, String lastCommand) {
	}

	static class Unwritable {

		public String getValue() {
			throw new IllegalStateException("no value");
		}

	}

	@UnixSocketHandler("commands")
	static class TestCommands {

		@UnixSocketCommand(name = "echo", description = "Replies with the text")
		String echo(String text) {
			return text;
		}

		@UnixSocketCommand(name = "add", description = "Adds a and b")
		int add(int a, Integer b) {
			return a + b;
		}

		@UnixSocketCommand(name = "greet", description = "Greets, optionally by name")
		String greet(Optional<String> name) {
			return "hello " + name.orElse("stranger");
		}

		@UnixSocketCommand(name = "stats", description = "A record payload")
		Stats stats() {
			return new Stats(3, "stats");
		}

		@UnixSocketCommand(name = "whoami", description = "The caller")
		String whoami(Connection connection, PeerCredentials peer) {
			String user = System.getProperty("user.name").equals(peer.user()) ? "me" : peer.user();
			return connection.serverName() + ", peer: " + user;
		}

		@UnixSocketCommand(name = "fail", description = "Always fails")
		void fail() {
			throw new IllegalStateException("boom");
		}

		@UnixSocketCommand(name = "unwritable", description = "A reply Jackson cannot write")
		Unwritable unwritable() {
			return new Unwritable();
		}

		@UnixSocketCommand(name = "refuse", description = "Refuses politely")
		void refuse(@Nullable String reason) {
			throw new CommandException((reason != null) ? reason : "not today");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Interceptors {

		final List<String> seen = new CopyOnWriteArrayList<>();

		@Bean
		@Order(1)
		CommandInterceptor outer() {
			return (invocation) -> {
				this.seen.add("outer " + invocation.serverName() + "/" + invocation.command());
				try {
					return invocation.proceed();
				}
				catch (Exception ex) {
					this.seen.add("failed " + invocation.command() + ": " + ex.getMessage());
					throw ex;
				}
			};
		}

		@Bean
		@Order(2)
		CommandInterceptor inner() {
			return (invocation) -> {
				this.seen.add("inner " + invocation.serverName() + "/" + invocation.command() + " " + invocation.args());
				Object result = invocation.proceed();
				return (result instanceof String text) ? text + "!" : result;
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProxiedCommands {

		final AtomicInteger advised = new AtomicInteger();

		@Bean
		@UnixSocketHandler("commands")
		Object proxiedCommands() {
			ProxyFactory factory = new ProxyFactory(new TestCommands());
			factory.setProxyTargetClass(true);
			factory.addAdvice((MethodInterceptor) (invocation) -> {
				this.advised.incrementAndGet();
				return invocation.proceed();
			});
			return factory.getProxy();
		}

	}

	@UnixSocketHandler("commands")
	static class DuplicateCommands {

		@UnixSocketCommand(name = "same")
		String one() {
			return "1";
		}

		@UnixSocketCommand(name = "same")
		String two() {
			return "2";
		}

	}

	@UnixSocketHandler("commands")
	static class PingCommand {

		@UnixSocketCommand(name = "ping")
		String ping() {
			return "mine";
		}

	}

	static class Upper implements MessageHandler {

		@Override
		public byte[] handle(Connection connection, byte[] message) {
			return new String(message, StandardCharsets.UTF_8).toUpperCase().getBytes(StandardCharsets.UTF_8);
		}

	}

	@UnixSocketHandler
	static class UpperHandler extends Upper {

	}

	@Configuration(proxyBeanMethods = false)
	static class UpperConfiguration {

		@Bean
		@UnixSocketHandler("lines")
		Upper linesHandler() {
			return new Upper();
		}

		@Bean
		@UnixSocketHandler("frames")
		Upper framesHandler() {
			return new Upper();
		}

	}

}
