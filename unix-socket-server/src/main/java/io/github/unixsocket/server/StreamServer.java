package io.github.unixsocket.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.function.UnaryOperator;

import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileOptions;
import io.github.unixsocket.server.peer.PeerPolicy;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static io.github.unixsocket.server.ServerSupport.closeQuietly;
import static io.github.unixsocket.server.ServerSupport.platformThreads;

/**
 * A stream server on a filesystem socket path, on the JDK's own Unix domain channels, or
 * on a Linux abstract-namespace address ({@link #abstractBuilder}) on junixsocket's.
 * <ul>
 * <li>A {@link Builder#handler(ConnectionHandler) connection handler} (protocol
 * {@code raw}) gets a thread of its own per connection from the configured
 * {@link ThreadFactory}: virtual threads scale here, JDK channels park, they do not pin.</li>
 * <li>A {@link Builder#messages(Framing, MessageHandler) message handler} ({@code lines},
 * {@code length-prefixed}, {@code commands}) is served by {@link EventLoopGroup event
 * loops} that accept, read, frame and write without a thread per connection; the handler
 * runs on a worker ({@link Dispatch#WORKERS}, the default: it may block) or on the loop
 * ({@link Dispatch#EVENT_LOOP}: the fastest, for handlers that never block).</li>
 * </ul>
 * On an abstract address junixsocket's channels are served a thread per connection,
 * always platform threads: its blocking I/O starves virtual threads.
 *
 * <pre>
 * StreamServer server = StreamServer.builder("echo", Path.of("/run/app/echo.sock"))
 *     .permissions(FilePermissions.parse("0660"))
 *     .handler(connection -&gt; connection.inputStream().transferTo(connection.outputStream()))
 *     .build();
 * server.start();
 * </pre>
 */
public final class StreamServer extends AbstractUnixSocketServer {

	private static final Log logger = LogFactory.getLog(StreamServer.class);

	/** The kernel's {@code SCM_MAX_FD}: descriptors one message may carry at most. */
	public static final int MAX_FILE_DESCRIPTORS = 253;

	/** Default {@link Builder#maxConnections max connections}: bounds the threads local clients can make us start. */
	public static final int DEFAULT_MAX_CONNECTIONS = 1000;

	/** Default {@link Builder#idleTimeout idle timeout}: none. */
	public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ZERO;

	/** Default {@link Builder#messageTimeout message timeout}. */
	public static final Duration DEFAULT_MESSAGE_TIMEOUT = Duration.ofSeconds(30);

	/** Default number of platform worker threads of a server with {@link Dispatch#WORKERS}. */
	public static final int DEFAULT_WORKERS = 8;

	/** How long accepting pauses after a failed accept (typically EMFILE), instead of spinning. */
	static final Duration ACCEPT_RETRY = Duration.ofMillis(50);

	// Package-private fields are what the acceptors (ThreadAcceptor, LoopAcceptor, ConnectionThreads) read.

	/** Serves a connection on its own thread; {@code null} when an event loop serves them. */
	final @Nullable ConnectionHandler handler;

	/** Frames messages for the event loop; {@code null} for a thread per connection. */
	final @Nullable FramedMessages messages;

	final Dispatch dispatch;

	final int workers;

	final @Nullable Executor workerExecutor;

	final EventLoopGroup eventLoops;

	private final @Nullable ConnectionCustomizer customizer;

	private final PeerPolicy peerPolicy;

	/** Starts the thread of each connection a connection handler serves. */
	final ThreadFactory connectionThreadFactory;

	/** The factory given, {@code null} if none: then message handlers run on a pool of platform workers. */
	final @Nullable ThreadFactory threadFactory;

	final ConnectionTimeouts timeouts;

	private final BufferBudget bufferBudget;

	private final int maxConnections;

	private final int maxFileDescriptors;

	private final int backlog;

	final ConnectionRegistry connections = new ConnectionRegistry();

