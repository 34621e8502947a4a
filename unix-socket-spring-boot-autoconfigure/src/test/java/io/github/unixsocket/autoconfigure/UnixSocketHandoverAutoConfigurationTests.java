package io.github.unixsocket.autoconfigure;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.MessageHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of one application in one JVM, each its own context: the second takes the
 * first one's sockets while a client connects without pause.
 */
@Timeout(120)
@EnabledOnOs(OS.LINUX)
class UnixSocketHandoverAutoConfigurationTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(UnixSocketHandoverAutoConfiguration.class, UnixSocketAutoConfiguration.class))
		.withUserConfiguration(TaggedEcho.class);

	@Configuration(proxyBeanMethods = false)
	static class TaggedEcho {

		@Bean
		@UnixSocketHandler("lines")
		MessageHandler linesEcho(@Value("${test.instance}") String instance) {
			byte[] tag = (instance + " ").getBytes(StandardCharsets.UTF_8);
			return (connection, message) -> {
				byte[] reply = Arrays.copyOf(tag, tag.length + message.length);
				System.arraycopy(message, 0, reply, tag.length, message.length);
				return reply;
			};
		}

	}

	private ApplicationContextRunner instance(String name) {
		return this.runner.withPropertyValues("test.instance=" + name, "unix-socket.handover.enabled=true",
				"unix-socket.handover.timeout=20s", "unix-socket.servers.lines.path=" + this.dir.resolve("lines.sock"),
				"unix-socket.servers.lines.protocol=lines");
	}

	@Test
	void theNewInstanceTakesTheSocketsAndNoClientIsRefusedOrLosesItsReply() {
		Path socket = this.dir.resolve("lines.sock");
		instance("old").run((old) -> {
			assertThat(old).hasNotFailed();
			ready(old);
			assertThat(control()).as("listening for the next instance").exists();
			try (ClientLoop clients = ClientLoop.start(socket)) {
				clients.awaitReplies("old", 20);
				instance("new").run((fresh) -> {
					assertThat(fresh).hasNotFailed();
					assertThat(fresh.getBean(UnixSocketServers.class).get("lines").isInherited()).isTrue();
					ready(fresh);
					awaitClosed(old);
					clients.awaitReplies("new", 50);
					clients.stop();
					System.out.println("Handover under load: " + clients);
					assertThat(clients.refused).as("refused connections").hasValue(0);
					assertThat(clients.lost).as("connections without their reply").hasValue(0);
					assertThat(clients.replies).containsKeys("old", "new");
					assertThat(control()).as("the new instance listens for the next one").exists();
					assertThat(exchange(socket, "after")).isEqualTo("new after");
				});
			}
		});
	}

	@Test
	void anInstanceThatFailsToStartLeavesTheRunningOneServing() {
		Path socket = this.dir.resolve("lines.sock");
		instance("old").run((old) -> {
			ready(old);
			instance("broken").withPropertyValues("unix-socket.servers.orphan.path=" + this.dir.resolve("orphan.sock"))
				.run((broken) -> assertThat(broken).hasFailed());
			assertThat(exchange(socket, "still")).isEqualTo("old still");
			assertThat(old.getSourceApplicationContext().isActive()).isTrue();
			instance("new").run((fresh) -> {
				ready(fresh);
				awaitClosed(old);
				assertThat(exchange(socket, "then")).isEqualTo("new then");
			});
		});
	}

	@Test
	void theFirstInstanceBindsItsSocketsAndListens() {
		instance("only").run((context) -> {
			assertThat(context.getBean(UnixSocketServers.class).get("lines").isInherited()).isFalse();
			assertThat(control()).doesNotExist();
			ready(context);
			assertThat(control()).exists();
		});
		assertThat(control()).as("removed on stop").doesNotExist();
	}

	@Test
	void theControlSocketMayBePlacedElsewhere() {
		Path elsewhere = this.dir.resolve("run/handover.sock");
		instance("only").withPropertyValues("unix-socket.handover.path=" + elsewhere).run((context) -> {
			ready(context);
			assertThat(elsewhere).exists();
		});
	}

	@Test
	void withoutAFilesystemPathTheControlSocketMustBeNamed() {
		this.runner
			.withPropertyValues("test.instance=x", "unix-socket.handover.enabled=true",
					"unix-socket.servers.lines.path=@handover-test-" + ProcessHandle.current().pid(),
					"unix-socket.servers.lines.protocol=lines")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("no server has a filesystem path");
				assertThat(analysis.getAction()).contains("unix-socket.handover.path");
			});
	}

	@Test
	void offByDefault() {
		this.runner
			.withPropertyValues("test.instance=x", "unix-socket.servers.lines.path=" + this.dir.resolve("lines.sock"),
					"unix-socket.servers.lines.protocol=lines")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(UnixSocketHandover.class).hasSingleBean(InheritedSockets.class);
				ready(context);
				assertThat(control()).doesNotExist();
			});
	}

	private Path control() {
		return this.dir.resolve("lines.sock.handover");
	}

	private static void ready(AssertableApplicationContext context) {
		AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
	}

	private static void awaitClosed(AssertableApplicationContext context) throws InterruptedException {
		ConfigurableApplicationContext source = context.getSourceApplicationContext();
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while ((source.isActive() || source.isRunning()) && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(source.isActive()).as("the old instance closed its context").isFalse();
	}

	static String exchange(Path path, String line) throws IOException {
		try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
			channel.write(StandardCharsets.UTF_8.encode(line + "\n"));
			return new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))
				.readLine();
		}
	}

	/** A client connecting again and again, one line each, counting what happens; bounded. */
	static final class ClientLoop implements AutoCloseable {

		private final Path path;

		final AtomicInteger attempts = new AtomicInteger();

		final AtomicInteger refused = new AtomicInteger();

		final AtomicInteger lost = new AtomicInteger();

		final Map<String, AtomicInteger> replies = new ConcurrentHashMap<>();

		private final AtomicBoolean stopped = new AtomicBoolean();

		private final Thread thread;

		private ClientLoop(Path path) {
			this.path = path;
			this.thread = new Thread(this::run, "handover-client");
		}

		static ClientLoop start(Path path) {
			ClientLoop loop = new ClientLoop(path);
			loop.thread.start();
			return loop;
		}

		private void run() {
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			for (int i = 0; !this.stopped.get() && System.nanoTime() < deadline; i++) {
				this.attempts.incrementAndGet();
				String reply;
				try {
					reply = exchange(this.path, "ping " + i);
				}
				catch (ConnectException ex) {
					this.refused.incrementAndGet();
					continue;
				}
				catch (IOException ex) {
					this.lost.incrementAndGet();
					continue;
				}
				if (reply == null || !reply.endsWith(" ping " + i)) {
					this.lost.incrementAndGet();
					continue;
				}
				this.replies.computeIfAbsent(reply.substring(0, reply.indexOf(' ')), (k) -> new AtomicInteger())
					.incrementAndGet();
			}
		}

		void awaitReplies(String instance, int count) throws InterruptedException {
			long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			while (System.nanoTime() < deadline) {
				AtomicInteger replies = this.replies.get(instance);
				if (replies != null && replies.get() >= count) {
					return;
				}
				Thread.sleep(5);
			}
			throw new AssertionError("fewer than " + count + " replies from " + instance + ": " + this);
		}

		void stop() throws InterruptedException {
			this.stopped.set(true);
			this.thread.join(10_000);
		}

		@Override
		public void close() throws InterruptedException {
			stop();
		}

		@Override
		public String toString() {
			return this.attempts + " connections attempted, " + this.refused + " refused, " + this.lost
					+ " without their reply; replies by instance " + this.replies;
		}

	}

}
