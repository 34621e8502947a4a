package io.github.unixsocket.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.unixsocket.server.peer.KernelPeer;
import io.github.unixsocket.server.peer.PeerCredentials;
import io.github.unixsocket.server.peer.PeerPolicy;

import org.jspecify.annotations.Nullable;


/**
 * A connection over a blocking JDK {@link SocketChannel}. Streams are our own thin
 * wrappers: {@code Channels.newInputStream/newOutputStream} serialise on the channel's
 * blocking lock, so a reader would block a writer.
 */
final class ChannelConnection implements ServerConnection, StreamConnection, ByteChannel {

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

	private final StreamServer server;

	private final long id;

	private final SocketChannel channel;

	private final Instant openedAt = Instant.now();

	private final long openedNanos = System.nanoTime();

	private final InputStream inputStream = new In();

	private final OutputStream outputStream = new Out();

	private volatile @Nullable Map<String, Object> attributes;

	private volatile @Nullable KernelPeer kernelPeer;

	private volatile @Nullable PeerCredentials peer;

	private volatile long bytesReceived;

	private volatile long bytesSent;

	private volatile long lastActivityNanos = this.openedNanos;

	private volatile boolean idleBetweenRequests;

	/** Set when this side closed the connection (idle, drain, close()), to tell it from a failure. */
	private volatile boolean closedByServer;

	/** Set when the drain deadline closed the connection. */
	private volatile boolean forceClosed;

	/** Set when a limit (buffer budget, message timeout) cut the connection off; counted once. */
	private boolean cutOff;

	/** When the framed message being received started, {@link #NO_MESSAGE} between messages. */
	private volatile long messageStartedNanos = NO_MESSAGE;

	/** The read buffer's share of the server's buffer budget, opened when it first grows. */
	private volatile BufferBudget.@Nullable Reservation bufferReservation;

	volatile @Nullable Thread thread;

	ChannelConnection(StreamServer server, long id, SocketChannel channel) {
		this.server = server;
		this.id = id;
		this.channel = channel;
	}

	@Override
	public long id() {
		return this.id;
	}

	@Override
	public String serverName() {
		return this.server.name();
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
	public PeerCredentials peer() {
		PeerCredentials peer = this.peer;
		if (peer == null) {
			peer = KernelPeer.credentials(kernelPeer());
			this.peer = peer;
		}
		return peer;
	}

	@Override
	public boolean isAllowedBy(PeerPolicy policy) {
		return policy.allowsAnyone() || KernelPeer.allowed(kernelPeer(), policy);
	}

	/** @return the kernel's view of the peer, {@code null} if it cannot be read */
	private @Nullable KernelPeer kernelPeer() {
		KernelPeer peer = this.kernelPeer;
		if (peer == null) {
			peer = KernelPeer.of(this.channel);
			this.kernelPeer = peer;
		}
		return peer;
	}

	@Override
	public Map<String, Object> attributes() {
		Map<String, Object> attributes = this.attributes;
		if (attributes == null) {
			synchronized (this) {
				attributes = this.attributes;
				if (attributes == null) {
					attributes = new ConcurrentHashMap<>();
					this.attributes = attributes;
				}
			}
		}
		return attributes;
	}

	@Override
	public <T> void setOption(SocketOption<T> option, T value) throws IOException {
		this.channel.setOption(option, value);
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
	public boolean isDraining() {
		return this.server.state() == ServerState.DRAINING;
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
	public Instant openedAt() {
		return this.openedAt;
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
		return this.openedAt.plusNanos(this.lastActivityNanos - this.openedNanos);
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
		int n = this.channel.read(destination);
		if (n > 0) {
			BYTES_RECEIVED.getAndAdd(this, (long) n);
			this.lastActivityNanos = System.nanoTime();
		}
		return n;
	}

	@Override
	public int write(ByteBuffer source) throws IOException {
		int n = this.channel.write(source);
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

	@Override
	public boolean isForceClosed() {
		return this.forceClosed;
	}

	@Override
	public boolean isClosedByServer() {
		return this.closedByServer;
	}

	void closeChannel() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// nothing left to release
		}
	}

	@Override
	public String toString() {
		return "connection " + this.id + " on '" + this.server.name() + "'";
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