	/** Written by the one thread that accepts: the accept thread, or the acceptor's loop. */
	final AcceptFailures acceptFailures;

	/** Limits already reported at WARN; later cut-offs for the same limit are logged at debug. */
	private final Map<RejectReason, Boolean> limitsWarned = new ConcurrentHashMap<>();

	/** Made by {@link #bind()} for each start: accepts until the drain. */
	private @Nullable StreamAcceptor acceptor;

	private StreamServer(Builder builder) {
		super(builder);
		// First: isJunixsocket() reads it.
		this.maxFileDescriptors = builder.maxFileDescriptors;
		this.handler = builder.handler;
		// messages(framing, handler) sets both.
		this.messages = (builder.messageHandler != null) ? new FramedMessages(
				Objects.requireNonNull(builder.framing, "framing"), builder.messageHandler, builder.maxMessageSize)
				: null;
		this.dispatch = builder.dispatch;
		this.workers = builder.workers;
		this.workerExecutor = builder.workerExecutor;
		// junixsocket's channels (abstract addresses, inherited sockets, descriptors) need junixsocket's selector.
		this.eventLoops = isJunixsocket() ? EventLoopGroup.junixsocket()
				: (builder.eventLoops != null) ? builder.eventLoops : EventLoopGroup.shared();
		this.customizer = builder.customizer;
		this.peerPolicy = builder.peerPolicy;
		// For a thread per connection: platform threads unless given (always on junixsocket's channels).
		this.connectionThreadFactory = (builder.threadFactory != null && !isJunixsocket()) ? builder.threadFactory
				: platformThreads("unix-socket-" + this.name + "-");
		this.threadFactory = !isJunixsocket() ? builder.threadFactory : null;
		this.timeouts = new ConnectionTimeouts(builder.idleTimeout, builder.messageTimeout, this.connections,
				(connection) -> limitExceeded(connection, RejectReason.MESSAGE_TIMEOUT));
		this.bufferBudget = new BufferBudget(builder.bufferBudget);
		this.maxConnections = builder.maxConnections;
		this.backlog = builder.backlog;
		this.acceptFailures = new AcceptFailures(logger, this.name, ACCEPT_RETRY);
	}

	/**
	 * Start building a server.
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
	 * or group; any process in the network namespace can connect unless a
	 * {@link PeerPolicy} restricts it. Connections run on platform threads.
	 * @param name the server's name, used in logs, thread names and metrics
	 * @param abstractName the abstract name, without the leading {@code @}
	 * @return a builder
	 */
	public static Builder abstractBuilder(String name, String abstractName) {
		return new Builder(name, null, Objects.requireNonNull(abstractName, "abstractName"));
	}

	@Override
	public ServerType type() {
		return ServerType.STREAM;
	}

	/** junixsocket's blocking I/O starves virtual threads, and its channels need its selector. */
	private boolean isJunixsocket() {
		return this.abstractName != null || this.inherited != null || this.maxFileDescriptors > 0;
	}

	/** @return file descriptors a connection passes per message at most, either way; 0 for none */
	public int maxFileDescriptors() {
		return this.maxFileDescriptors;
	}

	/** @return how long a connection may go without a byte read or written, zero for no limit */
	public Duration idleTimeout() {
		return this.timeouts.idleTimeout();
	}

	/** @return how long a framed message may take to arrive once started, zero for no limit */
	public Duration messageTimeout() {
		return this.timeouts.messageTimeout();
	}

	/** @return the budget shared by the read buffers of this server's unfinished framed messages */
	public BufferBudget bufferBudget() {
		return this.bufferBudget;
	}

	/** @return open connections allowed at once, 0 for no limit */
	public int maxConnections() {
		return this.maxConnections;
	}

	/**
	 * @return where message handlers run, {@code null} for a server whose connections get
	 * a thread each (a connection handler, or an abstract address)
	 */
	public @Nullable Dispatch dispatch() {
		return (this.messages != null) ? this.dispatch : null;
	}

