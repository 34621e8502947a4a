package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

import org.jspecify.annotations.Nullable;

/**
 * The outbound side of one {@link LoopConnection}: its replies, written at once while the
 * peer takes them, else queued in order until the selector says it takes more. Replies of
 * the handler on the loop are framed into the loop's shared batch and written when the
 * read is done; a worker's reply is written by the worker, after anything still queued,
 * except on junixsocket's channels, where the loop writes it (see {@link #awaitWritable}).
 * Queued bytes above {@link LoopConnection#HIGH_WATER_MARK} pause reading the connection.
 */
final class LoopOutbound {

	private final LoopConnection connection;

	private final EventLoop loop;

	private final SocketChannel channel;

	private final FramedMessages framing;

	/** A junixsocket channel: only the loop writes to it. */
	private final boolean junixsocket;

	/** The connection's lock, shared with its reading and its hand-off. */
	private final Object lock;

	// Guarded by lock.

	private final ArrayDeque<ByteBuffer> unsent = new ArrayDeque<>();

	private long unsentBytes;

	private boolean writeInterest;

	LoopOutbound(LoopConnection connection, EventLoop loop, SocketChannel channel, FramedMessages framing,
			boolean junixsocket, Object lock) {
		this.connection = connection;
		this.loop = loop;
		this.channel = channel;
		this.framing = framing;
		this.junixsocket = junixsocket;
		this.lock = lock;
	}

	/** Under the lock: nothing queued. */
	boolean isEmpty() {
		return this.unsent.isEmpty();
	}

	/** Under the lock. */
	long unsentBytes() {
		return this.unsentBytes;
	}

	/** Under the lock, the connection closed: drop what cannot go out any more. */
	void clear() {
		this.unsent.clear();
	}

	/** On the loop: into the loop's reply batch, written when the read is done. */
	void reply(byte @Nullable [] reply) {
		if (reply == null) {
			return;
		}
		ByteBuffer batch = this.loop.writeBuffer;
		int frameSize = this.framing.frameSize(reply);
		if (frameSize > batch.remaining()) {
			flush(batch);
			batch.clear();
		}
		if (frameSize > batch.remaining()) {
			enqueue(this.framing.frame(reply));
			return;
		}
		this.framing.frameInto(reply, batch);
	}

	/** Write the batch, or what fits, and keep the rest; in order after anything unsent. */
	void flush(ByteBuffer batch) {
		batch.flip();
		if (!batch.hasRemaining() || this.connection.isClosed()) {
			return;
		}
		synchronized (this.lock) {
			if (this.unsent.isEmpty()) {
				if (!write(batch)) {
					return;
				}
			}
			if (batch.hasRemaining()) {
				ByteBuffer copy = ByteBuffer.allocate(batch.remaining()).put(batch).flip();
				queueUnsent(copy);
			}
		}
	}

	/** A framed reply of its own, from the loop or a worker. */
	void enqueue(ByteBuffer frame) {
		synchronized (this.lock) {
			if (this.unsent.isEmpty() && !writtenByTheLoop() && !write(frame)) {
				return;
			}
			if (frame.hasRemaining()) {
				queueUnsent(frame);
			}
		}
	}

	/** A worker's reply on a junixsocket channel: the loop writes it (see {@link #awaitWritable}). */
	private boolean writtenByTheLoop() {
		return this.junixsocket && !this.loop.inLoop();
	}

	/** Under the lock. */
	private void queueUnsent(ByteBuffer frame) {
		this.unsent.add(frame);
		this.unsentBytes += frame.remaining();
		if (!this.writeInterest) {
			this.writeInterest = true;
			if (writtenByTheLoop()) {
				this.loop.execute(this::flushUnsent);
			}
			else {
				this.connection.onLoop(this::awaitWritable);
			}
		}
		if (this.unsentBytes > LoopConnection.HIGH_WATER_MARK) {
			this.connection.pauseReading();
		}
	}

	/**
	 * Loop thread: flush the unsent replies when the peer can take more. Workers write on
	 * junixsocket's channels through the loop: a write that fails closes such a channel,
	 * whose key's cancel waits for the selector's lock, held by the loop while it handles
	 * ready keys (and perhaps waits for this connection's {@code out}).
	 */
	private void awaitWritable() {
		if (this.connection.isHungUp()) {
			// No selector will tell: try once, as a task of its own (the caller may be mid-read).
			this.loop.execute(this::flushUnsent);
		}
		else {
			this.connection.setInterest(SelectionKey.OP_WRITE, true);
		}
	}

	/** @return {@code false} if the connection failed and was closed */
	private boolean write(ByteBuffer buffer) {
		try {
			int n = this.channel.write(buffer);
			if (n > 0) {
				this.connection.sent(n);
			}
			return true;
		}
		catch (IOException ex) {
			this.connection.onLoop(() -> this.connection.ioFailed(ex));
			return false;
		}
	}

	/** Loop thread: the selector said writable, or a hang-up or a worker's reply asks to try. */
	void flushUnsent() {
		boolean done;
		synchronized (this.lock) {
			while (!this.unsent.isEmpty()) {
				ByteBuffer head = this.unsent.peek();
				int before = head.remaining();
				if (!write(head)) {
					return;
				}
				this.unsentBytes -= before - head.remaining();
				if (head.hasRemaining()) {
					break;
				}
				this.unsent.poll();
			}
			done = this.unsent.isEmpty();
			if (done) {
				this.writeInterest = false;
			}
		}
		if (!done && this.connection.isHungUp()) {
			// No selector will say when the peer takes more, and a peer that hung up takes nothing.
			this.connection.closeNow();
			return;
		}
		// Also for a flush not asked for by the selector (a worker's reply on a junixsocket channel).
		this.connection.setInterest(SelectionKey.OP_WRITE, !done);
		this.connection.resumeReadingIfBelowWaterMark();
		this.connection.afterProgress();
	}

}
