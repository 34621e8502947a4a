package io.github.unixsocket.server;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketOption;
import java.nio.channels.ByteChannel;
import java.time.Instant;
import java.util.Map;

/**
 * One accepted stream connection, as a handler sees it. Reads and writes through
 * {@link #inputStream()}, {@link #outputStream()} or {@link #channel()} are blocking, count
 * bytes and refresh the idle timer; reading and writing from two threads at once is safe.
 */
public interface Connection extends AutoCloseable {

	/** @return id unique within this server's lifetime, starting at 1 */
	long id();

	/** @return the name of the server that accepted this connection */
	String serverName();

	/** @return a blocking stream of the bytes the peer sends; -1 once it has half-closed */
	InputStream inputStream();

	/** @return a blocking stream to the peer */
	OutputStream outputStream();

	/** @return the connection as a blocking channel, for buffer-based I/O */
	ByteChannel channel();

	/** @return the peer's credentials, read once from the kernel */
	PeerCredentials peer();

	/** @return attributes for the application's own use, safe for concurrent access */
	Map<String, Object> attributes();

	/**
	 * Set a socket option, such as {@code SO_SNDBUF}, on this connection.
	 * @param <T> the option's type
	 * @param option the option
	 * @param value its value
	 * @throws java.io.IOException if the option cannot be set
	 */
	<T> void setOption(SocketOption<T> option, T value) throws java.io.IOException;

	/** @return whether the connection is still open */
	boolean isOpen();

	/**
	 * Stop reading: the peer's further bytes are discarded and reads return -1.
	 * @throws java.io.IOException on failure
	 */
	void shutdownInput() throws java.io.IOException;

	/**
	 * Stop writing: the peer reads end-of-stream while it can still send.
	 * @throws java.io.IOException on failure
	 */
	void shutdownOutput() throws java.io.IOException;

	/**
	 * Whether the server is draining: the handler should finish the exchange in progress
	 * and return, the connection is closed at the drain deadline otherwise.
	 * @return {@code true} while the server drains
	 */
	boolean isDraining();

	/**
	 * Say whether the handler is idle between requests, blocked waiting for the next one.
	 * While it is, a draining server closes the connection at once instead of at the drain
	 * deadline, so shutdown does not wait on clients that have nothing in flight. The framed
	 * protocols ({@code lines}, {@code length-prefixed}, {@code commands}) do this themselves.
	 * @param idle {@code true} before blocking for the next request, {@code false} once bytes
	 * of it arrived
	 */
	void setIdleBetweenRequests(boolean idle);

	/** @return when the connection was accepted */
	Instant openedAt();

	/** @return bytes read from the peer so far */
	long bytesReceived();

	/** @return bytes written to the peer so far */
	long bytesSent();

	/** @return when a byte was last read or written, or {@link #openedAt()} */
	Instant lastActivity();

	/** Close the connection; the handler's blocked reads and writes fail. */
	@Override
	void close();

}