	@Override
	void bind() throws IOException {
		this.connections.resetDrained();
		ServerSocketChannel channel;
		if (this.inherited != null) {
			channel = this.inherited.streamChannel();
			rememberInheritedFile(this.inherited);
		}
		else {
			channel = isJunixsocket() ? AFUNIXServerSocketChannel.open()
					: ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		}
		try {
			if (this.inherited == null && this.abstractName != null) {
				channel.bind(NativeSockets.abstractAddress(this.abstractName), this.backlog);
			}
			else if (this.inherited == null && channel instanceof AFUNIXServerSocketChannel junixsocket) {
				this.socketFile = bindJunixsocket(junixsocket);
			}
			else if (this.inherited == null) {
				this.socketFile = SocketFile.bindStream(channel, requireFile(this.fileOptions, this.name), this.backlog);
			}
			// junixsocket's channels are accepted on a loop: only a shutdown, which every process holding
			// the socket would see, wakes a blocking accept.
			this.acceptor = (this.messages != null || isJunixsocket()) ? LoopAcceptor.open(this, channel)
					: new ThreadAcceptor(this, channel);
		}
		catch (IOException | RuntimeException ex) {
			if (this.inherited == null) {
				closeQuietly(channel);
			}
			SocketFile file = this.socketFile;
			if (file != null) {
				file.deleteIfOurs();
				file.close();
				this.socketFile = null;
			}
			throw ex;
		}
	}

	/** A path on junixsocket's channel (to pass descriptors): its bound name must stay until it closes. */
	private SocketFile bindJunixsocket(AFUNIXServerSocketChannel channel) throws IOException {
		// The file is SocketFile's to remove, the private name it was bound at SocketFile's to clean up.
		channel.setDeleteOnClose(false);
		try (SocketFile.StreamBinding binding = SocketFile.prepareStream(requireFile(this.fileOptions, this.name))) {
			channel.bind(AFUNIXSocketAddress.of(binding.bindPath()), this.backlog);
			return binding.publish(true);
		}
	}

	@Override
	void serve() {
		// Set by bind() just before.
		Objects.requireNonNull(this.acceptor, "acceptor").start();
	}

	@Override
	String abstractAddressAccess() {
		return this.peerPolicy.allowsAnyone() ? "any process in this network namespace can connect"
				: "only peers allowed by " + this.peerPolicy + " are served";
	}

	@Override
	String describeStarted() {
		return "listening on " + address() + " (stream, " + origin()
				+ ((this.messages != null) ? ", " + this.eventLoops + ", handler on "
						+ ((this.dispatch == Dispatch.EVENT_LOOP) ? "the event loop" : "workers") : "")
				+ ")";
	}

	@Override
	DrainResult drain(Duration drainTimeout) {
		// Removed while still listening: a process starting on the path meanwhile finds it live, not stale.
		SocketFile file = this.socketFile;
		if (file != null && !leavesSocket()) {
			file.deleteIfOurs();
		}
		// Set by bind(): drain() follows only a start.
		StreamAcceptor acceptor = Objects.requireNonNull(this.acceptor, "acceptor");
		acceptor.stopAccepting();
		if (file != null) {
			file.close();
		}
		DrainResult result = this.connections.drain(drainTimeout);
		acceptor.release();
		this.acceptor = null;
		return result;
	}

	@Override
	@Nullable Channel socketChannel() {
		StreamAcceptor acceptor = this.acceptor;
		return (acceptor != null) ? acceptor.channel() : null;
	}

	@Override
	String describeStopped(DrainResult result) {
		return result.drained() + " connection(s) drained, " + result.forceClosed() + " force-closed";
	}

	@Override
	public int openConnections() {
		return this.connections.open();
	}

	@Override
	public long acceptedConnections() {
		return this.connections.accepted();
	}

