package io.github.unixsocket.server;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * The hand-off of one {@link LoopConnection}'s messages to the workers
 * ({@code dispatch: workers}): the loop queues each message as it is framed, and one worker
 * at a time takes them in order, so the handler sees one message of a connection at a
 * time and its replies go out ({@link LoopOutbound#enqueue}) in that order. Queued bytes
 * above {@link LoopConnection#HIGH_WATER_MARK} pause reading the connection, as unsent
 * replies do.
 */
final class LoopHandOff {

	/**
	 * Queued in place of a message that was too large (compared by identity): its last
	 * reply goes out after the replies to the messages before it.
	 */
	private static final byte[] TOO_LARGE = new byte[0];

	private final LoopConnection connection;

	private final LoopOutbound outbound;

	private final FramedMessages framing;

	private final Executor workers;

	/** The connection's lock, shared with its reading and its outbound side. */
	private final Object lock;

	/** The worker's task, made once: a busy connection starts the worker for nearly every message. */
	private final Runnable runHandler = this::runHandler;

	// Guarded by lock.

	private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();

	private long waitingBytes;

	private boolean workerRunning;

	LoopHandOff(LoopConnection connection, LoopOutbound outbound, FramedMessages framing, Executor workers,
			Object lock) {
		this.connection = connection;
		this.outbound = outbound;
		this.framing = framing;
		this.workers = workers;
		this.lock = lock;
	}

	/** Under the lock: every message handed off is answered. */
	boolean isIdle() {
		return this.waiting.isEmpty() && !this.workerRunning;
	}

	/** Under the lock. */
	boolean isWorkerRunning() {
		return this.workerRunning;
	}

	/** Under the lock. */
	long waitingBytes() {
		return this.waitingBytes;
	}

	/** Under the lock, the connection closed: the worker stops at its next message. */
	void clear() {
		this.waiting.clear();
	}

	/** Loop thread: to the worker, behind the messages already waiting for it. */
	void handOff(byte[] message) {
		boolean start;
		synchronized (this.lock) {
			this.waiting.add(message);
			this.waitingBytes += message.length;
			start = !this.workerRunning;
			this.workerRunning = true;
			if (this.waitingBytes > LoopConnection.HIGH_WATER_MARK) {
				this.connection.pauseReading();
			}
		}
		if (start) {
			this.workers.execute(this.runHandler);
		}
	}

	/** Loop thread: the handler's last reply, after those to the messages before the one too large. */
	void handOffTooLarge() {
		handOff(TOO_LARGE);
	}

	/** Worker thread: the connection's waiting messages, one after another. */
	private void runHandler() {
		while (true) {
			byte[] message;
			synchronized (this.lock) {
				message = this.waiting.poll();
				if (message == null || this.connection.isClosed()) {
					this.workerRunning = false;
					break;
				}
				this.waitingBytes -= message.length;
			}
			try {
				byte[] reply = (message == TOO_LARGE)
						? this.framing.handler().messageTooLarge(this.connection, this.framing.maxMessageSize())
						: this.connection.handle(message);
				if (reply != null) {
					this.outbound.enqueue(this.framing.frame(reply));
				}
			}
			catch (Throwable ex) {
				this.connection.onLoop(() -> this.connection.handlerFailed(ex));
				synchronized (this.lock) {
					this.workerRunning = false;
				}
				return;
			}
		}
		this.connection.onLoop(() -> {
			this.connection.resumeReadingIfBelowWaterMark();
			this.connection.updateMessageClock();
			this.connection.afterProgress();
		});
	}

}
