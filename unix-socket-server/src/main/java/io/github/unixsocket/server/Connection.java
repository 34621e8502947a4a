package io.github.unixsocket.server;

import java.net.SocketOption;
import java.time.Instant;
import java.util.Map;

import io.github.unixsocket.server.peer.PeerCredentials;

/**
 * One accepted connection: who is on the other end, since when, how much went each way, and
 * the means to end it. Every server's connections are {@code Connection}s: those a
 * {@link MessageHandler} is given, those {@link UnixSocketServerView#connections()} lists,
 * those a {@link ServerListener} or {@link ConnectionCustomizer} sees. A raw connection,
 * whose {@link ConnectionHandler} reads and writes the bytes itself, is a
 * {@link StreamConnection}.
 * <p>
 * A connection of an HTTP socket belongs to its web server: {@link #setOption},
 * {@link #shutdownInput()} and {@link #shutdownOutput()} throw
 * {@link UnsupportedOperationException} there, and its byte counts stay 0.
 */
public interface Connection extends AutoCloseable {

	/** @return id unique within this server's lifetime, starting at 1 */
	long id();

	/** @return the name of the server that accepted this connection */
	String serverName();

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
	 * Stop reading: the peer's further bytes are discarded (a framed connection handles no
	 * further message) and reads return -1.
	 * @throws java.io.IOException on failure
	 */
	void shutdownInput() throws java.io.IOException;

	/**
	 * Stop writing: the peer reads end-of-stream while it can still send. On a framed
	 * connection the replies already given are sent first, then the connection closes.
	 * @throws java.io.IOException on failure
	 */
	void shutdownOutput() throws java.io.IOException;

	/**
	 * Whether the server is draining: the handler should finish the exchange in progress
	 * and return, the connection is closed at the drain deadline otherwise.
	 * @return {@code true} while the server drains
	 */
	boolean isDraining();

	/** @return when the connection was accepted */
	Instant openedAt();

	/** @return bytes read from the peer so far */
	long bytesReceived();

	/** @return bytes written to the peer so far */
	long bytesSent();

	/** @return when a byte was last read or written, or {@link #openedAt()} */
	Instant lastActivity();

	/**
	 * Take the file descriptors the peer sent ({@code SCM_RIGHTS}) with the message being
	 * handled (on a raw connection: with the bytes of the last read). They are the caller's
	 * to close; those not taken are closed when the handler returns (on a raw connection:
	 * at the next read). At most the server's {@code max-file-descriptors} per message.
	 * @return the descriptors, none if the peer sent none
	 * @throws java.io.IOException if they cannot be duplicated out of the transport's hands
	 * @throws UnsupportedOperationException unless the server passes descriptors
	 */
	default java.io.FileDescriptor[] receiveFileDescriptors() throws java.io.IOException {
		throw new UnsupportedOperationException("This connection does not pass file descriptors");
	}

	/**
	 * Send file descriptors with the reply to the message being handled (on a raw
	 * connection: with the next bytes written). They are duplicated at once: the caller
	 * may close its own.
	 * @param descriptors open descriptors, at most the server's {@code max-file-descriptors}
	 * per message
	 * @throws java.io.IOException if one cannot be duplicated, or there are too many
	 * @throws UnsupportedOperationException unless the server passes descriptors
	 */
	default void sendFileDescriptors(java.io.FileDescriptor... descriptors) throws java.io.IOException {
		throw new UnsupportedOperationException("This connection does not pass file descriptors");
	}

	/** Close the connection; the handler's blocked reads and writes fail. */
	@Override
	void close();

}