	@Override
	public long rejectedConnections() {
		return this.connections.rejected();
	}

	@Override
	public long rejectedConnections(RejectReason reason) {
		return this.connections.rejected(reason);
	}

	@Override
	public long handlerErrors() {
		return this.connections.handlerErrors();
	}

	@Override
	public long bytesReceived() {
		return this.connections.bytesReceived();
	}

	@Override
	public long bytesSent() {
		return this.connections.bytesSent();
	}

	/**
	 * Handler invocations that have returned or thrown: one per message for a message
	 * handler ({@code lines}, {@code length-prefixed}, each command line of a command
	 * server), one per connection for a connection handler. Counted without shared state
	 * on the hot path, summed on demand like the bytes.
	 * @return the invocations so far
	 */
	public long handlerInvocations() {
		return this.connections.handlerInvocations();
	}

	/** @return nanoseconds the handler spent in the {@link #handlerInvocations() invocations} so far */
	public long handlerNanos() {
		return this.connections.handlerNanos();
	}

	/** @return messages a message handler got so far, 0 for a server with a connection handler */
	public long messagesHandled() {
		return (this.messages != null) ? handlerInvocations() : 0;
	}

	@Override
	public Collection<Connection> connections() {
		return this.connections.snapshot();
	}

	/** @return whether {@code max-connections} are open: then the channel is rejected and closed */
	boolean rejectIfFull(SocketChannel channel) {
		if (this.connections.isFull(this.maxConnections)) {
			// Counted first: whoever sees the connection closed also sees it counted.
			reject(RejectReason.MAX_CONNECTIONS);
			closeQuietly(channel);
			return true;
		}
		return false;
	}

	/**
	 * @param connection a connection accepted, before its handler runs
	 * @return whether its peer is allowed and its set-up worked; if not, the refusal is counted
	 */
	boolean admit(ServerConnection connection) {
		return allowed(connection) && setUp(connection);
	}

	/** @return whether the peer may connect (SO_PEERCRED is read only for a policy); if not, it is counted */
	private boolean allowed(ServerConnection connection) {
		if (connection.isAllowedBy(this.peerPolicy)) {
			return true;
		}
		logger.warn("Unix socket server '" + this.name + "' refused " + connection + " from " + connection.peer()
				+ ": not in the allowed users or groups");
		reject(RejectReason.UNAUTHORIZED);
		return false;
	}

	/** @return whether socket options and customizers were applied; if not, the refusal is counted */
	private boolean setUp(ServerConnection connection) {
		try {
			if (this.receiveBufferSize != null) {
				connection.setOption(StandardSocketOptions.SO_RCVBUF, this.receiveBufferSize);
			}
			if (this.sendBufferSize != null) {
				connection.setOption(StandardSocketOptions.SO_SNDBUF, this.sendBufferSize);
			}
			if (this.customizer != null) {
				this.customizer.customize(connection);
			}
			return true;
		}
		catch (Throwable ex) {
			logger.warn("Unix socket server '" + this.name + "' refused " + connection + ": set-up failed: " + ex);
			reject(RejectReason.SETUP_FAILED);
			return false;
		}
	}

	void handlerFailed(ServerConnection connection, Throwable ex) {
		if (connection.isClosedByServer() || !connection.isOpen()) {
			// Closed by idle timeout, drain deadline or the handler itself: the error is the consequence.
			logger.debug("Handler of " + connection + " ended after its connection was closed: " + ex);
		}
		else if (ex instanceof IOException) {
			logger.debug("Handler of " + connection + " ended with an I/O error: " + ex);
		}
		else {
			this.connections.countHandlerError();
			logger.error("Handler of " + connection + " failed; the connection was closed", ex);
		}
	}

	void unregister(ServerConnection connection) {
		connection.releaseBuffer();
		this.connections.remove(connection, this.state == ServerState.DRAINING);
	}

