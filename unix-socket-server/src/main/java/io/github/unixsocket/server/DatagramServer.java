package io.github.unixsocket.server;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileOptions;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static io.github.unixsocket.server.ServerSupport.closeQuietly;
import static io.github.unixsocket.server.ServerSupport.join;
import static io.github.unixsocket.server.ServerSupport.platformThreads;
import static io.github.unixsocket.server.ServerSupport.sleep;

/**
 * A datagram ({@code SOCK_DGRAM}) server on junixsocket's {@link AFUNIXDatagramChannel}
 * (the JDK has no Unix datagram channel), on a filesystem path or a Linux abstract
 * address. One non-daemon platform thread receives; the handler runs on that thread
 * ({@link Dispatch#RECEIVER}) or on a fixed pool of worker threads with a bounded queue
 * ({@link Dispatch#WORKERS}: when the queue is full the datagram is dropped and counted).
 * <p>
 * A datagram larger than the max message size is read up to that size plus one byte,
 * counted as truncated and not handled (the kernel discards the rest). An empty datagram
 * is counted as received and not handled: junixsocket reports it as it reports an empty
 * queue, without its sender, so only one that is the first read after the socket became
 * readable is seen (the usual case: one that arrives in a burst may go uncounted).
 * Replies never block.
 *
 * <pre>
 * DatagramServer server = DatagramServer.builder("events", Path.of("/run/app/events.sock"))
 *     .permissions(FilePermissions.parse("0660"))
 *     .handler(datagram -&gt; datagram.reply("ok"))
 *     .build();
 * server.start();
 * </pre>
 */
public final class DatagramServer extends AbstractUnixSocketServer {

	private static final Log logger = LogFactory.getLog(DatagramServer.class);

	/** Default {@link Builder#maxMessageSize(int)}: 64 KiB. */
	public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

	/** Default {@link Builder#workers(int) workers} with {@link Dispatch#WORKERS}. */
	public static final int DEFAULT_WORKERS = 2;

	/** Default {@link Builder#queueCapacity(int) queue capacity} with {@link Dispatch#WORKERS}. */
	public static final int DEFAULT_QUEUE_CAPACITY = 1024;

	/** The receiver's longest wait in {@code select}; see {@code receiveLoop}. */
	private static final long RECEIVE_WAIT_MILLIS = 200;

	private final DatagramHandler handler;

	private final Dispatch dispatch;

	private final int workers;

	private final int queueCapacity;

	private final int maxMessageSize;

	private final AtomicLong received = new AtomicLong();

	private final AtomicLong replied = new AtomicLong();

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong truncated = new AtomicLong();

	private final AtomicLong repliesRefused = new AtomicLong();

	private final AtomicLong handlerErrors = new AtomicLong();

	/** Handler calls that returned or threw, to count what a drain finished. */
	private final AtomicLong handled = new AtomicLong();

	private final AtomicLong bytesReceived = new AtomicLong();

	private final AtomicLong bytesSent = new AtomicLong();

	private volatile @Nullable AFUNIXDatagramChannel channel;

	private @Nullable Selector selector;

	private @Nullable Thread receiver;

	private @Nullable ThreadPoolExecutor workerPool;

	private DatagramServer(Builder builder, DatagramHandler handler) {
		super(builder);
		this.handler = handler;
		this.dispatch = builder.dispatch;
		this.workers = builder.workers;
		this.queueCapacity = builder.queueCapacity;
		this.maxMessageSize = builder.maxMessageSize;
	}

	/**
	 * Start building a server on a filesystem path.
	 * @param name the server's name, used in logs, thread names and metrics
	 * @param path the socket path
	 * @return a builder
	 */
	public static Builder builder(String name, Path path) {
		return new Builder(name, SocketFileOptions.of(path), null);
	}

	/**
	 * Start building a server on a filesystem path.
	 * @param name the server's name, used in logs, thread names and metrics
	 * @param fileOptions path, mode, group, directories
	 * @return a builder
	 */
	public static Builder builder(String name, SocketFileOptions fileOptions) {
		return new Builder(name, Objects.requireNonNull(fileOptions, "fileOptions"), null);
	}

