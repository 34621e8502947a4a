package io.github.unixsocket.server;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executor;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFSocketChannel;

/**
 * A framed connection served by an {@link EventLoop}: the loop reads into its own shared
 * buffer, frames messages ({@link Framing}), hands each to the {@link MessageHandler} on
 * the loop or on a worker, and writes the replies in order. An idle connection holds no
 * buffer and no thread: only a message in progress, replies not yet sent, or (with
 * workers) messages waiting for the handler take memory, and all of them are bounded:
 * <ul>
 * <li>a message in progress counts against the server's {@link BufferBudget} and the
 * message timeout;</li>
 * <li>while more than {@link #HIGH_WATER_MARK} bytes of replies wait for a client that does
 * not read, or as many bytes of messages wait for a busy worker, the connection is not
 * read; reading resumes below {@link #LOW_WATER_MARK} (as Netty's write buffer water
 * marks do).</li>
 * </ul>
 * Messages of one connection reach the handler one at a time, in order, and replies go
 * out in that order.
 * <p>
 * This class reads, frames, pauses and resumes reading, and opens and closes the
 * connection; its replies go out through its {@link LoopOutbound}, and with workers its
 * messages reach them through its {@link LoopHandOff}.
 * <p>
 * junixsocket's channels (abstract addresses, inherited sockets), on junixsocket's
 * selector, differ from the JDK's in two ways this class makes up for: a non-blocking
 * read returns 0, not -1, at the end of input; and the selector reports a hang-up
 * ({@code POLLHUP}, {@code POLLERR}) by making the key invalid, then drops the key at its
 * next select, leaving the channel open. So 0 bytes read from a channel the selector
 * reported readable is the end of input, and a hung-up connection reads on without the
 * selector until then.
 */
final class LoopConnection extends ServerConnection implements EventLoop.Ready {

	private static final Log logger = LogFactory.getLog(LoopConnection.class);

	/** Unsent replies (or queued messages) above this stop reading from the connection. */
	static final int HIGH_WATER_MARK = 256 * 1024;

	/** ... and below this reading resumes. */
	static final int LOW_WATER_MARK = 64 * 1024;

	private static final VarHandle BYTES_RECEIVED;

	private static final VarHandle BYTES_SENT;

	private static final VarHandle LAST_ACTIVITY;

	private static final VarHandle MESSAGES_HANDLED;

