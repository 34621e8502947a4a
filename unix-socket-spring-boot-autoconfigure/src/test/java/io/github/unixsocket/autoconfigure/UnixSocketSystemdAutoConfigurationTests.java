package io.github.unixsocket.autoconfigure;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * systemd integration as a service sees it: sockets passed by descriptor and matched to
 * servers, and notifications on a socket standing in for systemd's.
 */
@Timeout(60)
@EnabledOnOs(OS.LINUX)
class UnixSocketSystemdAutoConfigurationTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class,
				UnixSocketSystemdAutoConfiguration.class, ApplicationAvailabilityAutoConfiguration.class))
		.withUserConfiguration(LinesEcho.class);

	@Configuration(proxyBeanMethods = false)
	static class LinesEcho {

		@Bean
		@UnixSocketHandler("lines")
		MessageHandler linesEcho() {
			return (connection, message) -> message;
		}

	}

	// --- Notifications ----------------------------------------------------------------------

	@Test
	void readyThenWatchdogWhileLiveThenStoppingWithMoreTime() throws Exception {
		Path notify = this.dir.resolve("notify");
		try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
			systemd.bind(AFUNIXSocketAddress.of(notify));
			List<String> received = new ArrayList<>();
			this.runner
				.withPropertyValues(lines("NOTIFY_SOCKET=" + notify, "WATCHDOG_USEC=200000",
						"unix-socket.servers.lines.shutdown-timeout=7s"))
				.run((context) -> {
					assertThat(context).hasSingleBean(SystemdNotifications.class);
					// What SpringApplication publishes when started, then when ready.
					AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
					AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
					assertThat(receive(systemd)).isEqualTo(
							"READY=1\nSTATUS=Ready: 1 of 1 Unix socket servers running, 0 open connections");
					// Every 100ms while live: a few arrive within half a second.
					long start = System.nanoTime();
					for (int i = 0; i < 3; i++) {
						assertThat(receive(systemd)).isEqualTo("WATCHDOG=1");
					}
					assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
					AvailabilityChangeEvent.publish(context, LivenessState.BROKEN);
					systemd.configureBlocking(false);
					Thread.sleep(150);
					drain(systemd);
					Thread.sleep(400);
					assertThat(drain(systemd)).as("silent while broken, so systemd restarts it").isEmpty();
					systemd.configureBlocking(true);
				});
			received.add(receive(systemd));
			assertThat(received).singleElement()
				.isEqualTo("STOPPING=1\nEXTEND_TIMEOUT_USEC=12000000\n"
						+ "STATUS=Stopping: 1 of 1 Unix socket servers running, 0 open connections");
		}
	}

	@Test
	void anImplausibleWatchdogIntervalDoesNotMakeThePingsSpin() throws Exception {
		// 1µs asked for a ping every millisecond; the largest value overflowed to the same.
		for (String usec : new String[] { "1", "9223372036854775807" }) {
			Path notify = this.dir.resolve("notify-" + usec.length());
			try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
				systemd.bind(AFUNIXSocketAddress.of(notify));
				this.runner.withPropertyValues(lines("NOTIFY_SOCKET=" + notify, "WATCHDOG_USEC=" + usec))
					.run((context) -> {
						AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
						long start = System.nanoTime();
						AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
						assertThat(receive(systemd)).startsWith("READY=1");
						assertThat(receive(systemd)).isEqualTo("WATCHDOG=1");
						Thread.sleep(500);
						systemd.configureBlocking(false);
						long pings = drain(systemd).stream().filter("WATCHDOG=1"::equals).count();
						long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
						// At most one per 100ms (a loaded machine only sends fewer).
						assertThat(pings).as("WATCHDOG_USEC=%s: pings in %dms", usec, elapsedMillis)
							.isLessThanOrEqualTo(elapsedMillis / 100 + 1);
						systemd.configureBlocking(true);
					});
			}
		}
	}

	@Test
	void nothingWithoutNotifySocketOrWhenSwitchedOff() {
		this.runner.withPropertyValues(lines())
			.run((context) -> assertThat(context.getBean(SystemdNotifications.class).isActive()).isFalse());
		this.runner
			.withPropertyValues(lines("NOTIFY_SOCKET=" + this.dir.resolve("notify"), "unix-socket.systemd.notify=false"))
			.run((context) -> assertThat(context).doesNotHaveBean(SystemdNotifications.class));
	}

	// --- The fd store -----------------------------------------------------------------------

	@Test
	void aRestartThroughTheFdStoreRefusesNoClient() throws Exception {
		Path notify = this.dir.resolve("notify");
		Path path = this.dir.resolve("lines.sock");
		try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
			systemd.bind(AFUNIXSocketAddress.of(notify));
			systemd.setAncillaryReceiveBufferSize(1024);
			List<FileDescriptor> stored = new ArrayList<>();
			this.runner.withPropertyValues(lines("NOTIFY_SOCKET=" + notify, "FDSTORE=4")).run((context) -> {
				AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
				assertThat(receive(systemd)).startsWith("READY=1");
				assertThat(receive(systemd)).isEqualTo("FDSTORE=1\nFDNAME=lines");
				stored.addAll(List.of(systemd.getReceivedFileDescriptors()));
			});
			assertThat(stored).hasSize(1);
			assertThat(receive(systemd)).startsWith("STOPPING=1");
			Object inode = fileKey(path);
			// Stopped: the file stays, and a client connecting now waits in the stored socket's backlog.
			assertThat(fileKey(path)).as("left for the next start").isEqualTo(inode);
			try (TestClient client = TestClient.connect(path)) {
				client.write("during the restart\n");
				// systemd passes it back: LISTEN_FDNAMES=lines.
				InheritedSocket socket = InheritedSocket.adopt(fd(stored.get(0)), "lines");
				this.runner.withBean(InheritedSockets.class, () -> new InheritedSockets(List.of(socket)))
					.withPropertyValues(lines("NOTIFY_SOCKET=" + notify, "FDSTORE=4"))
					.run((context) -> {
						assertThat(client.read("during the restart\n".length())).isEqualTo("during the restart\n");
						AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
						assertThat(receive(systemd)).startsWith("READY=1");
						systemd.configureBlocking(false);
						Thread.sleep(200);
						assertThat(drain(systemd)).as("an inherited socket is systemd's already: not stored again")
							.noneMatch((message) -> message.startsWith("FDSTORE"));
						systemd.configureBlocking(true);
					});
			}
			assertThat(fileKey(path)).isEqualTo(inode);
		}
	}

	@Test
	void withoutAnFdStoreNothingIsStoredAndAStopRemovesTheFile() throws Exception {
		Path notify = this.dir.resolve("notify");
		try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
			systemd.bind(AFUNIXSocketAddress.of(notify));
			this.runner.withPropertyValues(lines("NOTIFY_SOCKET=" + notify)).run((context) -> {
				AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
				assertThat(receive(systemd)).startsWith("READY=1");
				systemd.configureBlocking(false);
				Thread.sleep(200);
				assertThat(drain(systemd)).noneMatch((message) -> message.startsWith("FDSTORE"));
				systemd.configureBlocking(true);
			});
			assertThat(this.dir.resolve("lines.sock")).doesNotExist();
		}
	}

	@Test
	void fdNamesSystemdRefusesAreNotSent() {
		assertThat(SystemdNotifications.validFdName("lines")).isTrue();
		assertThat(SystemdNotifications.validFdName("a:b")).isFalse();
		assertThat(SystemdNotifications.validFdName("a b")).isFalse();
		assertThat(SystemdNotifications.validFdName("x".repeat(255))).isTrue();
		assertThat(SystemdNotifications.validFdName("x".repeat(256))).isFalse();
		assertThat(SystemdNotifications.validFdName("")).isFalse();
	}

	// --- Socket activation ------------------------------------------------------------------

	@Test
	void aSocketNamedAfterTheServerIsServedInsteadOfBindingThePath() throws Exception {
		Path passed = this.dir.resolve("passed.sock");
		try (AFUNIXServerSocketChannel systemd = listen(passed)) {
			InheritedSocket socket = InheritedSocket.adopt(fd(systemd.getFileDescriptor()), "lines");
			Object inode = fileKey(passed);
			this.runner.withBean(InheritedSockets.class, () -> new InheritedSockets(List.of(socket)))
				.withPropertyValues(lines("unix-socket.servers.lines.permissions=0600"))
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(context.getBean(UnixSocketServers.class).get("lines").isInherited()).isTrue();
					assertThat(this.dir.resolve("lines.sock")).as("the configured path is not bound").doesNotExist();
					try (TestClient client = TestClient.connect(passed)) {
						assertThat(client.exchange("passed\n")).isEqualTo("passed\n");
					}
				});
			assertThat(fileKey(passed)).as("never removed or replaced").isEqualTo(inode);
		}
	}

	@Test
	void anUnnamedSocketMatchesByPathAndActivationOffIgnoresIt() throws Exception {
		Path path = this.dir.resolve("lines.sock");
		try (AFUNIXServerSocketChannel systemd = listen(path)) {
			InheritedSocket socket = InheritedSocket.adopt(fd(systemd.getFileDescriptor()), "app.socket");
			this.runner.withBean(InheritedSockets.class, () -> new InheritedSockets(List.of(socket)))
				.withPropertyValues(lines())
				.run((context) -> assertThat(context.getBean(UnixSocketServers.class).get("lines").isInherited())
					.isTrue());
			this.runner.withBean(InheritedSockets.class, () -> new InheritedSockets(List.of(socket)))
				.withPropertyValues(lines("unix-socket.servers.lines.activation=off"))
				.run((context) -> {
					// Off: the server binds its path, which systemd's socket holds, so startup fails.
					assertThat(context).hasFailed();
					assertThat(analysis(context).getDescription()).contains("in use");
				});
		}
	}

	@Test
	void requiredWithoutASocketFailsNamingWhatToDo() {
		this.runner.withPropertyValues(lines("unix-socket.servers.lines.activation=required")).run((context) -> {
			FailureAnalysis analysis = analysis(context);
			assertThat(analysis.getDescription()).contains("'lines' requires a socket from systemd")
				.contains("inherited: none");
			assertThat(analysis.getAction()).contains("FileDescriptorName=lines")
				.contains("unix-socket.servers.lines.activation");
		});
	}

	@Test
	void aSocketOfTheWrongTypeFailsNamingBoth() throws Exception {
		try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
			systemd.bind(AFUNIXSocketAddress.of(this.dir.resolve("d.sock")));
			InheritedSocket socket = InheritedSocket.adopt(fd(systemd.getFileDescriptor()), "lines");
			this.runner.withBean(InheritedSockets.class, () -> new InheritedSockets(List.of(socket)))
				.withPropertyValues(lines())
				.run((context) -> {
					FailureAnalysis analysis = analysis(context);
					assertThat(analysis.getDescription()).contains("datagram socket").contains("stream server");
					assertThat(analysis.getAction()).contains("ListenStream=")
						.contains("unix-socket.servers.lines.type");
				});
		}
	}

	private String[] lines(String... more) {
		List<String> properties = new ArrayList<>(List.of("unix-socket.servers.lines.path=" + this.dir.resolve("lines.sock"),
				"unix-socket.servers.lines.protocol=lines"));
		properties.addAll(List.of(more));
		return properties.toArray(String[]::new);
	}

	private static FailureAnalysis analysis(
			org.springframework.boot.test.context.assertj.AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		return new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
	}

	private AFUNIXServerSocketChannel listen(Path path) throws IOException {
		AFUNIXServerSocketChannel socket = AFUNIXServerSocketChannel.open();
		socket.bind(AFUNIXSocketAddress.of(path));
		return socket;
	}

	private static int fd(FileDescriptor descriptor) throws IOException {
		return FileDescriptorCast.using(descriptor).as(Integer.class);
	}

	private static Object fileKey(Path path) throws IOException {
		return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
	}

	private static String receive(AFUNIXDatagramChannel systemd) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(4096);
		systemd.receive(buffer);
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
	}

	private static List<String> drain(AFUNIXDatagramChannel systemd) throws IOException {
		List<String> messages = new ArrayList<>();
		ByteBuffer buffer = ByteBuffer.allocate(4096);
		// The notifier's socket is unbound: its datagrams come without a sender address, so only
		// an empty buffer means none was left.
		while (systemd.receive(buffer.clear()) != null || buffer.position() > 0) {
			messages.add(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
		}
		return messages;
	}

}