	/**
	 * Close a connection that went over a limit while its handler ran, and count it as
	 * rejected for that limit (once, even if two limits hit it).
	 */
	void limitExceeded(ServerConnection connection, RejectReason reason) {
		if (!connection.isOpen() || !connection.markCutOff()) {
			return;
		}
		// Counted first: whoever sees the connection closed also sees it counted.
		this.connections.countRejected(reason);
		connection.close();
		if (this.limitsWarned.putIfAbsent(reason, Boolean.TRUE) == null) {
			// An attack repeats this per connection: one warning says what happens, the rest go to debug.
			logger.warn("Unix socket server '" + this.name + "' closed " + connection + ": " + describe(reason)
					+ " (further connections closed for this reason are logged at debug level)");
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Unix socket server '" + this.name + "' closed " + connection + ": " + describe(reason));
		}
		fire((listener) -> listener.connectionRejected(this, reason));
	}

	private String describe(RejectReason reason) {
		return switch (reason) {
			case BUFFER_BUDGET -> "the buffers of unfinished messages would exceed the server's buffer budget of "
					+ this.bufferBudget.capacity() + " bytes, and it held the largest";
			case MESSAGE_TIMEOUT -> "a message was not complete within the message timeout of "
					+ this.timeouts.messageTimeout();
			default -> reason.tag();
		};
	}

	void reject(RejectReason reason) {
		this.connections.countRejected(reason);
		if (logger.isDebugEnabled()) {
			// A flood beyond max-connections lands here once per connection: no message unless asked for.
			logger.debug("Unix socket server '" + this.name + "' rejected a connection: " + reason.tag());
		}
		fire((listener) -> listener.connectionRejected(this, reason));
	}

	/** A loop connection closed (by either side): listeners hear of it if they heard it open. */
	void connectionClosed(LoopConnection connection, boolean wasOpened) {
		if (wasOpened) {
			fire((listener) -> listener.connectionClosed(connection));
		}
		unregister(connection);
	}

	/** Where a message handler runs. */
	public enum Dispatch {

		/**
		 * On worker threads (virtual threads where enabled, else a pool per server): the
		 * handler may block, for example on a database. Messages of one connection still
		 * reach it one at a time, in order.
		 */
		WORKERS,

		/**
		 * On the event loop that read the message: no hand-off, the fastest path. The
		 * handler must not block: a loop blocked for long is reported
		 * ({@link EventLoopGroup#blockedThreshold()}), and meanwhile the loop's other
		 * connections wait.
		 */
		EVENT_LOOP

	}

	/** Builds a {@link StreamServer}; every setting has a safe default but the handler. */
	public static final class Builder extends ServerBuilder<Builder> {

		private @Nullable ConnectionHandler handler;

		private @Nullable Framing framing;

		private @Nullable MessageHandler messageHandler;

		private int maxMessageSize = FramedConnectionHandler.DEFAULT_MAX_MESSAGE_SIZE;

		private Dispatch dispatch = Dispatch.WORKERS;

		private int workers = DEFAULT_WORKERS;

		private @Nullable Executor workerExecutor;

		private @Nullable EventLoopGroup eventLoops;

		private @Nullable ConnectionCustomizer customizer;

		private PeerPolicy peerPolicy = PeerPolicy.ANYONE;

		private @Nullable ThreadFactory threadFactory;

		private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

		private Duration messageTimeout = DEFAULT_MESSAGE_TIMEOUT;

		private long bufferBudget = BufferBudget.DEFAULT_CAPACITY;

		private int maxConnections = DEFAULT_MAX_CONNECTIONS;

		private int maxFileDescriptors;

		private int backlog = 1024;

		private Builder(String name, @Nullable SocketFileOptions fileOptions, @Nullable String abstractName) {
			super(name, fileOptions, abstractName);
		}

		@Override
		Builder self() {
			return this;
		}

		@Override
		ServerType type() {
			return ServerType.STREAM;
		}