	private static final VarHandle HANDLER_NANOS;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			BYTES_RECEIVED = lookup.findVarHandle(LoopConnection.class, "bytesReceived", long.class);
			BYTES_SENT = lookup.findVarHandle(LoopConnection.class, "bytesSent", long.class);
			LAST_ACTIVITY = lookup.findVarHandle(LoopConnection.class, "lastActivityNanos", long.class);
			MESSAGES_HANDLED = lookup.findVarHandle(LoopConnection.class, "messagesHandled", long.class);
			HANDLER_NANOS = lookup.findVarHandle(LoopConnection.class, "handlerNanos", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final FramedMessages framing;

	private final EventLoop loop;

	private final BufferBudget.Reservation reservation;

	private @Nullable SelectionKey key;

	// Read side, loop thread only.

	/** Bytes of the message in progress, {@code null} when none. */
	private byte @Nullable [] partial;

	private int partialLength;

	/** Length of the message in progress once its prefix is known ({@code length-prefixed}), else -1. */
	private int expected = -1;

	private volatile long messageStartedNanos;

	private boolean inputEnded;

	/** Guarded by {@code out}: the outbound side and the hand-off pause reading from any thread. */
	private boolean readPaused;

	/** A junixsocket channel: its read returns 0 at the end of input, only the loop writes to it. */
	private final boolean junixsocket;

	/** The selector reported a hang-up and forgot the key: reads are loop tasks from now on. */
	private boolean hungUp;

	private boolean hungUpReadQueued;

	/**
	 * The one lock of the outbound side, the worker hand-off and the read pause, shared with
	 * {@link LoopOutbound} and {@link LoopHandOff}: whether the connection may read, is idle
	 * or is done depends on all of them at once.
	 */
	private final Object out = new Object();

	private final LoopOutbound outbound;

	/** {@code null}: the handler runs on the loop. */
	private final @Nullable LoopHandOff handOff;

	/** Guarded by {@code out}. */
	private boolean closeWhenFlushed;

	// Counters, written by one thread at a time, read by any.

	@SuppressWarnings("unused")
	private long bytesReceived;

	@SuppressWarnings("unused")
	private long bytesSent;

	@SuppressWarnings("unused")
	private long lastActivityNanos = this.openedNanos;

	@SuppressWarnings("unused")
	private long messagesHandled;

	@SuppressWarnings("unused")
	private long handlerNanos;

	private volatile boolean closed;

	private boolean opened;

	private volatile boolean cutOff;

	LoopConnection(StreamServer server, FramedMessages framing, EventLoop loop, SocketChannel channel, long id,
			@Nullable Executor workers) {
		super(server, id, channel);
		this.framing = framing;
		this.loop = loop;
		this.junixsocket = channel instanceof AFSocketChannel;
		this.outbound = new LoopOutbound(this, loop, channel, framing, this.junixsocket, this.out);
		this.handOff = (workers != null) ? new LoopHandOff(this, this.outbound, framing, workers, this.out) : null;
		this.reservation = server.bufferBudget().open(() -> server.limitExceeded(this, RejectReason.BUFFER_BUDGET));
	}

	/** Register with the loop's selector for reading. Loop thread. */
	void register() throws IOException {
		this.key = this.channel.register(this.loop.selector(), SelectionKey.OP_READ, this);
	}

	/** Set up and handed to the handler: from now on its close is reported. Loop thread. */
	void opened() {
		this.opened = true;
	}

	EventLoop loop() {
		return this.loop;
	}

	SocketChannel socketChannel() {
		return this.channel;
	}

	boolean isClosed() {
		return this.closed;
	}

	/** Loop thread. */
	boolean isHungUp() {
		return this.hungUp;
	}

	/** The outbound side wrote {@code n > 0} bytes: by one thread at a time, under {@code out}. */
	void sent(int n) {
		BYTES_SENT.setOpaque(this, (long) BYTES_SENT.getOpaque(this) + n);
		LAST_ACTIVITY.setOpaque(this, System.nanoTime());
		if (this.descriptors != null) {
			this.descriptors.written();
		}
	}

	// --- Connection -----------------------------------------------------------------------

	@Override
	public boolean isOpen() {
		return !this.closed && this.channel.isOpen();
	}

	@Override
	public void shutdownInput() {
		onLoop(() -> {
			this.inputEnded = true;
			setInterest(SelectionKey.OP_READ, false);
			closeIfDone();
		});
	}

	@Override
	public void shutdownOutput() {
		onLoop(() -> {
			synchronized (this.out) {
				this.closeWhenFlushed = true;
			}
			closeIfDone();
		});
	}

	@Override
	public long bytesReceived() {
		return (long) BYTES_RECEIVED.getOpaque(this);
	}

	@Override
	public long bytesSent() {
		return (long) BYTES_SENT.getOpaque(this);
	}

	@Override
	public long messagesHandled() {
		return (long) MESSAGES_HANDLED.getOpaque(this);
	}

	@Override
	public long handlerNanos() {
		return (long) HANDLER_NANOS.getOpaque(this);
	}

	@Override
	public Instant lastActivity() {
		return openedAt().plusNanos((long) LAST_ACTIVITY.getOpaque(this) - this.openedNanos);
	}

	@Override
	public void close() {
		this.closedByServer = true;
		onLoop(this::closeNow);
	}

	// --- ServerConnection -----------------------------------------------------------------

	@Override
	public long idleNanos(long now) {
		return now - (long) LAST_ACTIVITY.getOpaque(this);
	}

	@Override
	public long messageNanos(long now) {
		long started = this.messageStartedNanos;
		return (started == 0) ? -1 : now - started;
	}

	/** Loop thread: nothing received and not answered, nothing unsent. */
	@Override
	public boolean isIdleBetweenRequests() {
		synchronized (this.out) {
			return this.partial == null && handedOffAnswered() && this.outbound.isEmpty();
		}
	}

	@Override
	public void drain() {
		onLoop(() -> {
			if (isIdleBetweenRequests()) {
				this.closedByServer = true;
				closeNow();
			}
		});
	}

	@Override
	public void forceClose() {
		this.forceClosed = true;
		close();
	}

	@Override
	public boolean markCutOff() {
		synchronized (this.out) {
			if (this.cutOff) {
				return false;
			}
			this.cutOff = true;
			return true;
		}
	}

	@Override
	public void releaseBuffer() {
		this.reservation.close();
	}

	// --- The loop's side ------------------------------------------------------------------

	@Override
	public void ready(SelectionKey key) {
		if (!key.isValid()) {
			// Not cancelled by us: junixsocket's selector telling of a hang-up, once.
			if (!this.closed) {
				hungUp();
			}
			return;
		}
		if (key.isWritable()) {
			this.outbound.flushUnsent();
		}
		if (key.isValid() && key.isReadable()) {
			read();
		}
	}

	private void read() {
		ByteBuffer buffer = this.loop.readBuffer;
		buffer.clear();
		int n;
		try {
			n = this.channel.read(buffer);
		}
		catch (IOException ex) {
			ioFailed(ex);
			return;
		}
		if (n < 0) {
			endOfInput();
			return;
		}
		if (n == 0) {
			// Called when the selector reported the channel readable, or after a hang-up: for
			// junixsocket, whose read maps the end of input to 0, nothing to read is the end.
			if (this.junixsocket) {
				endOfInput();
			}
			return;
		}
		BYTES_RECEIVED.setOpaque(this, (long) BYTES_RECEIVED.getOpaque(this) + n);
		LAST_ACTIVITY.setOpaque(this, this.loop.now);
		if (this.descriptors != null) {
			this.descriptors.arrived();
		}
		buffer.flip();
		ByteBuffer replies = this.loop.writeBuffer;
		replies.clear();
		try {
			frame(buffer);
		}
		catch (Throwable ex) {
			handlerFailed(ex);
			return;
		}
		this.outbound.flush(replies);
		afterProgress();
	}

	/** Something was answered or sent: close if the peer is done, or the server drains and nothing is left. */
	void afterProgress() {
		closeIfDone();
		if (isDraining()) {
			drainIfIdle();
		}
	}

	/** Deliver every complete message in {@code data}; keep the rest as the message in progress. */
	private void frame(ByteBuffer data) throws Exception {
		while (data.hasRemaining() && !this.closed) {
			if (this.partial != null) {
				if (!continuePartial(data)) {
					return;
				}
				continue;
			}
			int start = data.position();
			int end = this.framing.messageEnd(data, start);
			if (end == FramedMessages.TOO_LARGE) {
				tooLarge();
				return;
			}
			if (end < 0) {
				startPartial(data);
				return;
			}
			byte[] message = this.framing.message(data, start, end);
			data.position(this.framing.next(end));
			deliver(message);
		}
	}

	/** Append to the message in progress; deliver it when complete. @return whether to go on */
	private boolean continuePartial(ByteBuffer data) throws Exception {
		// Called with a message in progress; append() may replace its array.
		int needed = this.framing.stillNeeded(Objects.requireNonNull(this.partial), this.partialLength, data);
		if (needed == FramedMessages.TOO_LARGE) {
			tooLarge();
			return false;
		}
		int take = Math.min(needed, data.remaining());
		if (!append(data, take)) {
			return false;
		}
		if (take < needed) {
			return true;
		}
		byte[] message = this.framing.message(Objects.requireNonNull(this.partial), this.partialLength);
		clearPartial();
		deliver(message);
		return true;
	}

	private void startPartial(ByteBuffer data) {
		if (this.framing.exceedsLimit(data.remaining())) {
			tooLarge();
			return;
		}
		if (append(data, data.remaining())) {
			updateMessageClock();
		}
	}

	/** @return {@code false} if the buffer budget would not grant the room (the connection is closed) */
	private boolean append(ByteBuffer data, int length) {
		int required = this.partialLength + length;
		if (this.partial == null || this.partial.length < required) {
			// Room to grow into, so a message arriving in many reads is not copied at each: never
			// more than the limit, nor than the budget has free (growing must not cost others).
			BufferBudget budget = this.server.bufferBudget();
			long free = budget.capacity() - budget.used() + this.reservation.bytes();
			int capacity = (int) Math.max(required, Math.min(Math.min(this.framing.capacityLimit(), free),
					Math.max(256, 2L * required)));
			if (!this.reservation.resize(capacity)) {
				this.server.limitExceeded(this, RejectReason.BUFFER_BUDGET);
				clearPartial();
				return false;
			}
			this.partial = (this.partial != null) ? Arrays.copyOf(this.partial, capacity) : new byte[capacity];
		}
		data.get(this.partial, this.partialLength, length);
		this.partialLength = required;
		return true;
	}

	private void clearPartial() {
		this.partial = null;
		this.partialLength = 0;
		this.messageStartedNanos = 0;
		this.reservation.resize(0);
	}

	private void deliver(byte[] message) throws Exception {
		if (this.descriptors != null) {
			this.descriptors.delivered(message);
		}
		LoopHandOff handOff = this.handOff;
		if (handOff == null) {
			this.outbound.reply(handle(message));
			return;
		}
		handOff.handOff(message);
	}

	/** Under {@code out}: every message handed to a worker is answered (none are, on the loop). */
	private boolean handedOffAnswered() {
		return this.handOff == null || this.handOff.isIdle();
	}

	/**
	 * The handler, counted and timed for the server's meters: two clock reads and two plain
	 * stores per message, by the one thread that runs this connection's handler at a time.
	 */
	byte @Nullable [] handle(byte[] message) throws Exception {
		long started = System.nanoTime();
		ConnectionDescriptors descriptors = this.descriptors;
		if (descriptors != null) {
			descriptors.handling(message);
		}
		try {
			return this.framing.handler().handle(this, message);
		}
		finally {
			MESSAGES_HANDLED.setOpaque(this, (long) MESSAGES_HANDLED.getOpaque(this) + 1);
			HANDLER_NANOS.setOpaque(this, (long) HANDLER_NANOS.getOpaque(this) + (System.nanoTime() - started));
			if (descriptors != null && descriptors.handled()) {
				// Before the reply is written: on the loop, ahead of the reply's write (a worker's is the loop's too).
				onLoop(() -> attachDescriptors(descriptors));
			}
		}
	}

	/** Loop thread. */
	private void attachDescriptors(ConnectionDescriptors descriptors) {
		try {
			descriptors.attach();
		}
		catch (IOException ex) {
			ioFailed(ex);
		}
	}

	private void tooLarge() {
		if (logger.isDebugEnabled()) {
			logger.debug("Closing " + this + ": message larger than " + this.framing.maxMessageSize() + " bytes");
		}
		clearPartial();
		this.inputEnded = true;
		setInterest(SelectionKey.OP_READ, false);
		synchronized (this.out) {
			this.closeWhenFlushed = true;
		}
		if (this.handOff != null) {
			// The messages received before it are still answered, first.
			this.handOff.handOffTooLarge();
			return;
		}
		byte[] last = this.framing.handler().messageTooLarge(this, this.framing.maxMessageSize());
		if (last != null) {
			this.outbound.reply(last);
		}
	}

	private void endOfInput() {
		this.inputEnded = true;
		setInterest(SelectionKey.OP_READ, false);
		if (this.partial != null && this.framing.lines()) {
			// A last line without its newline is still a message.
			byte[] message = this.framing.message(this.partial, this.partialLength);
			clearPartial();
			ByteBuffer replies = this.loop.writeBuffer;
			replies.clear();
			try {
				deliver(message);
			}
			catch (Throwable ex) {
				handlerFailed(ex);
				return;
			}
			this.outbound.flush(replies);
		}
		else if (this.partial != null) {
			clearPartial();
		}
		closeIfDone();
	}

	/** Close once nothing more can come in and everything is answered and sent. Loop thread. */
	private void closeIfDone() {
		if (this.closed) {
			return;
		}
		synchronized (this.out) {
			boolean answered = handedOffAnswered();
			if (!this.outbound.isEmpty() || !answered || !(this.inputEnded || this.closeWhenFlushed)) {
				return;
			}
		}
		closeNow();
	}

	private void drainIfIdle() {
		if (!this.closed && isIdleBetweenRequests()) {
			this.closedByServer = true;
			closeNow();
		}
	}

	/** Under {@code out}, any thread: replies or waiting messages above {@link #HIGH_WATER_MARK}. */
	void pauseReading() {
		if (!this.readPaused) {
			this.readPaused = true;
			onLoop(this::updateReading);
		}
	}

	void resumeReadingIfBelowWaterMark() {
		synchronized (this.out) {
			if (!this.readPaused || this.outbound.unsentBytes() > LOW_WATER_MARK
					|| (this.handOff != null && this.handOff.waitingBytes() > LOW_WATER_MARK)) {
				return;
			}
			this.readPaused = false;
		}
		updateReading();
	}

	/**
	 * Loop thread: read, or not, as the state is now. A pause from a worker reaches the loop
	 * as a task, which may run after the loop has already resumed reading (the replies
	 * drained meanwhile): it must not turn reading off for good.
	 */
	private void updateReading() {
		boolean paused;
		synchronized (this.out) {
			paused = this.readPaused;
		}
		setInterest(SelectionKey.OP_READ, !paused && !this.inputEnded);
		if (this.hungUp && !paused) {
			queueHungUpRead();
		}
		updateMessageClock();
	}

	/**
	 * Loop thread: junixsocket's selector reported a hang-up (the key invalid, the channel
	 * still open) and drops the key at its next select; nothing else will tell of this
	 * connection again. Whatever the peer sent before is still read and answered (a reply
	 * that cannot go out closes the connection), then the end of input closes it.
	 */
	private void hungUp() {
		this.hungUp = true;
		boolean unsent;
		synchronized (this.out) {
			unsent = !this.outbound.isEmpty();
		}
		if (unsent) {
			this.outbound.flushUnsent();
		}
		updateReading();
		closeIfDone();
	}

	private void queueHungUpRead() {
		if (!this.hungUpReadQueued && !this.inputEnded && !this.closed) {
			this.hungUpReadQueued = true;
			this.loop.execute(this::readHungUp);
		}
	}

	/** A loop task per buffer, so other connections are served in between; bounded by what the peer left. */
	private void readHungUp() {
		this.hungUpReadQueued = false;
		boolean paused;
		synchronized (this.out) {
			paused = this.readPaused;
		}
		if (this.closed || this.inputEnded || paused) {
			return;
		}
		read();
		queueHungUpRead();
	}

	/**
	 * Loop thread: the message timeout runs while a started message waits for the rest of its
	 * bytes, from when its first bytes arrived or, if the handler was busy with earlier
	 * messages or back-pressure kept the connection unread meanwhile, from when that ended
	 * (as on a thread per connection: time in the handler does not count).
	 */
	void updateMessageClock() {
		boolean waitedFor;
		synchronized (this.out) {
			waitedFor = this.partial != null && (this.handOff == null || !this.handOff.isWorkerRunning())
					&& !this.readPaused;
		}
		if (!waitedFor) {
			this.messageStartedNanos = 0;
		}
		else if (this.messageStartedNanos == 0) {
			// Read now: a handler on the loop may have run since the loop last read the clock.
			this.messageStartedNanos = System.nanoTime() | 1;
		}
	}

	/** Loop thread. */
	void setInterest(int operation, boolean on) {
		SelectionKey key = this.key;
		if (key == null || !key.isValid()) {
			return;
		}
		int ops = key.interestOps();
		int wanted = on ? (ops | operation) : (ops & ~operation);
		if (wanted != ops) {
			key.interestOps(wanted);
		}
	}

	void handlerFailed(Throwable ex) {
		this.server.handlerFailed(this, ex);
		closeNow();
	}

	void ioFailed(IOException ex) {
		if (!(ex instanceof ClosedChannelException) && logger.isDebugEnabled()) {
			logger.debug(this + " ended with an I/O error: " + ex);
		}
		closeNow();
	}

	void onLoop(Runnable task) {
		if (this.loop.inLoop()) {
			task.run();
		}
		else {
			this.loop.execute(task);
		}
	}

	/** Loop thread. */
	void closeNow() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		if (this.key != null) {
			this.key.cancel();
		}
		ServerSupport.closeQuietly(this.channel);
		if (this.descriptors != null) {
			this.descriptors.closed();
		}
		this.partial = null;
		synchronized (this.out) {
			this.outbound.clear();
			if (this.handOff != null) {
				this.handOff.clear();
			}
		}
		this.server.connectionClosed(this, this.opened);
	}

}
