package io.github.unixsocket.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A connection over a blocking JDK {@link SocketChannel}. Streams are our own thin
 * wrappers: {@code Channels.newInputStream/newOutputStream} serialise on the channel's
 * blocking lock, so a reader would block a writer.
 */
final class ChannelConnection extends ServerConnection implements StreamConnection, ByteChannel {

	private static final long NO_MESSAGE = Long.MIN_VALUE;

	private static final VarHandle BYTES_RECEIVED;

	private static final VarHandle BYTES_SENT;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			BYTES_RECEIVED = lookup.findVarHandle(ChannelConnection.class, "bytesReceived", long.class);
			BYTES_SENT = lookup.findVarHandle(ChannelConnection.class, "bytesSent", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final InputStream inputStream = new In();

	private final OutputStream outputStream = new Out();

	private volatile long bytesReceived;

	private volatile long bytesSent;

	private volatile long lastActivityNanos = this.openedNanos;

	private volatile boolean idleBetweenRequests;

	/** Set when a limit (buffer budget, message timeout) cut the connection off; counted once. */
	private boolean cutOff;

	/** When the framed message being received started, {@link #NO_MESSAGE} between messages. */
	private volatile long messageStartedNanos = NO_MESSAGE;

	/** The read buffer's share of the server's buffer budget, opened when it first grows. */
	private volatile BufferBudget.@Nullable Reservation bufferReservation;

	volatile @Nullable Thread thread;

	ChannelConnection(StreamServer server, long id, SocketChannel channel) {
		super(server, id, channel);
	}

	@Override
	public InputStream inputStream() {
		return this.inputStream;
	}

	@Override
	public OutputStream outputStream() {
		return this.outputStream;
	}

	@Override
	public ByteChannel channel() {
		return this;
	}

	@Override
	public boolean isOpen() {
		return this.channel.isOpen();
	}

	@Override
	public void shutdownInput() throws IOException {
		this.channel.shutdownInput();
	}

	@Override
	public void shutdownOutput() throws IOException {
		this.channel.shutdownOutput();
	}

	@Override
	public void setIdleBetweenRequests(boolean idle) {
		this.idleBetweenRequests = idle;
		// Pairs with StreamServer.stop(): it sets DRAINING, then closes idle connections.
		if (idle && isDraining()) {
			close();
		}
	}

	@Override
	public boolean isIdleBetweenRequests() {
		return this.idleBetweenRequests;
	}

	@Override
	public void drain() {
		if (this.idleBetweenRequests) {
			close();
		}
	}

	@Override
	public long bytesReceived() {
		return this.bytesReceived;
	}

	@Override
	public long bytesSent() {
		return this.bytesSent;
	}

	@Override
	public Instant lastActivity() {
		return openedAt().plusNanos(this.lastActivityNanos - this.openedNanos);
	}

	@Override
	public long idleNanos(long now) {
		return now - this.lastActivityNanos;
	}

	/**
	 * The framing received the first bytes of a message with the last read: the message
	 * timeout runs from then. Reuses the read's timestamp, so it costs no clock read.
	 */
	void messageStartedWithLastRead() {
		this.messageStartedNanos = this.lastActivityNanos;
	}

	/** The framing waits for the rest of a message from now on (its handler has just run). */
	void messageStartedNow() {
		this.messageStartedNanos = System.nanoTime();
	}

	/** No message is being received: between messages, or while the handler runs. */
	void messageEnded() {
		this.messageStartedNanos = NO_MESSAGE;
	}

	/** @return how long the message being received has been waited for, -1 if none is */
	@Override
	public long messageNanos(long now) {
		long started = this.messageStartedNanos;
		return (started != NO_MESSAGE) ? now - started : -1;
	}

	/**
	 * @return a new reservation in the server's buffer budget for this connection's read
	 * buffer; released when the connection ends or is force-closed, whatever its handler does
	 */
	BufferBudget.Reservation openBufferReservation() {
		BufferBudget.Reservation reservation = this.server.bufferBudget()
			.open(() -> this.server.limitExceeded(this, RejectReason.BUFFER_BUDGET));
		BufferBudget.Reservation previous = this.bufferReservation;
		this.bufferReservation = reservation;
		if (previous != null) {
			previous.close();
		}
		return reservation;
	}

	@Override
	public void releaseBuffer() {
		BufferBudget.Reservation reservation = this.bufferReservation;
		if (reservation != null) {
			reservation.close();
		}
	}

	/** @return {@code true} the first time, so a connection cut off by two limits counts once */
	@Override
	public synchronized boolean markCutOff() {
		boolean first = !this.cutOff;
		this.cutOff = true;
		return first;
	}

	@Override
	public int read(ByteBuffer destination) throws IOException {
		ConnectionDescriptors descriptors = this.descriptors;
		if (descriptors != null) {
			descriptors.reading();
		}
		int n = this.channel.read(destination);
		if (descriptors != null) {
			descriptors.read();
		}
		if (n > 0) {
			BYTES_RECEIVED.getAndAdd(this, (long) n);
			this.lastActivityNanos = System.nanoTime();
		}
		return n;
	}

	@Override
	public int write(ByteBuffer source) throws IOException {
		ConnectionDescriptors descriptors = this.descriptors;
		if (descriptors != null) {
			descriptors.attach();
		}
		int n = this.channel.write(source);
		if (n > 0 && descriptors != null) {
			descriptors.written();
		}
		if (n > 0) {
			BYTES_SENT.getAndAdd(this, (long) n);
			this.lastActivityNanos = System.nanoTime();
		}
		return n;
	}

	@Override
	public void close() {
		this.closedByServer = true;
		closeChannel();
	}

	/** Close and interrupt the handler thread, for the drain deadline. */
	@Override
	public void forceClose() {
		this.forceClosed = true;
		close();
		// The handler may never return (it is abandoned after a grace period): its buffer is not ours to count.
		releaseBuffer();
		Thread thread = this.thread;
		if (thread != null && thread != Thread.currentThread()) {
			thread.interrupt();
		}
	}

	void closeChannel() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// nothing left to release
		}
		if (this.descriptors != null) {
			this.descriptors.closed();
		}
	}

	private final class In extends InputStream {

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) == 1) ? (one[0] & 0xFF) : -1;
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			Objects.checkFromIndexSize(offset, length, bytes.length);
			if (length == 0) {
				return 0;
			}
			return ChannelConnection.this.read(ByteBuffer.wrap(bytes, offset, length));
		}

		@Override
		public void close() {
			ChannelConnection.this.close();
		}

	}

	private final class Out extends OutputStream {

		@Override
		public void write(int b) throws IOException {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			Objects.checkFromIndexSize(offset, length, bytes.length);
			ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
			while (buffer.hasRemaining()) {
				ChannelConnection.this.write(buffer);
			}
		}

		@Override
		public void close() {
			ChannelConnection.this.close();
		}

	}

}
