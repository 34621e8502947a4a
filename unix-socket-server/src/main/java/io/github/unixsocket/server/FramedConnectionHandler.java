package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.Arrays;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Splits a stream connection into messages for a {@link MessageHandler}, so the stream
 * server itself stays protocol-free:
 * <ul>
 * <li>{@link #lines lines}: messages end with {@code \n} (a {@code \r} before it is
 * dropped); replies get a {@code \n} appended; a last line without a newline before
 * end-of-stream is still a message;</li>
 * <li>{@link #lengthPrefixed length-prefixed}: each message and reply is preceded by its
 * length as a 4-byte big-endian integer.</li>
 * </ul>
 * Messages split across reads or several in one read (pipelined) are handled alike;
 * replies are written in order, batched while more requests are already buffered. The
 * read buffer grows with the data actually received and never beyond the limit: a line
 * longer than the limit, or a length prefix claiming more, ends the connection (after
 * {@link MessageHandler#messageTooLarge} had its say) without allocating that size. While
 * the server drains, the connection ends once the messages already received are answered;
 * one idle in wait for its next message is closed at once
 * ({@link StreamConnection#setIdleBetweenRequests}).
 * <p>
 * On a {@link StreamServer}'s connections, the part of the read buffer beyond its first
 * 8KB is reserved in the server's {@link StreamServer#bufferBudget() buffer budget} before
 * it is allocated, and returned once the buffer shrinks back (as soon as no large message
 * is in it) or the connection ends; a connection the budget evicts is closed. The server's
 * {@link StreamServer#messageTimeout() message timeout} runs while a started message waits
 * for the rest of its bytes, not while its handler runs. On other {@link StreamConnection}s
 * the handler keeps a budget of its own ({@link BufferBudget#DEFAULT_CAPACITY}) and no
 * message timeout.
 */
public final class FramedConnectionHandler implements ConnectionHandler {

	/** Largest message limit: what a Java array can hold, with room for a frame's header. */
	public static final int MAX_LIMIT = Integer.MAX_VALUE - 16;

	/** Default largest message, 1MB. */
	public static final int DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

	private static final Log logger = LogFactory.getLog(FramedConnectionHandler.class);

	/** What a connection's read buffer starts with and may always keep, outside the budget. */
	private static final int INITIAL_BUFFER_SIZE = 8192;

	/** A grown buffer holding no more than this goes back to the initial size (and the budget). */
	private static final int SHRINK_THRESHOLD = INITIAL_BUFFER_SIZE / 2;

	/** The framing rules and the limit, shared with the event loop's connections. */
	private final FramedMessages messages;

	/** For connections that are not a {@link StreamServer}'s (which use their server's budget). */
	private final BufferBudget ownBudget = new BufferBudget(BufferBudget.DEFAULT_CAPACITY);

	private FramedConnectionHandler(Framing framing, MessageHandler handler, int maxMessageSize) {
		this.messages = new FramedMessages(framing, handler, maxMessageSize);
	}

	/**
	 * Newline-delimited messages of at most {@link #DEFAULT_MAX_MESSAGE_SIZE}.
	 * @param handler handles each line
	 * @return the connection handler
	 */
	public static FramedConnectionHandler lines(MessageHandler handler) {
		return lines(handler, DEFAULT_MAX_MESSAGE_SIZE);
	}

	/**
	 * Newline-delimited messages.
	 * @param handler handles each line
	 * @param maxMessageSize largest line in bytes, without its newline
	 * @return the connection handler
	 */
	public static FramedConnectionHandler lines(MessageHandler handler, int maxMessageSize) {
		return new FramedConnectionHandler(Framing.LINES, handler, maxMessageSize);
	}

	/**
	 * Messages preceded by a 4-byte big-endian length, of at most
	 * {@link #DEFAULT_MAX_MESSAGE_SIZE}.
	 * @param handler handles each message
	 * @return the connection handler
	 */
	public static FramedConnectionHandler lengthPrefixed(MessageHandler handler) {
		return lengthPrefixed(handler, DEFAULT_MAX_MESSAGE_SIZE);
	}

	/**
	 * Messages preceded by a 4-byte big-endian length.
	 * @param handler handles each message
	 * @param maxMessageSize largest message in bytes, without its prefix
	 * @return the connection handler
	 */
	public static FramedConnectionHandler lengthPrefixed(MessageHandler handler, int maxMessageSize) {
		return new FramedConnectionHandler(Framing.LENGTH_PREFIXED, handler, maxMessageSize);
	}

	/** @return the largest message accepted, in bytes */
	public int maxMessageSize() {
		return this.messages.maxMessageSize();
	}

	@Override
	public void handle(StreamConnection connection) throws Exception {
		new Session(connection).run();
	}

	/** One connection's buffers: filled and drained by its own thread only. */
	private final class Session {

		private final FramedMessages messages = FramedConnectionHandler.this.messages;

		private final StreamConnection connection;

		private final ByteChannel channel;

		/** The server's connection: it keeps the message clock; {@code null} for other connections. */
		private final @Nullable ChannelConnection tracked;

		/** The read buffer's bytes beyond the initial size; opened when it first grows. */
		private BufferBudget.@Nullable Reservation reservation;

		/** Whether a started message is being waited for (the message clock runs). */
		private boolean inMessage;

		/** Set when the budget evicted this connection: nothing more is delivered. */
		private boolean evicted;

		private final ByteBuffer out = ByteBuffer.allocate(INITIAL_BUFFER_SIZE);

		private byte[] in = new byte[Math.min(INITIAL_BUFFER_SIZE, this.messages.capacityLimit())];

		private ByteBuffer inView = ByteBuffer.wrap(this.in);

		/** Unconsumed bytes are in[start, end); in[start, scanned) holds no newline. */
		private int start;

		private int end;

		private int scanned;

		Session(StreamConnection connection) {
			this.connection = connection;
			this.channel = connection.channel();
			this.tracked = (connection instanceof ChannelConnection channelConnection) ? channelConnection : null;
		}

		void run() throws Exception {
			try {
				serve();
			}
			finally {
				// Whatever ended the session (end-of-stream, a close, an error): the buffer is no longer ours.
				if (this.reservation != null) {
					this.reservation.close();
				}
				messageEnded();
			}
		}

		private void serve() throws Exception {
			while (deliverBuffered()) {
				flush();
				// Draining: done once everything received is answered, not in the middle of a message.
				if (this.connection.isDraining() && this.end == this.start) {
					return;
				}
				if (!fillNextOrRest()) {
					if (this.evicted) {
						return;
					}
					if (this.messages.lines() && this.end > this.start) {
						// A last line without its newline is still a message.
						messageEnded();
						deliver(this.messages.message(this.inView.limit(this.end), this.start, this.end));
					}
					flush();
					return;
				}
			}
			flush();
		}

		/** @return {@code false} if a message was too large and the connection must end */
		private boolean deliverBuffered() throws Exception {
			ByteBuffer data = this.inView.limit(this.end);
			while (this.end > this.start) {
				int messageEnd = this.messages.messageEnd(data, this.start, this.scanned);
				if (messageEnd == FramedMessages.TOO_LARGE) {
					tooLarge();
					return false;
				}
				if (messageEnd < 0) {
					this.scanned = this.end;
					break;
				}
				byte[] message = this.messages.message(data, this.start, messageEnd);
				this.start = this.messages.next(messageEnd);
				this.scanned = this.start;
				messageEnded();
				deliver(message);
			}
			if (this.start == this.end) {
				this.start = 0;
				this.end = 0;
				this.scanned = 0;
			}
			if (this.in.length > INITIAL_BUFFER_SIZE && this.end - this.start <= SHRINK_THRESHOLD) {
				shrink();
			}
			return true;
		}

		/** Large messages are done: give the buffer back rather than keep it for the life of the connection. */
		private void shrink() {
			byte[] smaller = new byte[INITIAL_BUFFER_SIZE];
			System.arraycopy(this.in, this.start, smaller, 0, this.end - this.start);
			this.end -= this.start;
			this.scanned = Math.max(0, this.scanned - this.start);
			this.start = 0;
			this.in = smaller;
			this.inView = ByteBuffer.wrap(this.in);
			// Opened when the buffer grew beyond its initial size.
			if (this.reservation != null) {
				this.reservation.resize(0);
			}
		}

		/** Stop the message clock: the message is complete (its handler runs next) or the session ends. */
		private void messageEnded() {
			if (this.inMessage) {
				this.inMessage = false;
				if (this.tracked != null) {
					this.tracked.messageEnded();
				}
			}
		}

		private void deliver(byte[] message) throws Exception {
			byte[] reply = this.messages.handler().handle(this.connection, message);
			if (reply != null) {
				send(reply);
			}
		}

		/** Answer a message over the limit (if the handler has a reply for it); the connection then ends. */
		private void tooLarge() throws IOException {
			logger.debug("Closing " + this.connection + ": message larger than " + this.messages.maxMessageSize()
					+ " bytes");
			byte[] reply = this.messages.handler().messageTooLarge(this.connection, this.messages.maxMessageSize());
			if (reply != null) {
				send(reply);
				flush();
				this.connection.shutdownOutput();
			}
		}

		/** Queue a reply; replies are written when no further request is buffered. */
		private void send(byte[] reply) throws IOException {
			int frameSize = this.messages.frameSize(reply);
			if (frameSize > this.out.remaining()) {
				flush();
			}
			if (frameSize > this.out.remaining()) {
				// Too big for the buffer: header (if any) through the buffer, body straight from the array.
				this.messages.headerInto(reply, this.out);
				flush();
				write(ByteBuffer.wrap(reply));
				this.messages.trailerInto(this.out);
				return;
			}
			this.messages.frameInto(reply, this.out);
		}

		private void flush() throws IOException {
			this.out.flip();
			write(this.out);
			this.out.clear();
		}

		private void write(ByteBuffer buffer) throws IOException {
			while (buffer.hasRemaining()) {
				this.channel.write(buffer);
			}
		}

		/** Like {@link #fill()}, telling the connection when no message is in progress. */
		private boolean fillNextOrRest() throws IOException {
			boolean idle = this.end == this.start;
			if (idle) {
				this.connection.setIdleBetweenRequests(true);
			}
			try {
				return fill();
			}
			finally {
				if (idle) {
					this.connection.setIdleBetweenRequests(false);
				}
			}
		}

		/** @return {@code false} at end-of-stream, or if the budget evicted the connection */
		private boolean fill() throws IOException {
			if (this.end == this.in.length && !makeRoom()) {
				this.evicted = true;
				return false;
			}
			if (this.end > this.start && !this.inMessage) {
				// The rest of a pipelined read, left after its handler ran: waited for from now on.
				startMessage(false);
			}
			this.inView.limit(this.in.length).position(this.end);
			int n;
			do {
				n = this.channel.read(this.inView);
			}
			while (n == 0);
			if (n < 0) {
				return false;
			}
			this.end += n;
			if (!this.inMessage) {
				startMessage(true);
			}
			return true;
		}

		/** Start the message clock, at the last read or now. */
		private void startMessage(boolean atLastRead) {
			this.inMessage = true;
			if (this.tracked != null) {
				if (atLastRead) {
					this.tracked.messageStartedWithLastRead();
				}
				else {
					this.tracked.messageStartedNow();
				}
			}
		}

		/** @return {@code false} if the buffer may not grow: the budget evicted this connection */
		private boolean makeRoom() {
			if (this.start > 0) {
				System.arraycopy(this.in, this.start, this.in, 0, this.end - this.start);
				this.end -= this.start;
				this.scanned -= this.start;
				this.start = 0;
				return true;
			}
			// Full from the start: the message in progress is still within the limit, so grow,
			// reserving the growth first so an evicted connection allocates nothing.
			int capacity = (int) Math.min((long) this.in.length * 2, this.messages.capacityLimit());
			if (!reservation().resize(Math.max(0, capacity - INITIAL_BUFFER_SIZE))) {
				return false;
			}
			this.in = Arrays.copyOf(this.in, capacity);
			this.inView = ByteBuffer.wrap(this.in);
			return true;
		}

		private BufferBudget.Reservation reservation() {
			if (this.reservation == null) {
				this.reservation = (this.tracked != null) ? this.tracked.openBufferReservation()
						: FramedConnectionHandler.this.ownBudget.open(this.connection::close);
			}
			return this.reservation;
		}

	}

}
