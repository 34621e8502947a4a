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

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

/**
 * A connection over a blocking JDK {@link SocketChannel}. Streams are our own thin
 * wrappers: {@code Channels.newInputStream/newOutputStream} serialise on the channel's
 * blocking lock, so a reader would block a writer.
 */
final class ChannelConnection implements Connection, ByteChannel {

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

	private volatile Map<String, Object> attributes;

	private volatile KernelPeer kernelPeer;

	private volatile PeerCredentials peer;

	private volatile long bytesReceived;

	private volatile long bytesSent;

	private volatile long lastActivityNanos = this.openedNanos;

	private volatile boolean idleBetweenRequests;

	/** Set when this side closed the connection (idle, drain, close()), to tell it from a failure. */
	private volatile boolean closedByServer;

	/** Set when the drain deadline closed the connection. */
	private volatile boolean forceClosed;

	volatile Thread thread;

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
			KernelPeer kernelPeer = kernelPeer();
			peer = (kernelPeer != null) ? kernelPeer.credentials() : PeerCredentials.UNKNOWN;
			this.peer = peer;
		}
		return peer;
	}

	/**
	 * @param policy who may connect
	 * @return whether the peer is allowed; {@code false} if its credentials cannot be read
	 */
	boolean isAllowedBy(PeerPolicy policy) {
		if (policy.allowsAnyone()) {
			return true;
		}
		KernelPeer peer = kernelPeer();
		return peer != null && policy.allows(peer.uid(), peer.gid());
	}

	/** @return the kernel's view of the peer, {@code null} if it cannot be read */
	private KernelPeer kernelPeer() {
		KernelPeer peer = this.kernelPeer;
		if (peer == null) {
			try {
				if (this.channel instanceof AFUNIXSocketChannel junix) {
					AFUNIXSocketCredentials credentials = junix.getPeerCredentials();
					peer = new KernelPeer(credentials.getUid(), credentials.getGid(), null);
				}
				else {
					UnixDomainPrincipal principal = this.channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
					peer = new KernelPeer(UnixIds.id(principal.user()), UnixIds.id(principal.group()), principal);
				}
				this.kernelPeer = peer;
			}
			catch (IOException | UnsupportedOperationException ex) {
				return null;
			}
		}
		return peer;
	}

	/**
	 * The peer's ids, matched the same way on both transports. The JDK's principal, when
	 * there is one, has the names already; junixsocket reports numbers only.
	 */
	private record KernelPeer(long uid, long gid, UnixDomainPrincipal principal) {

		PeerCredentials credentials() {
			return (this.principal != null)
					? new PeerCredentials(UnixIds.name(this.principal.user()), UnixIds.name(this.principal.group()))
					: new PeerCredentials(UnixIds.userName(this.uid), UnixIds.groupName(this.gid));
		}

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

	boolean isIdleBetweenRequests() {
		return this.idleBetweenRequests;
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

	long idleNanos(long now) {
		return now - this.lastActivityNanos;
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
	void forceClose() {
		this.forceClosed = true;
		close();
		Thread thread = this.thread;
		if (thread != null && thread != Thread.currentThread()) {
			thread.interrupt();
		}
	}

	boolean isForceClosed() {
		return this.forceClosed;
	}

	boolean isClosedByServer() {
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