		/**
		 * Serve each connection whole, on a thread of its own (protocol {@code raw}).
		 * @param handler the connection handler
		 * @return this builder
		 */
		public Builder handler(ConnectionHandler handler) {
			this.handler = handler;
			this.messageHandler = null;
			return this;
		}

		/**
		 * Serve framed messages: the event loops read and frame, the handler gets each
		 * message and returns the reply (see {@link #dispatch(Dispatch)}).
		 * @param framing how messages are delimited
		 * @param handler the message handler
		 * @return this builder
		 */
		public Builder messages(Framing framing, MessageHandler handler) {
			this.framing = Objects.requireNonNull(framing, "framing");
			this.messageHandler = Objects.requireNonNull(handler, "handler");
			this.handler = null;
			return this;
		}

		/**
		 * Wrap the message handler set so far, for example to observe each message.
		 * @param decorator gets the current handler, returns the one to use
		 * @return this builder
		 */
		public Builder decorateMessageHandler(UnaryOperator<MessageHandler> decorator) {
			if (this.messageHandler != null) {
				this.messageHandler = Objects.requireNonNull(decorator.apply(this.messageHandler),
						"decorated handler");
			}
			return this;
		}

		/**
		 * @param maxMessageSize largest framed message in bytes, without its newline or
		 * prefix; a larger one ends the connection after
		 * {@link MessageHandler#messageTooLarge}. Between 1 and
		 * {@link FramedConnectionHandler#MAX_LIMIT}; default 1MB
		 * @return this builder
		 * @throws IllegalArgumentException if it is out of range
		 */
		public Builder maxMessageSize(int maxMessageSize) {
			this.maxMessageSize = FramedMessages.checkMaxMessageSize(maxMessageSize);
			return this;
		}

		/**
		 * @param dispatch where the message handler runs; default {@link Dispatch#WORKERS}
		 * @return this builder
		 */
		public Builder dispatch(Dispatch dispatch) {
			this.dispatch = Objects.requireNonNull(dispatch, "dispatch");
			return this;
		}

		/**
		 * @param workers platform threads that run message handlers with
		 * {@link Dispatch#WORKERS} when no {@link #threadFactory thread factory} (such as
		 * virtual threads) or {@link #workerExecutor executor} is given; created when needed,
		 * ended when idle. 1 or more; default 8
		 * @return this builder
		 * @throws IllegalArgumentException if it is less than 1
		 */
		public Builder workers(int workers) {
			if (workers < 1) {
				throw new IllegalArgumentException("workers must be at least 1");
			}
			this.workers = workers;
			return this;
		}

		/**
		 * @param executor runs message handlers with {@link Dispatch#WORKERS}, one task per
		 * connection at a time; {@code null} for the default
		 * @return this builder
		 */
		public Builder workerExecutor(@Nullable Executor executor) {
			this.workerExecutor = executor;
			return this;
		}

		/**
		 * @param eventLoops the loops that serve framed connections; default
		 * {@link EventLoopGroup#shared()}
		 * @return this builder
		 */
		public Builder eventLoops(@Nullable EventLoopGroup eventLoops) {
			this.eventLoops = eventLoops;
			return this;
		}

		/**
		 * Wrap the connection handler set so far, if any, for example to time or trace each
		 * connection.
		 * @param decorator gets the current handler, returns the one to use
		 * @return this builder
		 */
		public Builder decorateHandler(UnaryOperator<ConnectionHandler> decorator) {
			if (this.handler != null) {
				this.handler = Objects.requireNonNull(decorator.apply(this.handler), "decorated handler");
			}
			return this;
		}

		public Builder customizer(@Nullable ConnectionCustomizer customizer) {
			this.customizer = customizer;
			return this;
		}

		/**
		 * @param peerPolicy who may connect; others are closed before the handler runs
		 * @return this builder
		 */
		public Builder peerPolicy(PeerPolicy peerPolicy) {
			this.peerPolicy = Objects.requireNonNull(peerPolicy, "peerPolicy");
			return this;
		}

