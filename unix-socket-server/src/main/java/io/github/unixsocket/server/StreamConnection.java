package io.github.unixsocket.server;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ByteChannel;

/**
 * A raw connection, served on a thread of its own by a {@link ConnectionHandler}, which reads
 * and writes the bytes itself. Reads and writes through {@link #inputStream()},
 * {@link #outputStream()} or {@link #channel()} are blocking, count bytes and refresh the
 * idle timer; reading and writing from two threads at once is safe.
 * <p>
 * Framed connections ({@code lines}, {@code length-prefixed}, {@code commands}) are plain
 * {@link Connection}s: the event loop reads them, and a {@link MessageHandler} replies by
 * returning bytes.
 */
public interface StreamConnection extends Connection {

	/** @return a blocking stream of the bytes the peer sends; -1 once it has half-closed */
	InputStream inputStream();

	/** @return a blocking stream to the peer */
	OutputStream outputStream();

	/** @return the connection as a blocking channel, for buffer-based I/O */
	ByteChannel channel();

	/**
	 * Say whether the handler is idle between requests, blocked waiting for the next one.
	 * While it is, a draining server closes the connection at once instead of at the drain
	 * deadline, so shutdown does not wait on clients that have nothing in flight.
	 * {@link FramedConnectionHandler} does this itself.
	 * @param idle {@code true} before blocking for the next request, {@code false} once bytes
	 * of it arrived
	 */
	void setIdleBetweenRequests(boolean idle);

}
