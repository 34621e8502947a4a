package io.github.unixsocket.server;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * One event loop: a thread that selects, handles the ready channels, runs queued tasks
 * and periodic tickers (idle and message timeouts), in the manner of Netty's
 * {@code NioEventLoop}. Everything registered with it is touched by its thread only,
 * unless said otherwise.
 */
final class EventLoop {

	private static final Log logger = LogFactory.getLog(EventLoop.class);

	/** Shared by the loop's connections for reads and batched writes; never escapes the loop. */
	static final int BUFFER_SIZE = 64 * 1024;

	private final Selector selector;

	private final Thread thread;

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	/** Set while the loop may be blocked in select: only then does a new task need a wakeup. */
	private final AtomicBoolean selecting = new AtomicBoolean();

	private final List<Ticker> tickers = new ArrayList<>();

	final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER_SIZE);

	final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(BUFFER_SIZE);

	/**
	 * When the current task started, 0 while the loop waits: read by the watchdog. Written
	 * twice per ready channel, so opaque rather than volatile (a volatile store is a full
	 * fence): the watchdog needs the value eventually, not in order with anything else.
	 */
	private long busySince;

	private static final VarHandle BUSY_SINCE;

	static {
		try {
			BUSY_SINCE = MethodHandles.lookup().findVarHandle(EventLoop.class, "busySince", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private long reportedBusySince;

	private volatile boolean running = true;

	/**
	 * {@link System#nanoTime()} when the current ready channel or task was taken up (the
	 * watchdog's clock reading, shared): cheap enough to stamp every read with.
	 */
	long now = System.nanoTime();

	EventLoop(String name, SelectorProvider provider) throws IOException {
		this.selector = provider.openSelector();
		this.thread = new Thread(this::run, name);
		// Non-daemon: a running server keeps the JVM alive, like a web server does.
		this.thread.setDaemon(false);
	}

	void start() {
		this.thread.start();
	}

	Thread thread() {
		return this.thread;
	}

	Selector selector() {
		return this.selector;
	}

	boolean inLoop() {
		return Thread.currentThread() == this.thread;
	}

	/**
	 * Run a task on the loop, soon; from any thread.
	 * @param task the task
	 */
	void execute(Runnable task) {
		this.tasks.add(task);
		if (!inLoop() && this.selecting.compareAndSet(true, false)) {
			this.selector.wakeup();
		}
	}

	/**
	 * Call {@code tick} every {@code period} on the loop, until it returns {@code false}.
	 * Loop thread only.
	 * @param period how often
	 * @param tick what to run; returns whether to keep ticking
	 */
	void tick(Duration period, Ticker.Tick tick) {
		this.tickers.add(new Ticker(period.toNanos(), tick, this.now + period.toNanos()));
	}

	/** Stop the loop and wait for it; the channels still registered are closed. */
	void shutdown() {
		this.running = false;
		if (this.thread.getState() == Thread.State.NEW) {
			// Never started (the group gave up starting its loops): its thread will not close the selector.
			ServerSupport.closeQuietly(this.selector);
			return;
		}
		this.selector.wakeup();
		if (!inLoop()) {
			ServerSupport.join(this.thread, Duration.ofSeconds(10));
		}
	}

	long busySince() {
		return (long) BUSY_SINCE.getOpaque(this);
	}

	/** Watchdog thread: whether one task has kept the loop longer than the threshold (once per task). */
	boolean isBlocked(long now, long threshold) {
		long since = busySince();
		if (since == 0 || now - since < threshold || since == this.reportedBusySince) {
			return false;
		}
		this.reportedBusySince = since;
		return true;
	}

	private void run() {
		try {
			while (this.running) {
				runTasks();
				long timeout = nextTickDelayMillis();
				this.selecting.set(true);
				if (!this.tasks.isEmpty()) {
					this.selecting.set(false);
					this.selector.selectNow(this::ready);
				}
				else {
					this.selector.select(this::ready, timeout);
				}
				this.selecting.set(false);
				this.now = System.nanoTime();
				runTickers();
			}
		}
		catch (ClosedSelectorException ex) {
			// shut down
		}
		catch (IOException ex) {
			logger.error("Event loop " + this.thread.getName() + " failed", ex);
		}
		finally {
			// What is still registered is abandoned; a cancelled key's channel (an inherited
			// socket, say) is not ours to close.
			for (SelectionKey key : this.selector.keys()) {
				if (key.isValid()) {
					ServerSupport.closeQuietly(key.channel());
				}
			}
			ServerSupport.closeQuietly(this.selector);
		}
	}

	private void ready(SelectionKey key) {
		// Not the time select returned at: keys are handled inside select, after a wait of any length.
		this.now = System.nanoTime();
		busy(this.now | 1);
		try {
			((Ready) key.attachment()).ready(key);
		}
		catch (Throwable ex) {
			logger.error("Event loop " + this.thread.getName() + ": unexpected failure handling " + key.attachment(), ex);
		}
		finally {
			busy(0);
		}
	}

	private void busy(long since) {
		BUSY_SINCE.setOpaque(this, since);
	}

	private void runTasks() {
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			this.now = System.nanoTime();
			busy(this.now | 1);
			try {
				task.run();
			}
			catch (Throwable ex) {
				logger.error("Event loop " + this.thread.getName() + ": a task failed", ex);
			}
			finally {
				busy(0);
			}
		}
	}

	private long nextTickDelayMillis() {
		if (this.tickers.isEmpty()) {
			return 0;
		}
		long next = Long.MAX_VALUE;
		for (Ticker ticker : this.tickers) {
			next = Math.min(next, ticker.next - this.now);
		}
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next) + 1);
	}

	private void runTickers() {
		for (int i = this.tickers.size() - 1; i >= 0; i--) {
			Ticker ticker = this.tickers.get(i);
			if (this.now - ticker.next < 0) {
				continue;
			}
			ticker.next = this.now + ticker.period;
			boolean keep;
			busy(System.nanoTime() | 1);
			try {
				keep = ticker.tick.tick(this.now);
			}
			catch (Throwable ex) {
				logger.error("Event loop " + this.thread.getName() + ": a timer failed", ex);
				keep = true;
			}
			finally {
				busy(0);
			}
			if (!keep) {
				this.tickers.remove(i);
			}
		}
	}

	/** Something registered with the loop's selector: the key's attachment. */
	interface Ready {

		/**
		 * The channel is ready for the key's ready operations. Loop thread.
		 * @param key the key
		 */
		void ready(SelectionKey key);

	}

	static final class Ticker {

		final long period;

		final Tick tick;

		long next;

		Ticker(long period, Tick tick, long next) {
			this.period = period;
			this.tick = tick;
			this.next = next;
		}

		interface Tick {

			/**
			 * @param now the loop's time
			 * @return whether to keep ticking
			 */
			boolean tick(long now);

		}

	}

}
