package io.github.unixsocket.server;

import org.jspecify.annotations.Nullable;

/**
 * Handles one framed message of a {@code lines} or {@code length-prefixed} connection and
 * may reply. Messages of one connection arrive one at a time, in order, on that
 * connection's thread; replies are sent in the same order. What it throws closes the
 * connection and is logged and counted, never fatal to the server.
 *
 * @see FramedConnectionHandler
 */
@FunctionalInterface
public interface MessageHandler {

	/**
	 * Handle one message.
	 * @param connection the connection it arrived on
	 * @param message the message, without its newline or length prefix; the array is the
	 * handler's to keep
	 * @return the reply, framed by the protocol on the way out, or {@code null} for none
	 * @throws Exception anything: the connection is closed
	 */
	byte @Nullable [] handle(Connection connection, byte[] message) throws Exception;

	/**
	 * Called when the peer sends a message larger than the limit; the connection is closed
	 * right after. Nothing of that size is ever allocated.
	 * @param connection the connection
	 * @param maxMessageSize the limit
	 * @return a last reply to send before closing, or {@code null} for none
	 */
	default byte @Nullable [] messageTooLarge(Connection connection, int maxMessageSize) {
		return null;
	}

}
