package io.github.unixsocket.server;

import java.io.IOException;
import java.time.Duration;

import io.github.unixsocket.server.file.SocketFileException;

/**
 * A Unix domain socket server the application runs: started, drained, inspected.
 * Implementations are thread-safe.
 */
public interface UnixSocketServer extends UnixSocketServerView, AutoCloseable {

	/**
	 * Bind the socket and start serving.
	 * @throws IOException if the socket cannot be bound ({@link SocketFileException} says why)
	 * @throws IllegalStateException if the server is running or draining
	 */
	void start() throws IOException;

	/**
	 * Stop accepting and remove the socket file at once, let open connections finish for
	 * up to the configured shutdown timeout, then close what is left.
	 * @return how the drain went
	 */
	DrainResult stop();

	/**
	 * Like {@link #stop()} with an explicit drain budget.
	 * @param drainTimeout how long open connections may take to finish
	 * @return how the drain went
	 */
	DrainResult stop(Duration drainTimeout);

	/** Stop at once: no drain, open connections are closed. */
	@Override
	default void close() {
		stop(Duration.ZERO);
	}

}
