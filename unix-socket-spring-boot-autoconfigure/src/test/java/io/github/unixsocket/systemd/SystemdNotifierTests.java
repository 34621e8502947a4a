package io.github.unixsocket.systemd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** sd_notify(3) against a socket standing in for systemd's. */
@EnabledOnOs(OS.LINUX)
class SystemdNotifierTests {

	private static final long PID = ProcessHandle.current().pid();

	@TempDir
	Path dir;

	@Test
	void noNotifierWithoutNotifySocket() throws Exception {
		assertThat(SystemdNotifier.fromEnvironment(Map.<String, String>of()::get, PID)).isNull();
	}

	@Test
	void sendsAssignmentsToAPathSocket() throws Exception {
		Path path = this.dir.resolve("notify");
		try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
			systemd.bind(AFUNIXSocketAddress.of(path));
			try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path.toString())::get,
					PID)) {
				assertThat(notifier.notify("READY=1\n" + SystemdNotifier.status("two\nlines"))).isTrue();
			}
			assertThat(receive(systemd)).isEqualTo("READY=1\nSTATUS=two lines");
		}
	}

	@Test
	void sendsToAnAbstractSocket() throws Exception {
		String name = "unix-socket-notify-" + UUID.randomUUID();
		try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
			systemd.bind(AFUNIXSocketAddress.inAbstractNamespace(name));
			try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "@" + name)::get,
					PID)) {
				assertThat(notifier.notify("WATCHDOG=1")).isTrue();
			}
			assertThat(receive(systemd)).isEqualTo("WATCHDOG=1");
		}
	}

	@Test
	void aMissingSocketFailsQuietly() throws Exception {
		try (SystemdNotifier notifier = SystemdNotifier
			.fromEnvironment(Map.of("NOTIFY_SOCKET", this.dir.resolve("gone").toString())::get, PID)) {
			assertThat(notifier.notify("READY=1")).isFalse();
		}
	}

	@Test
	void watchdogIntervalIsForThisProcessOnly() {
		assertThat(SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "2000000")::get, PID))
			.isEqualTo(Duration.ofSeconds(2));
		assertThat(SystemdNotifier
			.watchdogInterval(Map.of("WATCHDOG_USEC", "2000000", "WATCHDOG_PID", Long.toString(PID))::get, PID))
			.isEqualTo(Duration.ofSeconds(2));
		assertThat(SystemdNotifier
			.watchdogInterval(Map.of("WATCHDOG_USEC", "2000000", "WATCHDOG_PID", Long.toString(PID + 1))::get, PID))
			.isNull();
		assertThat(SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "soon")::get, PID)).isNull();
		assertThat(SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "0")::get, PID)).isNull();
		assertThat(SystemdNotifier.watchdogInterval(Map.<String, String>of()::get, PID)).isNull();
	}

	static String receive(AFUNIXDatagramChannel systemd) throws Exception {
		ByteBuffer buffer = ByteBuffer.allocate(4096);
		systemd.receive(buffer);
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
	}

}
