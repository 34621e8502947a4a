package io.github.unixsocket.systemd;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;

import io.github.unixsocket.server.LogValues;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Tells systemd how the service is doing, as {@code sd_notify(3)} does: newline-separated
 * {@code KEY=VALUE} assignments in one datagram to {@code $NOTIFY_SOCKET} (a path, or
 * {@code @name} in the abstract namespace). A notifier exists only when systemd asked for
 * notifications; sending never blocks and never fails the caller.
 */
public final class SystemdNotifier implements Closeable {

	private static final Log logger = LogFactory.getLog(SystemdNotifier.class);

	/** The variable naming the socket to notify. */
	public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";

	/**
	 * Shortest time between two watchdog pings: systemd accepts any {@code WatchdogSec=},
	 * but pinging every millisecond for {@code WATCHDOG_USEC=1} took a third of a CPU, and a
	 * JVM cannot promise to answer within less anyway (a GC pause can be longer).
	 */
	public static final Duration MIN_WATCHDOG_PING = Duration.ofMillis(100);

	/**
	 * Longest time between two watchdog pings: pinging more often than asked costs
	 * nothing, and a garbled {@code WATCHDOG_USEC} (up to 292,000 years) is not waited out.
	 */
	public static final Duration MAX_WATCHDOG_PING = Duration.ofHours(1);

	private final AFUNIXSocketAddress socket;

	private final String description;

	private final @Nullable Duration watchdogInterval;

	private final @Nullable Duration watchdogPing;

	private final int fdStoreMax;

	private final AFUNIXDatagramChannel channel;

	private SystemdNotifier(AFUNIXSocketAddress socket, String description, @Nullable Duration watchdogInterval,
			int fdStoreMax) throws IOException {
		this.socket = socket;
		this.description = description;
		this.watchdogInterval = watchdogInterval;
		this.fdStoreMax = fdStoreMax;
		this.watchdogPing = (watchdogInterval != null) ? watchdogPing(watchdogInterval) : null;
		this.channel = AFUNIXDatagramChannel.open();
		this.channel.configureBlocking(false);
	}

	/**
	 * @param environment the process environment, by variable name
	 * @param pid this process's id, to check {@code WATCHDOG_PID}
	 * @return a notifier, or {@code null} when {@code NOTIFY_SOCKET} is not set
	 * @throws IOException if the socket address is invalid or no channel can be opened
	 */
	public static @Nullable SystemdNotifier fromEnvironment(Function<String, @Nullable String> environment, long pid)
			throws IOException {
		String value = environment.apply(NOTIFY_SOCKET);
		if (value == null || value.isEmpty()) {
			return null;
		}
		AFUNIXSocketAddress address = value.startsWith("@")
				? AFUNIXSocketAddress.inAbstractNamespace(value.substring(1))
				: AFUNIXSocketAddress.of(Path.of(value));
		return new SystemdNotifier(address, value, watchdogInterval(environment, pid), fdStoreMax(environment));
	}

	/**
	 * {@code FDSTORE}: how many descriptors systemd keeps for the service
	 * ({@code FileDescriptorStoreMax=}; systemd 254 and later set it, a unit for an older one
	 * can say {@code Environment=FDSTORE=n}), 0 when there is no store.
	 */
	static int fdStoreMax(Function<String, @Nullable String> environment) {
		String value = environment.apply("FDSTORE");
		if (value == null) {
			return 0;
		}
		try {
			return Math.max(0, Integer.parseInt(value.trim()));
		}
		catch (NumberFormatException ex) {
			logger.warn("Ignoring FDSTORE='" + LogValues.escape(value) + "': not a number of descriptors");
			return 0;
		}
	}

	/**
	 * {@code WATCHDOG_USEC}, when it is meant for this process ({@code WATCHDOG_PID}
	 * unset or equal to {@code pid}).
	 */
	static @Nullable Duration watchdogInterval(Function<String, @Nullable String> environment, long pid) {
		String usec = environment.apply("WATCHDOG_USEC");
		String watchdogPid = environment.apply("WATCHDOG_PID");
		if (usec == null || (watchdogPid != null && !watchdogPid.equals(Long.toString(pid)))) {
			return null;
		}
		try {
			long micros = Long.parseLong(usec.trim());
			// Not micros * 1000: that overflows for the largest values, and the ping then ran every millisecond.
			return (micros > 0) ? Duration.of(micros, ChronoUnit.MICROS) : null;
		}
		catch (NumberFormatException ex) {
			logger.warn("Ignoring WATCHDOG_USEC='" + LogValues.escape(usec) + "': not a number of microseconds");
			return null;
		}
	}