	/**
	 * Start building a server on a Linux abstract-namespace address: no file, so no mode
	 * or group; any process in the network namespace can send to it.
	 * @param name the server's name, used in logs, thread names and metrics
	 * @param abstractName the abstract name, without the leading {@code @}
	 * @return a builder
	 */
	public static Builder abstractBuilder(String name, String abstractName) {
		return new Builder(name, null, Objects.requireNonNull(abstractName, "abstractName"));
	}

	@Override
	public ServerType type() {
		return ServerType.DATAGRAM;
	}

	public Dispatch dispatch() {
		return this.dispatch;
	}

	public int maxMessageSize() {
		return this.maxMessageSize;
	}

	/** @return worker threads for {@link Dispatch#WORKERS} */
	public int workers() {
		return this.workers;
	}

	/** @return datagrams that may wait for a worker, for {@link Dispatch#WORKERS} */
	public int queueCapacity() {
		return this.queueCapacity;
	}

	@Override
	void bind() throws IOException {
		NativeSockets.require(NativeSockets.datagramProblem());
		AFUNIXDatagramChannel channel = (this.inherited != null) ? this.inherited.datagramChannel()
				: AFUNIXDatagramChannel.open();
		// The socket file is removed by SocketFile.deleteIfOurs(), only while still ours:
		// junixsocket's own removal on close would take whatever is at the path by then.
		channel.setDeleteOnClose(false);
		SocketFile socketFile = null;
		Selector selector = null;
		try {
			if (this.receiveBufferSize != null) {
				channel.setOption(StandardSocketOptions.SO_RCVBUF, this.receiveBufferSize);
			}
			if (this.sendBufferSize != null) {
				channel.setOption(StandardSocketOptions.SO_SNDBUF, this.sendBufferSize);
			}
			if (this.inherited != null) {
				rememberInheritedFile(this.inherited);
			}
			else if (this.abstractName != null) {
				channel.bind(NativeSockets.abstractAddress(this.abstractName));
			}
			else {
				socketFile = SocketFile.bindDatagram(channel, requireFile(this.fileOptions, this.name));
			}
			// Non-blocking: replies must never stall on a sender that does not read them,
			// and the receiver waits in a selector that stop() can wake.
			channel.configureBlocking(false);
			selector = channel.provider().openSelector();
			channel.register(selector, SelectionKey.OP_READ);
		}
		catch (IOException | RuntimeException ex) {
			closeQuietly(selector);
			if (this.inherited == null) {
				closeQuietly(channel);
			}
			if (socketFile != null) {
				socketFile.deleteIfOurs();
				socketFile.close();
			}
			throw ex;
		}
		this.socketFile = socketFile;
		this.channel = channel;
		ReplyTargets.register(address(), socketFileKey());
		this.selector = selector;
	}

	@Override
	void serve() {
		if (this.dispatch == Dispatch.WORKERS) {
			this.workerPool = new ThreadPoolExecutor(this.workers, this.workers, 0, TimeUnit.SECONDS,
					new ArrayBlockingQueue<>(this.queueCapacity), platformThreads("unix-socket-" + this.name + "-worker-"));
		}
		// A platform thread: junixsocket must not block virtual threads (see DESIGN.md).
		this.receiver = new Thread(this::receiveLoop, "unix-socket-" + this.name + "-receive");
		// Non-daemon: a running server keeps the JVM alive, like a web server does.
		this.receiver.setDaemon(false);
		this.receiver.start();
	}

	@Override
	String abstractAddressAccess() {
		return "any process in this network namespace can send to it";
	}

	@Override
	String describeStarted() {
		return "receiving on " + address() + " (datagram, " + origin() + ", dispatch " + EnumNames.of(this.dispatch)
				+ ", max message " + this.maxMessageSize + " bytes)";
	}

