package io.github.unixsocket.autoconfigure.actuate;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.github.unixsocket.actuate.UnixSocketMetrics;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.client.UnixDatagramClient;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.DatagramHandler;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.TestClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class UnixSocketMetricsAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class,
				UnixSocketMetricsAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
		.withUserConfiguration(EchoHandlerConfiguration.class);

	private ApplicationContextRunner withEcho() {
		return this.runner.withPropertyValues("unix-socket.servers.echo.path=" + echo());
	}

	private Path echo() {
		return this.dir.resolve("echo.sock");
	}

	@Test
	void datagramServersCountRepliesAndTruncatedDatagrams() {
		Path events = this.dir.resolve("events.sock");
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class,
					UnixSocketMetricsAutoConfiguration.class, MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.withUserConfiguration(DatagramEchoConfiguration.class)
			.withPropertyValues("unix-socket.servers.events.path=" + events, "unix-socket.servers.events.type=datagram",
					"unix-socket.servers.events.max-message-size=16B")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				try (UnixDatagramClient client = UnixDatagramClient.connect(events)) {
					assertThat(client.request("short", WAIT)).isEqualTo("short");
					client.send(new byte[17]);
				}
				await().atMost(WAIT).until(() -> counter(registry, "unix.socket.datagrams.truncated") == 1);
				assertThat(counter(registry, "unix.socket.datagrams.received")).isEqualTo(2);
				assertThat(counter(registry, "unix.socket.datagrams.replied")).isEqualTo(1);
				assertThat(counter(registry, "unix.socket.datagrams.dropped")).isZero();
				assertThat(counter(registry, "unix.socket.datagrams.replies.refused")).isZero();
				// An abstract sender gets no reply (its exact name is unknown): refused and counted.
				try (AFUNIXDatagramChannel abstractSender = AFUNIXDatagramChannel.open()) {
					abstractSender.bind(AFUNIXSocketAddress.inAbstractNamespace("metrics-" + UUID.randomUUID()));
					abstractSender.send(ByteBuffer.wrap(new byte[] { 'x' }), AFUNIXSocketAddress.of(events));
				}
				await().atMost(WAIT).until(() -> counter(registry, "unix.socket.datagrams.replies.refused") == 1);
			});
	}

	private static double counter(MeterRegistry registry, String name) {
		return registry.get(name).tag("server", "events").functionCounter().count();
	}

	@Configuration(proxyBeanMethods = false)
	static class DatagramEchoConfiguration {

		@Bean
		@UnixSocketHandler("events")
		DatagramHandler datagramEcho() {
			return (datagram) -> datagram.reply(datagram.bytes());
		}

	}

	@Test
	void connectionGaugeGoesUpAndBackToZero() {
		withEcho().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(current(registry)).isZero();
			List<TestClient> clients = new ArrayList<>();
			try {
				for (int i = 0; i < 3; i++) {
					TestClient client = TestClient.connect(echo());
					clients.add(client);
					// an answered exchange proves the handler runs: the connection is counted
					assertThat(client.exchange("ping" + i)).isEqualTo("ping" + i);
				}
				assertThat(current(registry)).isEqualTo(3);
			}
			finally {
				for (TestClient client : clients) {
					client.close();
				}
			}
			await().atMost(WAIT).until(() -> current(registry) == 0);
			assertThat(registry.get("unix.socket.connections.accepted").tag("server", "echo").functionCounter().count())
				.isEqualTo(3);
			assertThat(registry.get("unix.socket.bytes.received").tag("server", "echo").functionCounter().count())
				.isEqualTo(15);
			assertThat(registry.get("unix.socket.bytes.sent").tag("server", "echo").functionCounter().count())
				.isEqualTo(15);
			assertThat(registry.get("unix.socket.datagrams.received").tag("server", "echo").functionCounter().count())
				.isZero();
		});
	}

	@Test
	void rejectedCounterCountsConnectionsBeyondMaxConnections() {
		withEcho().withPropertyValues("unix-socket.servers.echo.max-connections=1").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			try (TestClient first = TestClient.connect(echo())) {
				assertThat(first.exchange("a")).isEqualTo("a");
				assertThat(rejected(registry, "max-connections")).isZero();
				try (TestClient second = TestClient.connect(echo())) {
					assertThat(second.awaitClosedByServer(WAIT)).isTrue();
				}
				await().atMost(WAIT).until(() -> rejected(registry, "max-connections") == 1);
				assertThat(rejected(registry, "unauthorized")).isZero();
			}
		});
	}

	@Test
	void bufferGaugeFollowsTheBudgetAndEvictionsAreCountedAsRejected() {
		Path lines = this.dir.resolve("lines.sock");
		this.runner.withUserConfiguration(LinesEchoConfiguration.class)
			.withPropertyValues("unix-socket.servers.echo.path=" + echo(), "unix-socket.servers.lines.path=" + lines,
					"unix-socket.servers.lines.protocol=lines", "unix-socket.servers.lines.max-message-size=64KB",
					"unix-socket.servers.lines.buffer-budget=64KB")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(bufferUsed(registry, "lines")).isZero();
				assertThat(bufferUsed(registry, "echo")).isZero();
				try (TestClient hog = TestClient.connect(lines); TestClient small = TestClient.connect(lines)) {
					hog.write("x".repeat(40_000));
					// The unfinished line is held in a buffer the budget pays for.
					await().atMost(WAIT).until(() -> bufferUsed(registry, "lines") >= 40_000);
					assertThat(bufferUsed(registry, "lines")).isLessThanOrEqualTo(64 * 1024);
					small.write("y".repeat(30_000));
					// Both do not fit: the larger goes, the smaller is kept.
					assertThat(hog.awaitClosedByServer(WAIT)).isTrue();
					assertThat(rejected(registry, "lines", "buffer-budget")).isEqualTo(1);
					await().atMost(WAIT).until(() -> bufferUsed(registry, "lines") < 40_000);
					assertThat(bufferUsed(registry, "lines")).isGreaterThanOrEqualTo(30_000);
					small.write("\n");
					assertThat(small.read(30_001)).isEqualTo("y".repeat(30_000) + "\n");
				}
				await().atMost(WAIT).until(() -> bufferUsed(registry, "lines") == 0);
				assertThat(rejected(registry, "lines", "message-timeout")).isZero();
			});
	}

	private static double bufferUsed(MeterRegistry registry, String server) {
		return registry.get("unix.socket.buffer.used").tag("server", server).gauge().value();
	}

	@Configuration(proxyBeanMethods = false)
	static class LinesEchoConfiguration {

		@Bean
		@UnixSocketHandler("lines")
		MessageHandler linesEcho() {
			return (connection, message) -> message;
		}

	}

	@Test
	void blockedEventLoopsAreCounted() {
		Path lines = this.dir.resolve("slow.sock");
		this.runner.withUserConfiguration(SlowLinesConfiguration.class)
			.withPropertyValues("unix-socket.servers.echo.path=" + echo(), "unix-socket.servers.slow.path=" + lines,
					"unix-socket.servers.slow.protocol=lines", "unix-socket.servers.slow.dispatch=event-loop",
					"unix-socket.event-loop.blocked-threshold=50ms")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("unix.socket.event-loop.blocked").functionCounter().count()).isZero();
				try (TestClient client = TestClient.connect(lines)) {
					assertThat(client.exchange("slow\n")).isEqualTo("slow\n");
				}
				await().atMost(WAIT)
					.until(() -> registry.get("unix.socket.event-loop.blocked").functionCounter().count() >= 1);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class SlowLinesConfiguration {

		/** Blocks the event loop it runs on: what the watchdog is there to report. */
		@Bean
		@UnixSocketHandler("slow")
		MessageHandler slowLines() {
			return (connection, message) -> {
				Thread.sleep(300);
				return message;
			};
		}

	}

	@Test
	void backsOffWithoutAMeterRegistry() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(UnixSocketAutoConfiguration.class, UnixSocketMetricsAutoConfiguration.class))
			.withUserConfiguration(EchoHandlerConfiguration.class)
			.withPropertyValues("unix-socket.servers.echo.path=" + echo())
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketMetrics.class));
	}

	@Test
	void backsOffWhenMicrometerIsNotOnTheClassPath() {
		withEcho().withClassLoader(new FilteredClassLoader("io.micrometer.core."))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(UnixSocketMetrics.class));
	}

	private static double current(MeterRegistry registry) {
		return registry.get("unix.socket.connections.current").tag("server", "echo").gauge().value();
	}

	private static double rejected(MeterRegistry registry, String reason) {
		return rejected(registry, "echo", reason);
	}

	private static double rejected(MeterRegistry registry, String server, String reason) {
		return registry.get("unix.socket.connections.rejected")
			.tag("server", server)
			.tag("reason", reason)
			.functionCounter()
			.count();
	}

}
