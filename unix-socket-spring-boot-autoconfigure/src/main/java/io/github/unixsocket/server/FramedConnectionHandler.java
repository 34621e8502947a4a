package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.Arrays;
import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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
 * ({@link Connection#setIdleBetweenRequests}).
 */
public final class FramedConnectionHandler implements ConnectionHandler {

	/** Largest message limit: what a Java array can hold, with room for a frame's header. */
	public static final int MAX_LIMIT = Integer.MAX_VALUE - 16;

	private static final Log logger = LogFactory.getLog(FramedConnectionHandler.class);

	private static final int INITIAL_BUFFER_SIZE = 8192;

	private static final int RETAINED_BUFFER_SIZE = 64 * 1024;

	private static final int PREFIX_SIZE = 4;

	private final boolean lines;

	private final MessageHandler handler;

	private final int maxMessageSize;

	private FramedConnectionHandler(boolean lines, MessageHandler handler, int maxMessageSize) {
		if (maxMessageSize <= 0 || maxMessageSize > MAX_LIMIT) {
			throw new IllegalArgumentException("maxMessageSize must be between 1 and " + MAX_LIMIT);
		}
		this.lines = lines;
		this.handler = Objects.requireNonNull(handler, "handler");
		this.maxMessageSize = maxMessageSize;
	}

	/**
	 * Newline-delimited messages.
	 * @param handler handles each line
	 * @param maxMessageSize largest line in bytes, without its newline
	 * @return the connection handler
	 */
	public static FramedConnectionHandler lines(MessageHandler handler, int maxMessageSize) {
		return new FramedConnectionHandler(true, handler, maxMessageSize);
	}

	/**
	 * Messages preceded by a 4-byte big-endian length.
	 * @param handler handles each message
	 * @param maxMessageSize largest message in bytes, without its prefix
	 * @return the connection handler
	 */
	public static FramedConnectionHandler lengthPrefixed(MessageHandler handler, int maxMessageSize) {
		return new FramedConnectionHandler(false, handler, maxMessageSize);
	}

	/** @return the largest message accepted, in bytes */
	public int maxMessageSize() {
		return this.maxMessageSize;
	}

	@Override
	public void handle(Connection connection) throws Exception {
		new Session(connection).run();
	}

	/** One connection's buffers: filled and drained by its own thread only. */
	private final class Session {

		private final Connection connection;

		private final ByteChannel channel;

		private final ByteBuffer out = ByteBuffer.allocate(INITIAL_BUFFER_SIZE);

		private byte[] in = new byte[Math.min(INITIAL_BUFFER_SIZE, capacityLimit())];

		private ByteBuffer inView = ByteBuffer.wrap(this.in);

		/** Unconsumed bytes are in[start, end); in[start, scanned) holds no newline. */
		private int start;

		private int end;

		private int scanned;

		Session(Connection connection) {
			this.connection = connection;
			this.channel = connection.channel();
		}

		void run() throws Exception {
			while (deliverBuffered()) {
				flush();
				if (this.connection.isDraining()) {
					return;
				}
				if (!fillNextOrRest()) {
					if (FramedConnectionHandler.this.lines && this.end > this.start) {
						deliver(this.start, this.end);
					}
					flush();
					return;
				}
			}
			flush();
		}

		/** @return {@code false} if a message was too large and the connection must end */
		private boolean deliverBuffered() throws Exception {
			int max = FramedConnectionHandler.this.maxMessageSize;
			if (FramedConnectionHandler.this.lines) {
				byte[] bytes = this.in;
				for (int i = this.scanned; i < this.end; i++) {
					if (bytes[i] == '\n') {
						if (i - this.start > max) {
							return tooLarge();
						}
						int messageStart = this.start;
						this.start = i + 1;
						deliver(messageStart, i);
					}
				}
				this.scanned = this.end;
				if (this.end - this.start > max) {
					return tooLarge();
				}
			}
			else {
				while (this.end - this.start >= PREFIX_SIZE) {
					int length = ((this.in[this.start] & 0xFF) << 24) | ((this.in[this.start + 1] & 0xFF) << 16)
							| ((this.in[this.start + 2] & 0xFF) << 8) | (this.in[this.start + 3] & 0xFF);
					if (length < 0 || length > max) {
						return tooLarge();
					}
					if (this.end - this.start - PREFIX_SIZE < length) {
						break;
					}
					int messageStart = this.start + PREFIX_SIZE;
					this.start = messageStart + length;
					deliver(messageStart, this.start);
				}
			}
			if (this.start == this.end) {
				this.start = 0;
				this.end = 0;
				this.scanned = 0;
				if (this.in.length > RETAINED_BUFFER_SIZE) {
					// A large message is done: do not keep its buffer for the life of the connection.
					this.in = new byte[INITIAL_BUFFER_SIZE];
					this.inView = ByteBuffer.wrap(this.in);
				}
			}
			return true;
		}

		private void deliver(int from, int to) throws Exception {
			if (FramedConnectionHandler.this.lines && to > from && this.in[to - 1] == '\r') {
				to--;
			}
			byte[] reply = FramedConnectionHandler.this.handler.handle(this.connection,
					Arrays.copyOfRange(this.in, from, to));
			if (reply != null) {
				send(reply);
			}
		}

		private boolean tooLarge() throws IOException {
			logger.debug("Closing " + this.connection + ": message larger than "
					+ FramedConnectionHandler.this.maxMessageSize + " bytes");
			byte[] reply = FramedConnectionHandler.this.handler.messageTooLarge(this.connection,
					FramedConnectionHandler.this.maxMessageSize);
			if (reply != null) {
				send(reply);
				flush();
				this.connection.shutdownOutput();
			}
			return false;
		}

		/** Queue a reply; replies are written when no further request is buffered. */
		private void send(byte[] reply) throws IOException {
			int frameSize = reply.length + (FramedConnectionHandler.this.lines ? 1 : PREFIX_SIZE);
			if (frameSize > this.out.remaining()) {
				flush();
			}
			if (frameSize > this.out.remaining()) {
				// Too big for the buffer: header (if any) through the buffer, body straight from the array.
				if (!FramedConnectionHandler.this.lines) {
					this.out.putInt(reply.length);
					flush();
				}
				write(ByteBuffer.wrap(reply));
				if (FramedConnectionHandler.this.lines) {
					this.out.put((byte) '\n');
				}
				return;
			}
			if (!FramedConnectionHandler.this.lines) {
				this.out.putInt(reply.length);
			}
			this.out.put(reply);
			if (FramedConnectionHandler.this.lines) {
				this.out.put((byte) '\n');
			}
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

		/** @return {@code false} at end-of-stream */
		private boolean fill() throws IOException {
			if (this.end == this.in.length) {
				makeRoom();
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
			return true;
		}

		private void makeRoom() {
			if (this.start > 0) {
				System.arraycopy(this.in, this.start, this.in, 0, this.end - this.start);
				this.end -= this.start;
				this.scanned -= this.start;
				this.start = 0;
				return;
			}
			// Full from the start: the message in progress is still within the limit, so grow.
			int capacity = (int) Math.min((long) this.in.length * 2, capacityLimit());
			this.in = Arrays.copyOf(this.in, capacity);
			this.inView = ByteBuffer.wrap(this.in);
		}

	}

	/** The most a message within the limit needs: its bytes plus the newline or prefix. */
	private int capacityLimit() {
		return this.maxMessageSize + (this.lines ? 1 : PREFIX_SIZE);
	}

}