	/**
	 * Stop receiving and remove the socket file at once, let queued datagrams be handled
	 * for up to {@code drainTimeout}, then drop the rest.
	 * @return datagrams handled while draining, and those dropped at the deadline (the one
	 * in a handler still running at the deadline counts as dropped)
	 */
	@Override
	DrainResult drain(Duration drainTimeout) {
		Thread receiver = this.receiver;
		ThreadPoolExecutor workerPool = this.workerPool;
		long handledBefore = this.handled.get();
		Selector selector = this.selector;
		if (selector != null) {
			selector.wakeup();
		}
		if (this.socketFile != null && !leavesSocket()) {
			this.socketFile.deleteIfOurs();
		}
		long deadline = System.nanoTime() + drainTimeout.toNanos();
		// With dispatch on the receiver, its current handler is the only datagram in flight.
		boolean receiverDone = join(receiver, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
		if (workerPool != null) {
			workerPool.shutdown();
			awaitTermination(workerPool, deadline);
		}
		// Counted before interrupting: an interrupted handler is dropped, not drained.
		int drained = (int) (this.handled.get() - handledBefore);
		int left = 0;
		// join() reports a missing thread as done.
		if (!receiverDone && receiver != null) {
			left++;
			receiver.interrupt();
		}
		if (workerPool != null && !workerPool.isTerminated()) {
			left += workerPool.getActiveCount() + workerPool.shutdownNow().size();
		}
		this.dropped.addAndGet(left);
		closeQuietly(selector);
		closeSocket(this.channel);
		ReplyTargets.unregister(address(), socketFileKey());
		if (this.socketFile != null) {
			this.socketFile.close();
		}
		return new DrainResult(drained, left);
	}

	@Override
	@Nullable Channel socketChannel() {
		return this.channel;
	}

	@Override
	String describeStopped(DrainResult result) {
		return result.drained() + " queued datagram(s) handled while draining, " + result.forceClosed() + " dropped";
	}

	@Override
	public int openConnections() {
		return 0;
	}

	@Override
	public long acceptedConnections() {
		return 0;
	}

	@Override
	public long rejectedConnections() {
		return 0;
	}

	@Override
	public long rejectedConnections(RejectReason reason) {
		return 0;
	}

	@Override
	public long handlerErrors() {
		return this.handlerErrors.get();
	}

	/** @return payload bytes of the datagrams received within the max message size */
	@Override
	public long bytesReceived() {
		return this.bytesReceived.get();
	}

	@Override
	public long bytesSent() {
		return this.bytesSent.get();
	}

	/** @return every datagram read from the socket, empty, truncated and dropped ones included */
	@Override
	public long datagramsReceived() {
		return this.received.get();
	}

	/** @return replies sent */
	public long datagramsReplied() {
		return this.replied.get();
	}

	/** @return datagrams not handled because the worker queue was full or the drain ended */
	public long datagramsDropped() {
		return this.dropped.get();
	}

	/**
	 * @return replies not sent because the sender's address was not a safe place to send
	 * to (see {@link Datagram#reply(ByteBuffer)})
	 */
	public long datagramRepliesRefused() {
		return this.repliesRefused.get();
	}

	/** @return datagrams whose handler returned or threw */
	long datagramsHandled() {
		return this.handled.get();
	}

	/** @return datagrams larger than the max message size, not handled */
	public long datagramsTruncated() {
		return this.truncated.get();
	}

	@Override
	public Collection<Connection> connections() {
		return List.of();
	}

	private void receiveLoop() {
		// Both set by start() before this thread starts.
		Selector selector = Objects.requireNonNull(this.selector, "selector");
		AFUNIXDatagramChannel channel = Objects.requireNonNull(this.channel, "channel");
		// One byte over the limit tells an oversize datagram from one of exactly the limit.
		ByteBuffer buffer = ByteBuffer.allocateDirect(this.maxMessageSize + 1);
		Datagram reused = (this.workerPool == null) ? Datagram.reusing(this, buffer) : null;
		while (this.state == ServerState.RUNNING) {
			try {
				// Bounded: junixsocket's selector can miss a wake-up that comes just before select,
				// and stop() closing it would then wait on it for ever. Idle, this is 5 wake-ups a second.
				boolean readable = selector.select(RECEIVE_WAIT_MILLIS) > 0;
				selector.selectedKeys().clear();
				while (this.state == ServerState.RUNNING) {
					buffer.clear();
					SocketAddress sender = channel.receive(buffer);
					if (sender == null && buffer.position() == 0) {
						// An empty datagram reads like an empty queue; the first read after the socket
						// became readable had one to read: that was an empty datagram.
						if (readable) {
							this.received.incrementAndGet();
						}
						break;
					}
					readable = false;
					received(buffer.flip(), (AFUNIXSocketAddress) sender, reused);
				}
			}
			catch (ClosedChannelException | ClosedSelectorException ex) {
				return;
			}
			catch (IOException ex) {
				if (!channel.isOpen()) {
					return;
				}
				logger.warn("Unix socket server '" + this.name + "' could not receive a datagram: " + ex);
				if (!sleep(Duration.ofMillis(50))) {
					return;
				}
			}
		}
	}

	/**
	 * On the receiver thread, which allocates nothing per datagram when the handler runs
	 * there: the reused datagram views the receive buffer. (junixsocket itself still
	 * builds a sender address per datagram from a bound sender: see RESULTS.md.)
	 */
	private void received(ByteBuffer buffer, @Nullable AFUNIXSocketAddress sender, @Nullable Datagram reused) {
		this.received.incrementAndGet();
		if (buffer.remaining() > this.maxMessageSize) {
			this.truncated.incrementAndGet();
			if (logger.isDebugEnabled()) {
				logger.debug("Unix socket server '" + this.name + "' ignored a datagram over the max message size of "
						+ this.maxMessageSize + " bytes");
			}
			return;
		}
		this.bytesReceived.addAndGet(buffer.remaining());
		if (reused != null) {
			reused.received(buffer.remaining(), sender);
			handle(reused);
			return;
		}
		// No reused datagram: dispatch is workers, whose pool start() made.
		ThreadPoolExecutor workers = Objects.requireNonNull(this.workerPool, "workerPool");
		Datagram datagram = Datagram.copyOf(this, buffer, sender);
		try {
			workers.execute(() -> handle(datagram));
		}
		catch (RejectedExecutionException ex) {
			if (this.dropped.getAndIncrement() == 0) {
				logger.warn("Unix socket server '" + this.name + "' dropped a datagram: its queue of "
						+ this.queueCapacity + " is full (further drops are logged at debug level and counted)");
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Unix socket server '" + this.name + "' dropped a datagram: queue full");
			}
		}
	}

	private void handle(Datagram datagram) {
		try {
			this.handler.handle(datagram);
		}
		catch (InterruptedException ex) {
			if (this.state == ServerState.RUNNING) {
				this.handlerErrors.incrementAndGet();
			}
			// Not re-asserted: on the receiver thread a pending interrupt would make select() spin.
			logger.debug("Handler of " + datagram + " was interrupted");
		}
		catch (Throwable ex) {
			this.handlerErrors.incrementAndGet();
			logger.error("Handler of " + datagram + " failed; the server keeps receiving", ex);
		}
		finally {
			datagram.handled();
			this.handled.incrementAndGet();
		}
	}

	boolean send(ByteBuffer reply, AFUNIXSocketAddress recipient) {
		String refusal = ReplyTargets.refusal(recipient);
		if (refusal != null) {
			// Possibly an attack: the first is a warning, then debug only, so a flood cannot flood the log.
			if (this.repliesRefused.getAndIncrement() == 0) {
				logger.warn("Unix socket server '" + this.name + "' did not reply to "
						+ LogValues.escape(NativeSockets.describe(recipient)) + ": " + LogValues.escape(refusal)
						+ " (further refusals are logged at debug level and counted)");
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Unix socket server '" + this.name + "' did not reply to "
						+ LogValues.escape(NativeSockets.describe(recipient)) + ": " + LogValues.escape(refusal));
			}
			return false;
		}
		// Failures are the sender's business (gone, or not reading): logged at debug level only.
		String failure;
		try {
			// Set by start(): only a received datagram can be replied to.
			int sent = Objects.requireNonNull(this.channel, "channel").send(reply, recipient);
			if (sent > 0 || !reply.hasRemaining()) {
				this.replied.incrementAndGet();
				this.bytesSent.addAndGet(sent);
				return true;
			}
			failure = "dropped: its receive queue is full";
		}
		catch (IOException ex) {
			failure = "failed: " + ex;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Reply to " + LogValues.escape(NativeSockets.describe(recipient)) + " " + LogValues.escape(failure));
		}
		return false;
	}

