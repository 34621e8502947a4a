package io.github.unixsocket.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The one place that cuts a byte stream into messages and frames replies, for the event
 * loop ({@link LoopConnection}) and the blocking {@link FramedConnectionHandler} alike: by
 * newline ({@link Framing#LINES}: a {@code \r} before it is dropped, replies get a
 * {@code \n}) or by a 4-byte big-endian length ({@link Framing#LENGTH_PREFIXED}, replies
 * too), each message within a limit checked here. Pure: it keeps no state of its own, the
 * connection keeps the message in progress.
 */
final class FramedMessages {

	/** Returned where a message is over the limit. */
	static final int TOO_LARGE = -2;

	private static final int PREFIX = 4;

	private final Framing framing;

	private final MessageHandler handler;

	private final int maxMessageSize;

	FramedMessages(Framing framing, MessageHandler handler, int maxMessageSize) {
		this.maxMessageSize = checkMaxMessageSize(maxMessageSize);
		this.framing = Objects.requireNonNull(framing, "framing");
		this.handler = Objects.requireNonNull(handler, "handler");
	}

	/**
	 * The message limit's one rule, also for a builder that checks it when it is set.
	 * @return {@code maxMessageSize}
	 * @throws IllegalArgumentException if it is out of range
	 */
	static int checkMaxMessageSize(int maxMessageSize) {
		if (maxMessageSize <= 0 || maxMessageSize > FramedConnectionHandler.MAX_LIMIT) {
			throw new IllegalArgumentException("maxMessageSize must be between 1 and " + FramedConnectionHandler.MAX_LIMIT);
		}
		return maxMessageSize;
	}

	Framing framing() {
		return this.framing;
	}

	MessageHandler handler() {
		return this.handler;
	}

	int maxMessageSize() {
		return this.maxMessageSize;
	}

	boolean lines() {
		return this.framing == Framing.LINES;
	}

	/** @return the most a message in progress needs: its bytes plus the newline or prefix */
	int capacityLimit() {
		return this.maxMessageSize + (lines() ? 1 : PREFIX);
	}

	/** @return whether {@code length} buffered bytes are already more than any message may be */
	boolean exceedsLimit(int length) {
		return length > (lines() ? this.maxMessageSize : capacityLimit());
	}

	/**
	 * Find the end of the message starting at {@code start}.
	 * @return where its content ends (the newline, or the end of the body), -1 if it is
	 * not complete in {@code data}, {@link #TOO_LARGE} if it is over the limit
	 */
	int messageEnd(ByteBuffer data, int start) {
		return messageEnd(data, start, start);
	}

	/**
	 * Like {@link #messageEnd(ByteBuffer, int)}, for a buffer whose bytes from
	 * {@code start} to {@code scanFrom} are known to hold no newline: a line arriving in many
	 * reads is then scanned once, not again from its start at each.
	 */
	int messageEnd(ByteBuffer data, int start, int scanFrom) {
		int limit = data.limit();
		if (lines()) {
			// In long arithmetic: near the largest limit, start + limit would overflow an int.
			int scanLimit = (int) Math.min(limit, (long) start + this.maxMessageSize + 1);
			int newline = indexOfNewline(data, scanFrom, scanLimit);
			if (newline >= 0) {
				return newline;
			}
			return (scanLimit - start > this.maxMessageSize) ? TOO_LARGE : -1;
		}
		if (limit - start < PREFIX) {
			return -1;
		}
		int length = data.getInt(start);
		if (length < 0 || length > this.maxMessageSize) {
			return TOO_LARGE;
		}
		return (limit - start - PREFIX >= length) ? start + PREFIX + length : -1;
	}

	/**
	 * Eight bytes at a time (the scan was the loop's largest cost of its own in a
	 * profile of 64-byte lines): a word's bytes equal to {@code '\n'} become zero, and
	 * the lowest zero byte of a word read little-endian is the first newline (the
	 * borrow of the zero-byte test only marks bytes above a zero byte, never below).
	 */
	static int indexOfNewline(ByteBuffer data, int from, int to) {
		boolean littleEndian = data.order() == ByteOrder.LITTLE_ENDIAN;
		int i = from;
		for (; i <= to - Long.BYTES; i += Long.BYTES) {
			long word = data.getLong(i);
			long x = (littleEndian ? word : Long.reverseBytes(word)) ^ NEWLINES;
			long zeros = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
			if (zeros != 0) {
				return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
			}
		}
		for (; i < to; i++) {
			if (data.get(i) == '\n') {
				return i;
			}
		}
		return -1;
	}

	private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

	/** @return where the next message starts after one whose content ends at {@code end} */
	int next(int end) {
		return lines() ? end + 1 : end;
	}

	/** @return the message whose frame is {@code [start, end)} (content only) */
	byte[] message(ByteBuffer data, int start, int end) {
		int from = lines() ? start : start + PREFIX;
		int to = (lines() && end > from && data.get(end - 1) == '\r') ? end - 1 : end;
		byte[] message = new byte[to - from];
		data.get(from, message);
		return message;
	}

	/** @return the message held complete in {@code partial[0, length)}, its frame included */
	byte[] message(byte[] partial, int length) {
		int from = lines() ? 0 : PREFIX;
		int to = length;
		if (lines()) {
			if (to > 0 && partial[to - 1] == '\n') {
				to--;
			}
			if (to > 0 && partial[to - 1] == '\r') {
				to--;
			}
		}
		byte[] message = new byte[to - from];
		System.arraycopy(partial, from, message, 0, message.length);
		return message;
	}

	/**
	 * How many bytes of {@code data} would complete the message in progress.
	 * @return that count (more than {@code data.remaining()} if {@code data} does not
	 * complete it), or {@link #TOO_LARGE}
	 */
	int stillNeeded(byte[] partial, int length, ByteBuffer data) {
		int position = data.position();
		int remaining = data.remaining();
		if (lines()) {
			int scanLimit = Math.min(remaining, this.maxMessageSize + 1 - length);
			for (int i = 0; i < scanLimit; i++) {
				if (data.get(position + i) == '\n') {
					return i + 1;
				}
			}
			return (length + scanLimit > this.maxMessageSize) ? TOO_LARGE : remaining + 1;
		}
		if (length + remaining < PREFIX) {
			return remaining + 1;
		}
		int prefix = 0;
		for (int i = 0; i < PREFIX; i++) {
			byte b = (i < length) ? partial[i] : data.get(position + i - length);
			prefix = (prefix << 8) | (b & 0xFF);
		}
		if (prefix < 0 || prefix > this.maxMessageSize) {
			return TOO_LARGE;
		}
		return PREFIX + prefix - length;
	}

	/** @return the bytes a reply takes on the wire */
	int frameSize(byte[] reply) {
		return reply.length + (lines() ? 1 : PREFIX);
	}

	/** Put the framed reply into {@code buffer}, which has room for it. */
	void frameInto(byte[] reply, ByteBuffer buffer) {
		headerInto(reply, buffer);
		buffer.put(reply);
		trailerInto(buffer);
	}

	/** Put what goes before the reply's bytes (its length prefix, if any) into {@code buffer}. */
	void headerInto(byte[] reply, ByteBuffer buffer) {
		if (!lines()) {
			buffer.putInt(reply.length);
		}
	}

	/** Put what goes after a reply's bytes (its newline, if any) into {@code buffer}. */
	void trailerInto(ByteBuffer buffer) {
		if (lines()) {
			buffer.put((byte) '\n');
		}
	}

	/** @return the framed reply in a buffer of its own, ready to write */
	ByteBuffer frame(byte[] reply) {
		ByteBuffer frame = ByteBuffer.allocate(frameSize(reply));
		frameInto(reply, frame);
		return frame.flip();
	}

}