	/**
	 * Half the watchdog interval, as {@code sd_watchdog_enabled(3)} advises, kept within
	 * {@link #MIN_WATCHDOG_PING} and {@link #MAX_WATCHDOG_PING}; a warning says so when it is
	 * not half (logged once: a notifier is made once).
	 */
	static Duration watchdogPing(Duration interval) {
		Duration half = interval.dividedBy(2);
		if (half.compareTo(MIN_WATCHDOG_PING) < 0) {
			logger.warn("WATCHDOG_USEC=" + micros(interval) + " asks for a watchdog ping every " + micros(half)
					+ " microseconds; pinging every " + MIN_WATCHDOG_PING.toMillis() + "ms instead, so systemd may "
					+ "find the service unresponsive: set WatchdogSec= to "
					+ MIN_WATCHDOG_PING.multipliedBy(2).toMillis() + "ms or more");
			return MIN_WATCHDOG_PING;
		}
		if (half.compareTo(MAX_WATCHDOG_PING) > 0) {
			logger.warn("WATCHDOG_USEC=" + micros(interval) + " asks for a watchdog ping every " + half.toHours()
					+ " hours; pinging every " + MAX_WATCHDOG_PING.toMinutes() + " minutes instead");
			return MAX_WATCHDOG_PING;
		}
		return half;
	}

	private static long micros(Duration duration) {
		return duration.dividedBy(ChronoUnit.MICROS.getDuration());
	}

	/**
	 * @return how often systemd expects {@code WATCHDOG=1} at the latest, {@code null}
	 * when the watchdog is off or meant for another process
	 */
	public @Nullable Duration watchdogInterval() {
		return this.watchdogInterval;
	}

	/**
	 * @return how often to send {@code WATCHDOG=1}: half the {@link #watchdogInterval()},
	 * at least {@link #MIN_WATCHDOG_PING} and at most {@link #MAX_WATCHDOG_PING};
	 * {@code null} when the watchdog is off
	 */
	public @Nullable Duration watchdogPing() {
		return this.watchdogPing;
	}

	/**
	 * Send assignments, for example {@code "READY=1\nSTATUS=serving"}.
	 * @param state newline-separated {@code KEY=VALUE} lines
	 * @return whether the datagram was sent
	 */
	public boolean notify(String state) {
		try {
			int sent = this.channel.send(ByteBuffer.wrap(state.getBytes(StandardCharsets.UTF_8)), this.socket);
			if (sent > 0) {
				return true;
			}
			logger.debug("systemd notification not sent: " + LogValues.escape(this.description) + " is full");
		}
		catch (IOException ex) {
			logger.debug("systemd notification not sent to " + LogValues.escape(this.description) + ": "
					+ LogValues.escape(ex));
		}
		return false;
	}

	/**
	 * Send assignments with a descriptor attached ({@code SCM_RIGHTS}), for example
	 * {@code "FDSTORE=1\nFDNAME=lines"}; systemd keeps a copy of its own.
	 * @param state newline-separated {@code KEY=VALUE} lines
	 * @param descriptor the descriptor, still this process's after the call
	 * @return whether the datagram was sent
	 */
	public boolean notify(String state, FileDescriptor descriptor) {
		// junixsocket attaches descriptors on a connected channel only: one for this message.
		try (AFUNIXDatagramChannel connected = AFUNIXDatagramChannel.open()) {
			connected.connect(this.socket);
			connected.setOutboundFileDescriptors(descriptor);
			return connected.write(ByteBuffer.wrap(state.getBytes(StandardCharsets.UTF_8))) > 0;
		}
		catch (IOException ex) {
			logger.warn("systemd notification with a descriptor not sent to " + LogValues.escape(this.description)
					+ ": " + LogValues.escape(ex));
			return false;
		}
	}

	/** @return how many descriptors systemd's fd store keeps for the service, 0 for no store */
	public int fdStoreMax() {
		return this.fdStoreMax;
	}

	/**
	 * A {@code STATUS=} line: one line, as systemd shows it.
	 * @param status free text
	 * @return {@code STATUS=...} with newlines replaced
	 */
	public static String status(String status) {
		return "STATUS=" + status.replace('\n', ' ');
	}

	@Override
	public void close() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// nothing to release
		}
	}

	@Override
	public String toString() {
		return "systemd notifier for " + LogValues.escape(this.description);
	}

}