		/**
		 * @param threadFactory creates one thread per connection (connection handlers), or
		 * per message hand-off (message handlers with {@link Dispatch#WORKERS}); for example
		 * {@code Thread.ofVirtual().factory()} on Java 21+. Default: daemon platform threads,
		 * which servers on abstract addresses always use.
		 * @return this builder
		 */
		public Builder threadFactory(@Nullable ThreadFactory threadFactory) {
			this.threadFactory = threadFactory;
			return this;
		}

		/**
		 * @param idleTimeout connections with no byte read or written for longer are
		 * closed; zero for none (the default)
		 * @return this builder
		 * @throws IllegalArgumentException if it is negative
		 */
		public Builder idleTimeout(Duration idleTimeout) {
			this.idleTimeout = nonNegative(idleTimeout, "idleTimeout");
			return this;
		}

		/**
		 * @param messageTimeout how long a framed message ({@link FramedConnectionHandler})
		 * may take to arrive once its first byte has: a connection still waiting for the rest
		 * after that is closed and counted as rejected ({@link RejectReason#MESSAGE_TIMEOUT}).
		 * Connections idle between messages and handlers at work are not affected. Zero for
		 * no limit; default 30s
		 * @return this builder
		 * @throws IllegalArgumentException if it is negative
		 */
		public Builder messageTimeout(Duration messageTimeout) {
			this.messageTimeout = nonNegative(messageTimeout, "messageTimeout");
			return this;
		}

		/**
		 * @param bytes how much the read buffers of unfinished framed messages may take
		 * beyond their first 8KB, summed over the server's connections; when a buffer would
		 * grow past it, the connection holding the most is closed and counted as rejected
		 * ({@link RejectReason#BUFFER_BUDGET}). 1 or more; default 32MB
		 * @return this builder
		 * @throws IllegalArgumentException if it is not positive
		 */
		public Builder bufferBudget(long bytes) {
			if (bytes <= 0) {
				throw new IllegalArgumentException("bufferBudget must be positive (1 byte or more)");
			}
			this.bufferBudget = bytes;
			return this;
		}

		/**
		 * @param maxConnections open connections allowed at once, 0 for no limit; beyond it
		 * new connections are closed at once and counted as rejected. Default 1000
		 * @return this builder
		 * @throws IllegalArgumentException if it is negative
		 */
		public Builder maxConnections(int maxConnections) {
			if (maxConnections < 0) {
				throw new IllegalArgumentException("maxConnections must not be negative");
			}
			this.maxConnections = maxConnections;
			return this;
		}

		/**
		 * Let connections pass file descriptors ({@link Connection#receiveFileDescriptors()},
		 * {@link Connection#sendFileDescriptors}): the server is served on junixsocket's
		 * channels, since the JDK's cannot. Default 0: none, and the kernel discards any a
		 * peer sends.
		 * @param maxFileDescriptors at most this many per message, either way (at most 253,
		 * the kernel's {@code SCM_MAX_FD})
		 * @return this builder
		 * @throws IllegalArgumentException if it is negative or above 253
		 */
		public Builder maxFileDescriptors(int maxFileDescriptors) {
			if (maxFileDescriptors < 0 || maxFileDescriptors > MAX_FILE_DESCRIPTORS) {
				throw new IllegalArgumentException(
						"maxFileDescriptors must be between 0 and " + MAX_FILE_DESCRIPTORS + " (SCM_MAX_FD)");
			}
			this.maxFileDescriptors = maxFileDescriptors;
			return this;
		}

		public Builder backlog(int backlog) {
			this.backlog = backlog;
			return this;
		}

		public StreamServer build() {
			if (this.handler == null && this.messageHandler == null) {
				throw new IllegalStateException("Server '" + this.name + "' needs a handler");
			}
			return new StreamServer(this);
		}

	}

}
