package io.github.unixsocket.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;

import static io.github.unixsocket.server.ServerSupport.closeQuietly;
import static io.github.unixsocket.server.ServerSupport.join;
import static io.github.unixsocket.server.ServerSupport.platformThreads;
import static io.github.unixsocket.server.ServerSupport.sleep;

/**
 * A stream server on a filesystem socket path, on the JDK's own Unix domain channels: a
 * non-daemon accept thread, one thread per connection from the configured
 * {@link ThreadFactory} (virtual threads scale here: JDK channels park, they do not pin).
 * On a Linux abstract-namespace address ({@link #abstractBuilder}) it runs on junixsocket
 * channels instead, always on platform threads: junixsocket's blocking I/O starves
 * virtual threads.
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

	/** Threads still in a handler this long after their connection was force-closed are left behind. */
	private static final Duration FORCE_CLOSE_GRACE = Duration.ofSeconds(1);

	private final ConnectionHandler handler;

	private final ConnectionCustomizer customizer;

	private final PeerPolicy peerPolicy;

	private final ThreadFactory threadFactory;

	private final Duration idleTimeout;

	private final int maxConnections;

	private final int backlog;

	private final Object drainMonitor = new Object();

	private final Map<Long, ChannelConnection> connections = new ConcurrentHashMap<>();

	private final AtomicInteger openConnections = new AtomicInteger();

	private final AtomicLong nextConnectionId = new AtomicLong();

	private final AtomicLong accepted = new AtomicLong();

	private final Map<RejectReason, AtomicLong> rejected = new EnumMap<>(RejectReason.class);

	private final AtomicLong handlerErrors = new AtomicLong();

	/** Connections that ended by themselves during the current drain. */
	private final AtomicInteger drained = new AtomicInteger();

	/**
	 * Guards retiring a connection's bytes into the closed totals and summing them, so a
	 * reader never sees a connection in neither place (a counter must not go down). Taken
	 * once per closed connection and per read of a total, never per read or write.
	 */
	private final Object byteTotals = new Object();

	/** Bytes of closed connections; open ones are summed on demand, so I/O touches no shared counter. */
	private long closedBytesReceived;

	private long closedBytesSent;

	private volatile ServerSocketChannel listener;

	private Thread acceptThread;

	private Thread idleReaper;

	private StreamServer(Builder builder) {
		super(builder);
		this.handler = builder.handler;
		this.customizer = builder.customizer;
		this.peerPolicy = builder.peerPolicy;
		this.threadFactory = (builder.threadFactory != null && this.abstractName == null) ? builder.threadFactory
				: platformThreads("unix-socket-" + this.name + "-");
		this.idleTimeout = builder.idleTimeout;
		this.maxConnections = builder.maxConnections;
		this.backlog = builder.backlog;
		for (RejectReason reason : RejectReason.values()) {
			this.rejected.put(reason, new AtomicLong());
		}
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

	public Duration idleTimeout() {
		return this.idleTimeout;
	}

	public int maxConnections() {
		return this.maxConnections;
	}

	@Override
	public void start() throws IOException {
		synchronized (this.lifecycleLock) {
			if (this.state == ServerState.RUNNING || this.state == ServerState.DRAINING) {
				throw new IllegalStateException("Server '" + this.name + "' is already " + this.state);
			}
			if (this.abstractName != null) {
				NativeSockets.require(NativeSockets.abstractNamespaceProblem(this.abstractName));
			}
			ServerSocketChannel channel = (this.abstractName != null) ? AFUNIXServerSocketChannel.open()
					: ServerSocketChannel.open(StandardProtocolFamily.UNIX);
			try {
				if (this.abstractName != null) {
					channel.bind(NativeSockets.abstractAddress(this.abstractName), this.backlog);
				}
				else {
					this.socketFile = SocketFile.bindStream(channel, this.fileOptions, this.backlog);
				}
			}
			catch (IOException | RuntimeException ex) {
				channel.close();
				throw ex;
			}
			this.listener = channel;
			this.state = ServerState.RUNNING;
			this.acceptThread = new Thread(() -> acceptLoop(channel), "unix-socket-" + this.name + "-accept");
			// Non-daemon: a running server keeps the JVM alive, like a web server does.
			this.acceptThread.setDaemon(false);
			this.acceptThread.start();
			if (!this.idleTimeout.isZero()) {
				this.idleReaper = new Thread(this::reapIdleConnections, "unix-socket-" + this.name + "-idle");
				this.idleReaper.setDaemon(true);
				this.idleReaper.start();
			}
		}
		if (this.abstractName != null) {
			logger.warn("Unix socket server '" + this.name + "' listens on abstract address " + address()
					+ ": file permissions do not apply there, "
					+ (this.peerPolicy.allowsAnyone() ? "any process in this network namespace can connect"
							: "only peers allowed by " + this.peerPolicy + " are served"));
		}
		logger.info("Unix socket server '" + this.name + "' listening on " + address() + " (stream, "
				+ ((this.abstractName != null) ? "abstract namespace"
						: "mode " + FilePermissions.toOctal(permissions()) + ", group "
								+ ((group() != null) ? group() : "of the process"))
				+ ")");
		fire((listener) -> listener.serverStarted(this));
	}

	@Override
	public DrainResult stop(Duration drainTimeout) {
		Thread acceptThread;
		Thread idleReaper;
		synchronized (this.lifecycleLock) {
			if (this.state != ServerState.RUNNING) {
				return DrainResult.NONE;
			}
			this.drained.set(0);
			this.state = ServerState.DRAINING;
			acceptThread = this.acceptThread;
			idleReaper = this.idleReaper;
		}
		closeQuietly(this.listener);
		if (this.socketFile != null) {
			this.socketFile.deleteIfOurs();
		}
		join(acceptThread, Duration.ofSeconds(5));
		// Nothing in flight on these: closing them now loses nothing and shortens the drain.
		this.connections.values()
			.stream()
			.filter(ChannelConnection::isIdleBetweenRequests)
			.forEach(ChannelConnection::close);
		awaitNoConnections(drainTimeout);
		List<ChannelConnection> stragglers = new ArrayList<>(this.connections.values());
		stragglers.forEach(ChannelConnection::forceClose);
		long graceDeadline = System.nanoTime() + FORCE_CLOSE_GRACE.toNanos();
		for (ChannelConnection connection : stragglers) {
			join(connection.thread, Duration.ofNanos(Math.max(0, graceDeadline - System.nanoTime())));
		}
		if (idleReaper != null) {
			idleReaper.interrupt();
		}
		DrainResult result = new DrainResult(this.drained.get(), stragglers.size());
		synchronized (this.lifecycleLock) {
			this.state = ServerState.STOPPED;
		}
		logger.info("Unix socket server '" + this.name + "' stopped: " + result.drained() + " connection(s) drained, "
				+ result.forceClosed() + " force-closed");
		fire((listener) -> listener.serverStopped(this, result));
		return result;
	}

	@Override
	public int openConnections() {
		return this.openConnections.get();
	}

	@Override
	public long acceptedConnections() {
		return this.accepted.get();
	}

	@Override
	public long rejectedConnections() {
		return this.rejected.values().stream().mapToLong(AtomicLong::get).sum();
	}

	@Override
	public long rejectedConnections(RejectReason reason) {
		return this.rejected.get(reason).get();
	}

	@Override
	public long handlerErrors() {
		return this.handlerErrors.get();
	}

	@Override
	public long bytesReceived() {
		synchronized (this.byteTotals) {
			long total = this.closedBytesReceived;
			for (ChannelConnection connection : this.connections.values()) {
				total += connection.bytesReceived();
			}
			return total;
		}
	}

	@Override
	public long bytesSent() {
		synchronized (this.byteTotals) {
			long total = this.closedBytesSent;
			for (ChannelConnection connection : this.connections.values()) {
				total += connection.bytesSent();
			}
			return total;
		}
	}

	@Override
	public Collection<Connection> connections() {
		return List.copyOf(this.connections.values());
	}

	private void acceptLoop(ServerSocketChannel channel) {
		while (true) {
			SocketChannel accepted;
			try {
				accepted = channel.accept();
			}
			catch (ClosedChannelException ex) {
				return;
			}
			catch (IOException ex) {
				if (!channel.isOpen()) {
					return;
				}
				// Typically EMFILE: back off instead of spinning, the server stays up.
				logger.warn("Unix socket server '" + this.name + "' could not accept a connection: " + ex);
				if (!sleep(Duration.ofMillis(50))) {
					return;
				}
				continue;
			}
			dispatch(accepted);
		}
	}

	private void dispatch(SocketChannel channel) {
		if (this.maxConnections > 0 && this.openConnections.get() >= this.maxConnections) {
			closeQuietly(channel);
			reject(RejectReason.MAX_CONNECTIONS);
			return;
		}
		ChannelConnection connection = new ChannelConnection(this, this.nextConnectionId.incrementAndGet(), channel);
		this.openConnections.incrementAndGet();
		this.connections.put(connection.id(), connection);
		try {
			Thread thread = this.threadFactory.newThread(() -> serve(connection));
			connection.thread = thread;
			thread.start();
		}
		catch (Throwable ex) {
			logger.error("Unix socket server '" + this.name + "' could not start a thread for " + connection, ex);
			connection.closeChannel();
			unregister(connection);
			reject(RejectReason.SETUP_FAILED);
		}
	}

	private void serve(ChannelConnection connection) {
		try {
			if (!setUp(connection)) {
				return;
			}
			this.accepted.incrementAndGet();
			fire((listener) -> listener.connectionOpened(connection));
			try {
				this.handler.handle(connection);
			}
			catch (Throwable ex) {
				handlerFailed(connection, ex);
			}
			finally {
				connection.closeChannel();
				fire((listener) -> listener.connectionClosed(connection));
			}
		}
		finally {
			unregister(connection);
		}
	}

	private boolean setUp(ChannelConnection connection) {
		// SO_PEERCRED: only read when a policy is configured.
		if (!connection.isAllowedBy(this.peerPolicy)) {
			logger.warn("Unix socket server '" + this.name + "' refused " + connection + " from " + connection.peer()
					+ ": not in the allowed users or groups");
			connection.closeChannel();
			reject(RejectReason.UNAUTHORIZED);
			return false;
		}
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
			connection.closeChannel();
			reject(RejectReason.SETUP_FAILED);
			return false;
		}
	}

	private void handlerFailed(ChannelConnection connection, Throwable ex) {
		if (connection.isClosedByServer() || !connection.isOpen()) {
			// Closed by idle timeout, drain deadline or the handler itself: the error is the consequence.
			logger.debug("Handler of " + connection + " ended after its connection was closed: " + ex);
		}
		else if (ex instanceof IOException) {
			logger.debug("Handler of " + connection + " ended with an I/O error: " + ex);
		}
		else {
			this.handlerErrors.incrementAndGet();
			logger.error("Handler of " + connection + " failed; the connection was closed", ex);
		}
	}

	private void unregister(ChannelConnection connection) {
		synchronized (this.byteTotals) {
			if (this.connections.remove(connection.id()) == null) {
				return;
			}
			this.closedBytesReceived += connection.bytesReceived();
			this.closedBytesSent += connection.bytesSent();
		}
		this.openConnections.decrementAndGet();
		if (this.state == ServerState.DRAINING) {
			if (!connection.isForceClosed()) {
				this.drained.incrementAndGet();
			}
			synchronized (this.drainMonitor) {
				this.drainMonitor.notifyAll();
			}
		}
	}

	private void reject(RejectReason reason) {
		this.rejected.get(reason).incrementAndGet();
		if (logger.isDebugEnabled()) {
			// A flood beyond max-connections lands here once per connection: no message unless asked for.
			logger.debug("Unix socket server '" + this.name + "' rejected a connection: " + reason.tag());
		}
		fire((listener) -> listener.connectionRejected(this, reason));
	}

	private void awaitNoConnections(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.drainMonitor) {
			while (this.openConnections.get() > 0) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(this.drainMonitor, remaining);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	private void reapIdleConnections() {
		long timeout = this.idleTimeout.toNanos();
		// Check a few times per timeout: a connection lives at most ~25% longer than allowed.
		Duration period = Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(10),
				Math.min(timeout / 4, TimeUnit.SECONDS.toNanos(1))));
		while (this.state == ServerState.RUNNING || this.state == ServerState.DRAINING) {
			if (!sleep(period)) {
				return;
			}
			long now = System.nanoTime();
			for (ChannelConnection connection : this.connections.values()) {
				if (connection.idleNanos(now) > timeout && connection.isOpen()) {
					logger.debug("Closing " + connection + ": idle for longer than " + this.idleTimeout);
					connection.close();
				}
			}
		}
	}

	/** Builds a {@link StreamServer}; every setting has a safe default but the handler. */
	public static final class Builder extends ServerBuilder<Builder> {

		private ConnectionHandler handler;

		private ConnectionCustomizer customizer;

		private PeerPolicy peerPolicy = PeerPolicy.ANYONE;

		private ThreadFactory threadFactory;

		private Duration idleTimeout = Duration.ZERO;

		private int maxConnections;

		private int backlog = 1024;

		private Builder(String name, SocketFileOptions fileOptions, String abstractName) {
			super(name, fileOptions, abstractName);
		}

		@Override
		Builder self() {
			return this;
		}

		public Builder handler(ConnectionHandler handler) {
			this.handler = handler;
			return this;
		}

		/**
		 * Wrap the handler set so far, for example to time or trace each connection.
		 * @param decorator gets the current handler, returns the one to use
		 * @return this builder
		 */
		public Builder decorateHandler(UnaryOperator<ConnectionHandler> decorator) {
			this.handler = Objects.requireNonNull(decorator.apply(this.handler), "decorated handler");
			return this;
		}

		public Builder customizer(ConnectionCustomizer customizer) {
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
		 * @param threadFactory creates one thread per connection; for example
		 * {@code Thread.ofVirtual().factory()} on Java 21+. Default: daemon platform threads,
		 * which servers on abstract addresses always use.
		 * @return this builder
		 */
		public Builder threadFactory(ThreadFactory threadFactory) {
			this.threadFactory = threadFactory;
			return this;
		}

		/**
		 * @param idleTimeout connections with no byte read or written for longer are
		 * closed; zero for none
		 * @return this builder
		 */
		public Builder idleTimeout(Duration idleTimeout) {
			this.idleTimeout = nonNegative(idleTimeout, "idleTimeout");
			return this;
		}

		/**
		 * @param maxConnections open connections allowed at once, 0 for no limit; beyond it
		 * new connections are closed at once and counted as rejected
		 * @return this builder
		 */
		public Builder maxConnections(int maxConnections) {
			if (maxConnections < 0) {
				throw new IllegalArgumentException("maxConnections must not be negative");
			}
			this.maxConnections = maxConnections;
			return this;
		}

		public Builder backlog(int backlog) {
			this.backlog = backlog;
			return this;
		}

		public StreamServer build() {
			if (this.handler == null) {
				throw new IllegalStateException("Server '" + this.name + "' needs a handler");
			}
			return new StreamServer(this);
		}

	}

}
