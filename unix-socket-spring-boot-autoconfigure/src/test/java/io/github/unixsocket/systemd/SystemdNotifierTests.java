package io.github.unixsocket.systemd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** sd_notify(3) against a socket standing in for systemd's. */
@EnabledOnOs(OS.LINUX)
@ExtendWith(OutputCaptureExtension.class)
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

	@Test
	void theLargestWatchdogIntervalDoesNotOverflow() {
		assertThat(SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "9223372036854775807")::get, PID))
			.isEqualTo(Duration.of(Long.MAX_VALUE, ChronoUnit.MICROS));
	}

	@Test
	void theWatchdogPingIsHalfTheIntervalWithinASaneRangeAndAClampIsLoggedOnce(CapturedOutput output)
			throws Exception {
		assertThat(ping("2000000")).isEqualTo(Duration.ofSeconds(1));
		assertThat(ping("200000")).isEqualTo(Duration.ofMillis(100));
		assertThat(output.getOut()).doesNotContain("WATCHDOG_USEC=");
		assertThat(ping("1")).isEqualTo(SystemdNotifier.MIN_WATCHDOG_PING);
		assertThat(output.getOut()).containsOnlyOnce("WATCHDOG_USEC=1 asks for a watchdog ping every 0 microseconds; "
				+ "pinging every 100ms instead, so systemd may find the service unresponsive: set WatchdogSec= to "
				+ "200ms or more");
		assertThat(ping("9223372036854775807")).isEqualTo(SystemdNotifier.MAX_WATCHDOG_PING);
		assertThat(output.getOut()).containsOnlyOnce("WATCHDOG_USEC=9223372036854775807 asks for a watchdog ping every")
			.containsOnlyOnce("pinging every 60 minutes instead");
		assertThat(ping("0")).isNull();
	}

	@Test
	void environmentValuesAreLoggedWithControlCharactersEscaped(CapturedOutput output) throws Exception {
		try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(
				Map.of("NOTIFY_SOCKET", this.dir.resolve("gone\nFORGED \u001b[31m").toString(), "WATCHDOG_USEC",
						"soon\nFORGED")::get,
				PID)) {
			assertThat(notifier).hasToString("systemd notifier for " + this.dir + "/gone\\nFORGED \\u001b[31m");
		}
		assertThat(output.getOut()).contains("Ignoring WATCHDOG_USEC='soon\\nFORGED'")
			.doesNotContain("\nFORGED")
			.doesNotContain("\u001b");
	}

	private @org.jspecify.annotations.Nullable Duration ping(String usec) throws Exception {
		try (SystemdNotifier notifier = SystemdNotifier
			.fromEnvironment(Map.of("NOTIFY_SOCKET", this.dir.resolve("notify").toString(), "WATCHDOG_USEC", usec)::get,
					PID)) {
			return notifier.watchdogPing();
		}
	}

	static String receive(AFUNIXDatagramChannel systemd) throws Exception {
		ByteBuffer buffer = ByteBuffer.allocate(4096);
		systemd.receive(buffer);
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
	}

}
