package io.github.unixsocket.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import static io.github.unixsocket.server.ServerSupport.sleep;

/**
 * A stream server's idle and message timeouts, and their reaper: checked a few times per
 * timeout on a thread of its own (connections served a thread each) or on the acceptor's
 * event loop, so no connection carries a timer.
 */
final class ConnectionTimeouts {

	/** The server's category: what users set for the server's log lines covers these too. */
	private static final Log logger = LogFactory.getLog(StreamServer.class);

	private final Duration idleTimeout;

	private final Duration messageTimeout;

	private final ConnectionRegistry connections;

	/** Closes and counts a connection whose message took too long (a limit, like the buffer budget). */
	private final Consumer<ServerConnection> messageTimedOut;

	ConnectionTimeouts(Duration idleTimeout, Duration messageTimeout, ConnectionRegistry connections,
			Consumer<ServerConnection> messageTimedOut) {
		this.idleTimeout = idleTimeout;
		this.messageTimeout = messageTimeout;
		this.connections = connections;
		this.messageTimedOut = messageTimedOut;
	}

	Duration idleTimeout() {
		return this.idleTimeout;
	}

	Duration messageTimeout() {
		return this.messageTimeout;
	}

	/**
	 * Check on a daemon thread of its own, while {@code serving} holds, until interrupted.
	 * @param threadName the thread's name
	 * @param serving whether the server still serves connections (running or draining)
	 * @return the thread, {@code null} if there is no timeout to check
	 */
	@Nullable Thread startReaper(String threadName, BooleanSupplier serving) {
		if (this.idleTimeout.isZero() && this.messageTimeout.isZero()) {
			return null;
		}
		Thread reaper = new Thread(() -> reap(serving), threadName);
		reaper.setDaemon(true);
		reaper.start();
		return reaper;
	}

	private void reap(BooleanSupplier serving) {
		Duration period = checkPeriod();
		while (serving.getAsBoolean()) {
			if (!sleep(period)) {
				return;
			}
			closeExpired(System.nanoTime());
		}
	}

	/**
	 * Check on the loop's ticks while {@code serving} holds; call on that loop.
	 * @param loop the acceptor's loop
	 * @param serving whether the server still serves connections
	 */
	void checkOn(EventLoop loop, BooleanSupplier serving) {
		loop.tick(checkPeriod(), (now) -> {
			if (!serving.getAsBoolean()) {
				return false;
			}
			closeExpired(System.nanoTime());
			return true;
		});
	}

	/** @return a few times per timeout: a connection lives at most ~25% longer than allowed */
	private Duration checkPeriod() {
		long shortest = Math.min(nanosOrMax(this.idleTimeout), nanosOrMax(this.messageTimeout));
		return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(10),
				Math.min(shortest / 4, TimeUnit.SECONDS.toNanos(1))));
	}

	/** Closes connections idle past the idle timeout or stuck in a message past the message timeout. */
	private void closeExpired(long now) {
		long idleTimeout = nanosOrMax(this.idleTimeout);
		long messageTimeout = nanosOrMax(this.messageTimeout);
		for (ServerConnection connection : this.connections.live()) {
			if (connection.messageNanos(now) > messageTimeout) {
				this.messageTimedOut.accept(connection);
			}
			else if (connection.idleNanos(now) > idleTimeout && connection.isOpen()) {
				logger.debug("Closing " + connection + ": idle for longer than " + this.idleTimeout);
				connection.close();
			}
		}
	}

	private static long nanosOrMax(Duration timeout) {
		return timeout.isZero() ? Long.MAX_VALUE : timeout.toNanos();
	}

}
