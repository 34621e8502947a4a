package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSelectorProvider;

/**
 * A few event loops, each a thread on a JDK {@link java.nio.channels.Selector} (epoll on
 * Linux), shared by the stream servers that frame messages ({@code lines},
 * {@code length-prefixed}, {@code commands}): they accept, read, frame and write without a
 * thread per connection. The loops run while at least one server uses the group and end
 * with the last one; a running loop keeps the JVM alive, like a web server does.
 * <p>
 * A handler that runs on a loop must not block: a watchdog reports a loop busy with one
 * task for longer than {@link #blockedThreshold()} (a warning with the loop thread's
 * stack, as Vert.x's blocked-thread checker does) and counts it ({@link #blockedCount()}).
 */
public final class EventLoopGroup {

	private static final Log logger = LogFactory.getLog(EventLoopGroup.class);

	/**
	 * Default number of loops: half the CPUs, at least one. The clients of a Unix socket are
	 * processes on the same host, sharing the CPUs with the loops (measured on 2 CPUs: one
	 * loop served a local load generator as fast as a C epoll server, two lost a third).
	 */
	public static final int DEFAULT_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

	/** Default time a loop may spend in one task before it is reported as blocked. */
	public static final Duration DEFAULT_BLOCKED_THRESHOLD = Duration.ofSeconds(1);

	private static final EventLoopGroup shared = new EventLoopGroup("unix-socket-loop", DEFAULT_THREADS,
			DEFAULT_BLOCKED_THRESHOLD);

	/** Serves junixsocket's channels, which need junixsocket's selector. */
	private static volatile @Nullable EventLoopGroup junixsocket;

	private final String name;

	private final int threads;

	private final Duration blockedThreshold;

	private final SelectorProvider provider;

	private final AtomicInteger next = new AtomicInteger();

	private final AtomicLong blocked = new AtomicLong();

	private final Object lock = new Object();

	private int users;

	private List<EventLoop> loops = List.of();

	private @Nullable Thread watchdog;

	/**
	 * @param name prefix of the loop threads' names
	 * @param threads number of loops, at least 1
	 * @param blockedThreshold a loop busy with one task for longer is reported
	 */
	public EventLoopGroup(String name, int threads, Duration blockedThreshold) {
		this(name, threads, blockedThreshold, SelectorProvider.provider());
	}

	private EventLoopGroup(String name, int threads, Duration blockedThreshold, SelectorProvider provider) {
		if (threads < 1) {
			throw new IllegalArgumentException("threads must be at least 1");
		}
		if (blockedThreshold == null || blockedThreshold.isNegative() || blockedThreshold.isZero()) {
			throw new IllegalArgumentException("blockedThreshold must be positive");
		}
		this.name = Objects.requireNonNull(name, "name");
		this.threads = threads;
		this.blockedThreshold = blockedThreshold;
		this.provider = provider;
	}

	/** @return the group servers use unless given another: {@link #DEFAULT_THREADS} loops */
	public static EventLoopGroup shared() {
		return shared;
	}

	/**
	 * The loop that serves junixsocket's channels (abstract addresses, sockets inherited
	 * from systemd): they cannot join a JDK selector. One thread, started with the first
	 * server that uses it.
	 * @return the group
	 */
	static EventLoopGroup junixsocket() {
		EventLoopGroup group = junixsocket;
		if (group == null) {
			synchronized (EventLoopGroup.class) {
				group = junixsocket;
				if (group == null) {
					group = new EventLoopGroup("unix-socket-junix-loop", 1, DEFAULT_BLOCKED_THRESHOLD,
							AFUNIXSelectorProvider.provider());
					junixsocket = group;
				}
			}
		}
		return group;
	}

	/** @return the number of loops */
	public int threads() {
		return this.threads;
	}

	/** @return how long a loop may spend in one task before it is reported */
	public Duration blockedThreshold() {
		return this.blockedThreshold;
	}

	/** @return how many times a loop was found blocked */
	public long blockedCount() {
		return this.blocked.get();
	}

	/** @return whether the loops are running */
	public boolean isRunning() {
		synchronized (this.lock) {
			return !this.loops.isEmpty();
		}
	}

	/**
	 * Start the loops if this is their first user.
	 * @throws IOException if a selector cannot be opened
	 */
	void acquire() throws IOException {
		synchronized (this.lock) {
			if (this.users++ > 0) {
				return;
			}
			List<EventLoop> loops = new ArrayList<>();
			try {
				for (int i = 0; i < this.threads; i++) {
					loops.add(new EventLoop(this.name + "-" + (i + 1), this.provider));
				}
			}
			catch (IOException | RuntimeException ex) {
				loops.forEach(EventLoop::shutdown);
				this.users--;
				throw ex;
			}
			loops.forEach(EventLoop::start);
			this.loops = List.copyOf(loops);
			this.watchdog = new Thread(this::watch, this.name + "-watchdog");
			this.watchdog.setDaemon(true);
			this.watchdog.start();
		}
	}

	/** Stop the loops if this was their last user. */
	void release() {
		List<EventLoop> stopping;
		synchronized (this.lock) {
			if (this.users == 0 || --this.users > 0) {
				return;
			}
			stopping = this.loops;
			this.loops = List.of();
			Thread watchdog = this.watchdog;
			if (watchdog != null) {
				watchdog.interrupt();
				this.watchdog = null;
			}
		}
		stopping.forEach(EventLoop::shutdown);
	}

	/** @return the next loop, round robin */
	EventLoop next() {
		List<EventLoop> loops;
		synchronized (this.lock) {
			loops = this.loops;
		}
		if (loops.isEmpty()) {
			throw new IllegalStateException("Event loop group '" + this.name + "' is not running");
		}
		return loops.get(Math.floorMod(this.next.getAndIncrement(), loops.size()));
	}

	private void watch() {
		long threshold = this.blockedThreshold.toNanos();
		long period = Math.max(threshold / 4, Duration.ofMillis(10).toNanos());
		while (!Thread.currentThread().isInterrupted()) {
			if (!ServerSupport.sleep(Duration.ofNanos(period))) {
				return;
			}
			List<EventLoop> loops;
			synchronized (this.lock) {
				loops = this.loops;
			}
			long now = System.nanoTime();
			for (EventLoop loop : loops) {
				if (loop.isBlocked(now, threshold)) {
					this.blocked.incrementAndGet();
					IllegalStateException where = new IllegalStateException("Blocked here");
					where.setStackTrace(loop.thread().getStackTrace());
					logger.warn("Event loop " + loop.thread().getName() + " has been busy with one task for "
							+ Duration.ofNanos(now - loop.busySince()).toMillis() + " ms (threshold "
							+ this.blockedThreshold.toMillis() + " ms): a handler on the event loop must not block; "
							+ "use dispatch: workers for handlers that may", where);
				}
			}
		}
	}

	@Override
	public String toString() {
		return "event loop group '" + this.name + "' (" + this.threads + " threads)";
	}

}
