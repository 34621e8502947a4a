package io.github.unixsocket.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

import static io.github.unixsocket.server.ServerSupport.join;

/**
 * The open connections of a {@link StreamServer} and its counters (accepted, rejected,
 * handler errors, and the bytes and handler runs of closed connections), whichever way
 * its connections are served. A drain waits here for them to close.
 */
final class ConnectionRegistry {

	/** Threads still in a handler this long after their connection was force-closed are left behind. */
	private static final Duration FORCE_CLOSE_GRACE = Duration.ofSeconds(1);

	private final Map<Long, ServerConnection> connections = new ConcurrentHashMap<>();

	private final AtomicInteger open = new AtomicInteger();

	private final AtomicLong nextId = new AtomicLong();

	private final AtomicLong accepted = new AtomicLong();

	private final Map<RejectReason, AtomicLong> rejected = new EnumMap<>(RejectReason.class);

	private final AtomicLong handlerErrors = new AtomicLong();

	/** Connections that ended by themselves during the current drain. */
	private final AtomicInteger drained = new AtomicInteger();

	private final Object drainMonitor = new Object();

	/**
	 * Guards retiring a connection's bytes and handler counts into the closed totals and
	 * summing them, so a reader never sees a connection in neither place (a counter must not
	 * go down). Taken once per closed connection and per read of a total, never per read,
	 * write or message.
	 */
	private final Object totals = new Object();

	/** Bytes of closed connections; open ones are summed on demand, so I/O touches no shared counter. */
	private long closedBytesReceived;

	private long closedBytesSent;

	/** Handler invocations and their time, of closed connections (and every one a raw handler served). */
	private long closedHandled;

	private long closedHandlerNanos;

	ConnectionRegistry() {
		for (RejectReason reason : RejectReason.values()) {
			this.rejected.put(reason, new AtomicLong());
		}
	}

	/** @return the id for the next connection */
	long nextId() {
		return this.nextId.incrementAndGet();
	}

	/** @return whether {@code maxConnections} (0 for no limit) are open */
	boolean isFull(int maxConnections) {
		return maxConnections > 0 && this.open.get() >= maxConnections;
	}

	/** Count a connection as open from now, before its peer is checked or its handler runs. */
	void add(ServerConnection connection) {
		this.open.incrementAndGet();
		this.connections.put(connection.id(), connection);
	}

	/**
	 * Retire a closed connection's counts into the totals; a second call for it does nothing.
	 * @param draining whether the server drains: then it counts as drained unless force-closed
	 */
	void remove(ServerConnection connection, boolean draining) {
		synchronized (this.totals) {
			if (this.connections.remove(connection.id()) == null) {
				return;
			}
			this.closedBytesReceived += connection.bytesReceived();
			this.closedBytesSent += connection.bytesSent();
			this.closedHandled += connection.messagesHandled();
			this.closedHandlerNanos += connection.handlerNanos();
		}
		this.open.decrementAndGet();
		if (draining) {
			if (!connection.isForceClosed()) {
				this.drained.incrementAndGet();
			}
			synchronized (this.drainMonitor) {
				this.drainMonitor.notifyAll();
			}
		}
	}

	/** A connection handler returned or threw after {@code nanos}: one invocation. */
	void handlerRan(long nanos) {
		synchronized (this.totals) {
			this.closedHandled++;
			this.closedHandlerNanos += nanos;
		}
	}

	void countAccepted() {
		this.accepted.incrementAndGet();
	}

	void countRejected(RejectReason reason) {
		rejectedCounter(reason).incrementAndGet();
	}

	void countHandlerError() {
		this.handlerErrors.incrementAndGet();
	}

	int open() {
		return this.open.get();
	}

	long accepted() {
		return this.accepted.get();
	}

	long rejected() {
		return this.rejected.values().stream().mapToLong(AtomicLong::get).sum();
	}

	long rejected(RejectReason reason) {
		return rejectedCounter(reason).get();
	}

	long handlerErrors() {
		return this.handlerErrors.get();
	}

	long bytesReceived() {
		return total(() -> this.closedBytesReceived, ServerConnection::bytesReceived);
	}

	long bytesSent() {
		return total(() -> this.closedBytesSent, ServerConnection::bytesSent);
	}

	long handlerInvocations() {
		return total(() -> this.closedHandled, ServerConnection::messagesHandled);
	}

	long handlerNanos() {
		return total(() -> this.closedHandlerNanos, ServerConnection::handlerNanos);
	}

	/** A counter of closed connections plus the open ones', read together under the lock that retires them. */
	private long total(LongSupplier closed, ToLongFunction<ServerConnection> open) {
		synchronized (this.totals) {
			long total = closed.getAsLong();
			for (ServerConnection connection : this.connections.values()) {
				total += open.applyAsLong(connection);
			}
			return total;
		}
	}

	/** @return the open connections, live: for walking them, not for keeping */
	Collection<ServerConnection> live() {
		return this.connections.values();
	}

	/** @return the open connections now */
	List<Connection> snapshot() {
		return List.copyOf(this.connections.values());
	}

	/** The server starts: no connection has drained yet. */
	void resetDrained() {
		this.drained.set(0);
	}

	/**
	 * Once nothing is accepted any more: let connections finish for up to {@code timeout},
	 * then force-close the rest and give their handler threads a moment to end.
	 */
	DrainResult drain(Duration timeout) {
		// Nothing in flight on connections idle between requests: they close now, the others once answered.
		this.connections.values().forEach(ServerConnection::drain);
		awaitNone(timeout);
		List<ServerConnection> stragglers = new ArrayList<>(this.connections.values());
		stragglers.forEach(ServerConnection::forceClose);
		long graceDeadline = System.nanoTime() + FORCE_CLOSE_GRACE.toNanos();
		for (ServerConnection connection : stragglers) {
			if (connection instanceof ChannelConnection threaded) {
				join(threaded.thread, Duration.ofNanos(Math.max(0, graceDeadline - System.nanoTime())));
			}
		}
		// Loop connections close on their loop: wait for that, briefly.
		awaitNone(Duration.ofNanos(Math.max(0, graceDeadline - System.nanoTime())));
		return new DrainResult(this.drained.get(), stragglers.size());
	}

	private void awaitNone(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.drainMonitor) {
			while (this.open.get() > 0) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(this.drainMonitor, remaining);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	/** @return the counter of a reason: the constructor made one for each */
	private AtomicLong rejectedCounter(RejectReason reason) {
		return Objects.requireNonNull(this.rejected.get(reason), "rejected");
	}

}
