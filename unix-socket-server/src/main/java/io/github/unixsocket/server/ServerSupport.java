package io.github.unixsocket.server;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/** Thread and listener plumbing shared by the servers. */
final class ServerSupport {

	private ServerSupport() {
	}

	/**
	 * Tell every listener; what a listener throws is logged and ignored.
	 */
	static void fire(List<ServerListener> listeners, String serverName, Log logger, Consumer<ServerListener> event) {
		for (ServerListener listener : listeners) {
			try {
				event.accept(listener);
			}
			catch (Throwable ex) {
				logger.warn("Listener " + listener + " of unix socket server '" + serverName + "' failed", ex);
			}
		}
	}

	/**
	 * @param namePrefix thread names are this plus a counter
	 * @return a factory of daemon platform threads
	 */
	static ThreadFactory platformThreads(String namePrefix) {
		AtomicLong counter = new AtomicLong();
		return (task) -> {
			Thread thread = new Thread(task, namePrefix + counter.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	/** @return {@code false} if interrupted (the interrupt is kept) */
	static boolean sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** @return whether the thread has ended */
	static boolean join(@Nullable Thread thread, Duration timeout) {
		if (thread == null || thread == Thread.currentThread()) {
			return true;
		}
		try {
			thread.join(Math.max(1, timeout.toMillis()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return !thread.isAlive();
	}

	static void closeQuietly(@Nullable Closeable closeable) {
		try {
			if (closeable != null) {
				closeable.close();
			}
		}
		catch (IOException ex) {
			// nothing left to release
		}
	}

}