	private static void awaitTermination(ThreadPoolExecutor pool, long deadline) {
		try {
			pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Where the handler runs. */
	public enum Dispatch {

		/**
		 * On the receiving thread, one datagram at a time: nothing is ever dropped; when
		 * the handler is slow the kernel queue fills and senders block (or get
		 * {@code EAGAIN} when non-blocking).
		 */
		RECEIVER,

		/**
		 * On a fixed pool of worker threads fed by a bounded queue; when the queue is full
		 * the datagram is dropped and counted ({@link DatagramServer#datagramsDropped()}).
		 */
		WORKERS

	}

	/** Builds a {@link DatagramServer}; every setting has a safe default but the handler. */
	public static final class Builder extends ServerBuilder<Builder> {

		private @Nullable DatagramHandler handler;

		private Dispatch dispatch = Dispatch.RECEIVER;

		private int workers = DEFAULT_WORKERS;

		private int queueCapacity = DEFAULT_QUEUE_CAPACITY;

		private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;

		private Builder(String name, @Nullable SocketFileOptions fileOptions, @Nullable String abstractName) {
			super(name, fileOptions, abstractName);
		}

		@Override
		Builder self() {
			return this;
		}

		@Override
		ServerType type() {
			return ServerType.DATAGRAM;
		}

		public Builder handler(DatagramHandler handler) {
			this.handler = handler;
			return this;
		}

		/**
		 * @param dispatch where the handler runs; default {@link Dispatch#RECEIVER}
		 * @return this builder
		 */
		public Builder dispatch(Dispatch dispatch) {
			this.dispatch = Objects.requireNonNull(dispatch, "dispatch");
			return this;
		}

		/**
		 * @param workers worker threads for {@link Dispatch#WORKERS}, 1 or more; default 2
		 * @return this builder
		 * @throws IllegalArgumentException if it is not positive
		 */
		public Builder workers(int workers) {
			this.workers = positive(workers, "workers");
			return this;
		}

		/**
		 * @param queueCapacity datagrams waiting for a worker at most, for
		 * {@link Dispatch#WORKERS}, 1 or more; default 1024
		 * @return this builder
		 * @throws IllegalArgumentException if it is not positive
		 */
		public Builder queueCapacity(int queueCapacity) {
			this.queueCapacity = positive(queueCapacity, "queueCapacity");
			return this;
		}

		/**
		 * @param maxMessageSize largest payload handled, in bytes; larger datagrams are
		 * counted as truncated; between 1 and {@code Integer.MAX_VALUE - 1}, default 64 KiB.
		 * The receive buffer is this size plus one.
		 * @return this builder
		 * @throws IllegalArgumentException if it is out of range
		 */
		public Builder maxMessageSize(int maxMessageSize) {
			if (maxMessageSize <= 0 || maxMessageSize == Integer.MAX_VALUE) {
				throw new IllegalArgumentException("maxMessageSize must be between 1 and " + (Integer.MAX_VALUE - 1));
			}
			this.maxMessageSize = maxMessageSize;
			return this;
		}

		public DatagramServer build() {
			DatagramHandler handler = this.handler;
			if (handler == null) {
				throw new IllegalStateException("Server '" + this.name + "' needs a handler");
			}
			return new DatagramServer(this, handler);
		}

		private static int positive(int value, String name) {
			if (value <= 0) {
				throw new IllegalArgumentException(name + " must be positive (1 or more)");
			}
			return value;
		}

	}

}
