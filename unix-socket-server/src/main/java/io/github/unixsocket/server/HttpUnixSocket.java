package io.github.unixsocket.server;

import java.io.IOException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileException;
import io.github.unixsocket.server.file.SocketFileOptions;
import io.github.unixsocket.server.peer.KernelPeer;
import io.github.unixsocket.server.peer.PeerCredentials;
import io.github.unixsocket.server.peer.PeerPolicy;
import io.github.unixsocket.server.peer.UnixIds;

import jdk.net.UnixDomainPrincipal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The Unix socket of an HTTP server that something else runs: an embedded web server
 * (Tomcat, Jetty, Reactor Netty) listens on it, and this class takes its path with every
 * rule of {@link SocketFile} and keeps the books, so that it shows in the registry, the
 * health check and the endpoint like any other server.
 * <p>
 * The web server drives it, in this order: {@link #prepare()} checks and locks the path
 * and gives the private path to bind at; the web server binds and listens there;
 * {@link #publish(String, boolean)} applies group and mode and links the socket to its
 * path; every accepted connection goes through {@link #admit(SocketChannel, Runnable)} (or
 * another {@code admit}), which reads the kernel's peer credentials and applies the
 * allow-list and the limit of open connections; on stop {@link #unpublish()} removes the file (only if it is still ours)
 * while the server still listens, and {@link #release()} gives the lock and the private
 * directory back once it has closed its socket. {@link #abandon()} gives everything back
 * when the server could not start.
 * <p>
 * What it cannot see, because the web server handles the bytes, reads as 0: bytes
 * received and sent, handler errors, and each connection's last activity (its opening
 * time). Starting and stopping it are the web server's business: it is a
 * {@link UnixSocketServerView}, not a {@link UnixSocketServer}.
 */
public final class HttpUnixSocket implements UnixSocketServerView {

	/**
	 * The request attribute (servlet request, WebFlux exchange) holding the
	 * {@link PeerCredentials} of the client that sent a request over a Unix socket.
	 */
	public static final String PEER_ATTRIBUTE = "io.github.unixsocket.peer";

	/** The protocol shown in Actuator for web server sockets. */
	public static final String PROTOCOL = "http";

	/**
	 * Default {@link #maxConnections() limit} of open connections: the stream servers' (a
	 * slow client holds a connection, and its buffers and often a thread, for as long as
	 * it likes).
	 */
	public static final int DEFAULT_MAX_CONNECTIONS = StreamServer.DEFAULT_MAX_CONNECTIONS;

	private static final Log logger = LogFactory.getLog(HttpUnixSocket.class);

	private final String name;

	private final SocketFileOptions options;

	private final PeerPolicy peerPolicy;

	private final int maxConnections;

	private final Object lifecycleLock = new Object();

	private volatile ServerState state = ServerState.NEW;

	private SocketFile.@Nullable StreamBinding binding;

	private volatile @Nullable SocketFile socketFile;

	private final AtomicLong ids = new AtomicLong();

	private final AtomicLong accepted = new AtomicLong();

	private final AtomicLong unauthorized = new AtomicLong();

	private final AtomicLong overLimit = new AtomicLong();

	/** Makes the limit's check and the admission one step: web servers may accept on several threads. */
	private final Object admissionLock = new Object();

	private final AtomicBoolean refusalLogged = new AtomicBoolean();

	private final AtomicBoolean limitLogged = new AtomicBoolean();

	private final Map<Long, HttpConnection> open = new ConcurrentHashMap<>();

	/**
	 * @param name the name shown in logs, metrics and Actuator
	 * @param options path, mode, group, directories
	 * @param peerPolicy who may connect; {@link PeerPolicy#ANYONE} for everyone who can
	 * open the file
	 */
	public HttpUnixSocket(String name, SocketFileOptions options, PeerPolicy peerPolicy) {
		this(name, options, peerPolicy, DEFAULT_MAX_CONNECTIONS);
	}

	/**
	 * @param name the name shown in logs, metrics and Actuator
	 * @param options path, mode, group, directories
	 * @param peerPolicy who may connect; {@link PeerPolicy#ANYONE} for everyone who can
	 * open the file
	 * @param maxConnections open connections allowed at once, 0 for no limit; beyond it a
	 * new connection is closed before the web server reads a byte and counted as rejected
	 * ({@link RejectReason#MAX_CONNECTIONS})
	 * @throws IllegalArgumentException if {@code maxConnections} is negative
	 */
	public HttpUnixSocket(String name, SocketFileOptions options, PeerPolicy peerPolicy, int maxConnections) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be empty");
		}
		if (maxConnections < 0) {
			throw new IllegalArgumentException("maxConnections must not be negative");
		}
		this.name = name;
		this.options = Objects.requireNonNull(options, "options");
		this.peerPolicy = Objects.requireNonNull(peerPolicy, "peerPolicy");
		this.maxConnections = maxConnections;
	}

	/**
	 * Check and lock the path (length, trusted directories, stale socket reclaimed, a live
	 * one or another file left alone) and create a private directory next to it.
	 * @return where the web server must bind its listening socket: a path only this
	 * process can reach
	 * @throws IOException if the path cannot be taken; a {@link SocketFileException} says
	 * why
	 */
	public Path prepare() throws IOException {
		synchronized (this.lifecycleLock) {
			if (this.state == ServerState.RUNNING || this.binding != null) {
				throw new IllegalStateException("HTTP socket '" + this.name + "' is already started");
			}
			this.binding = SocketFile.prepareStream(this.options);
			return this.binding.bindPath();
		}
	}

	/**
	 * Give the socket the web server now listens on at {@link #prepare()}'s path its group
	 * and mode, and link it to the configured path: from now on clients can connect.
	 * @param server the web server, for the log line (e.g. "Tomcat")
	 * @param keepBindPath whether the web server removes its own bound file when it stops
	 * (Tomcat does): the private directory then stays until {@link #release()}
	 * @throws IOException if it cannot be secured or published; everything is given back
	 */
	public void publish(String server, boolean keepBindPath) throws IOException {
		synchronized (this.lifecycleLock) {
			if (this.binding == null) {
				throw new IllegalStateException("HTTP socket '" + this.name + "' was not prepared");
			}
			try {
				this.socketFile = this.binding.publish(keepBindPath);
			}
			finally {
				this.binding = null;
			}
			this.state = ServerState.RUNNING;
		}
		logger.info("HTTP socket '" + this.name + "' (" + server + ") listening on " + address() + " (mode "
				+ FilePermissions.toOctal(permissions()) + ", group " + ((group() != null) ? group() : "of the process")
				+ ", peers: " + this.peerPolicy + ")");
	}

	/** Give back the lock and the private directory of a socket that was never published. */
	public void abandon() {
		synchronized (this.lifecycleLock) {
			if (this.binding != null) {
				this.binding.close();
				this.binding = null;
			}
		}
	}

	/**
	 * Remove the socket file if it is still the one published; call it while the web
	 * server still listens, so a process starting on the path meanwhile finds it live, not
	 * stale. New clients can no longer connect; open connections go on.
	 */
	public void unpublish() {
		synchronized (this.lifecycleLock) {
			if (this.state != ServerState.RUNNING) {
				return;
			}
			this.state = ServerState.DRAINING;
			// Published while running.
			SocketFile file = this.socketFile;
			if (file != null) {
				file.deleteIfOurs();
			}
		}
	}

	/**
	 * The web server has closed its listening socket: release the path's lock and the
	 * private directory (with the bound name, if the web server left it).
	 */
	public void release() {
		synchronized (this.lifecycleLock) {
			abandon();
			SocketFile file = this.socketFile;
			if (file == null) {
				return;
			}
			if (this.state == ServerState.RUNNING) {
				file.deleteIfOurs();
			}
			file.close();
			this.socketFile = null;
			this.state = ServerState.STOPPED;
		}
		logger.info("HTTP socket '" + this.name + "' stopped: " + address() + " removed if it was still ours");
	}

	/**
	 * Admit a connection accepted on a JDK channel: read its peer's credentials from the
	 * kernel ({@code SO_PEERCRED}) and apply the allow-list and the limit of open
	 * connections.
	 * @param channel the accepted channel
	 * @param closer closes the connection the way its server does
	 * @return the connection, or {@code null} if the peer is not allowed or the limit is
	 * reached: the caller closes it without a response
	 */
	public @Nullable Connection admit(SocketChannel channel, Runnable closer) {
		return admit(KernelPeer.of(channel), closer, channel::isOpen);
	}

	/**
	 * Admit a connection whose peer the caller read as a JDK principal (for example
	 * through Netty's {@code NioChannelOption} of {@code SO_PEERCRED}).
	 * @param principal the peer, {@code null} if its credentials could not be read
	 * @param closer closes the connection
	 * @param isOpen whether the connection is still open
	 * @return the connection, or {@code null} if the peer is not allowed or the limit is reached
	 */
	public @Nullable Connection admit(@Nullable UnixDomainPrincipal principal, Runnable closer, BooleanSupplier isOpen) {
		KernelPeer peer = (principal != null)
				? new KernelPeer(UnixIds.id(principal.user()), UnixIds.id(principal.group()), principal) : null;
		return admit(peer, closer, isOpen);
	}

	private @Nullable Connection admit(@Nullable KernelPeer peer, Runnable closer, BooleanSupplier isOpen) {
		PeerCredentials credentials = KernelPeer.credentials(peer);
		if (!this.peerPolicy.allowsAnyone() && !KernelPeer.allowed(peer, this.peerPolicy)) {
			this.unauthorized.incrementAndGet();
			String message = "HTTP socket '" + this.name + "' refused a connection from " + credentials
					+ ": not in the allowed users or groups (" + this.peerPolicy + ")";
			if (this.refusalLogged.compareAndSet(false, true)) {
				logger.warn(message + "; further refusals are logged at debug level");
			}
			else {
				logger.debug(message);
			}
			return null;
		}
		synchronized (this.admissionLock) {
			purgeClosed();
			if (this.maxConnections > 0 && this.open.size() >= this.maxConnections) {
				// Counted first: whoever sees the connection closed also sees it counted.
				this.overLimit.incrementAndGet();
				if (this.limitLogged.compareAndSet(false, true)) {
					logger.warn("HTTP socket '" + this.name + "' refused a connection from " + credentials + ": "
							+ this.maxConnections + " connections are open (max-connections); further refusals "
							+ "are logged at debug level");
				}
				else if (logger.isDebugEnabled()) {
					logger.debug("HTTP socket '" + this.name + "' refused a connection from " + credentials
							+ ": max-connections");
				}
				return null;
			}
			this.accepted.incrementAndGet();
			HttpConnection connection = new HttpConnection(this.ids.incrementAndGet(), credentials, closer, isOpen);
			this.open.put(connection.id, connection);
			return connection;
		}
	}

	/**
	 * A connection's server saw it close.
	 * @param connection a connection {@link #admit admitted} here
	 */
	public void closed(@Nullable Connection connection) {
		if (connection != null) {
			this.open.remove(connection.id());
		}
	}

	/** Servers that do not report closing (Tomcat's endpoint) are tracked by their channels. */
	private void purgeClosed() {
		this.open.values().removeIf((connection) -> !connection.isOpen());
	}

	/** @return open connections allowed at once, 0 for no limit */
	public int maxConnections() {
		return this.maxConnections;
	}

	/** @return who may connect */
	public PeerPolicy peerPolicy() {
		return this.peerPolicy;
	}

	/** @return path, mode, group and directories of the socket */
	public SocketFileOptions options() {
		return this.options;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String address() {
		return this.options.path().toString();
	}

	@Override
	public ServerType type() {
		return ServerType.STREAM;
	}

	@Override
	public Set<PosixFilePermission> permissions() {
		return this.options.permissions();
	}

	@Override
	public @Nullable String group() {
		return this.options.group();
	}

	@Override
	public ServerState state() {
		return this.state;
	}

	@Override
	public boolean isSocketFileOurs() {
		SocketFile file = this.socketFile;
		return file != null && file.isOurs();
	}

	@Override
	public int openConnections() {
		purgeClosed();
		return this.open.size();
	}

	@Override
	public long acceptedConnections() {
		return this.accepted.get();
	}

	@Override
	public long rejectedConnections() {
		return this.unauthorized.get() + this.overLimit.get();
	}

	@Override
	public long rejectedConnections(RejectReason reason) {
		return switch (reason) {
			case UNAUTHORIZED -> this.unauthorized.get();
			case MAX_CONNECTIONS -> this.overLimit.get();
			default -> 0;
		};
	}

	/** @return 0: requests are handled by the web server */
	@Override
	public long handlerErrors() {
		return 0;
	}

	/** @return 0: the web server reads the bytes */
	@Override
	public long bytesReceived() {
		return 0;
	}

	/** @return 0: the web server writes the bytes */
	@Override
	public long bytesSent() {
		return 0;
	}

	@Override
	public Collection<Connection> connections() {
		purgeClosed();
		return List.copyOf(this.open.values());
	}

	@Override
	public String toString() {
		return "HTTP socket '" + this.name + "' on " + address();
	}

	/**
	 * An HTTP connection as the registry sees it: who is on the other end, since when, and
	 * a way to close it. Its bytes belong to the web server.
	 */
	private final class HttpConnection implements Connection {

		private final long id;

		private final PeerCredentials peer;

		private final Runnable closer;

		private final BooleanSupplier isOpen;

		private final Instant openedAt = Instant.now();

		private final Map<String, Object> attributes = new ConcurrentHashMap<>();

		HttpConnection(long id, PeerCredentials peer, Runnable closer, BooleanSupplier isOpen) {
			this.id = id;
			this.peer = peer;
			this.closer = closer;
			this.isOpen = isOpen;
		}

		@Override
		public long id() {
			return this.id;
		}

		@Override
		public String serverName() {
			return HttpUnixSocket.this.name;
		}

		@Override
		public PeerCredentials peer() {
			return this.peer;
		}

		@Override
		public Map<String, Object> attributes() {
			return this.attributes;
		}

		@Override
		public <T> void setOption(SocketOption<T> option, T value) {
			throw servedByWebServer();
		}

		@Override
		public boolean isOpen() {
			return this.isOpen.getAsBoolean();
		}

		@Override
		public void shutdownInput() {
			throw servedByWebServer();
		}

		@Override
		public void shutdownOutput() {
			throw servedByWebServer();
		}

		@Override
		public boolean isDraining() {
			return HttpUnixSocket.this.state == ServerState.DRAINING;
		}

		@Override
		public Instant openedAt() {
			return this.openedAt;
		}

		@Override
		public long bytesReceived() {
			return 0;
		}

		@Override
		public long bytesSent() {
			return 0;
		}

		@Override
		public Instant lastActivity() {
			return this.openedAt;
		}

		@Override
		public void close() {
			try {
				this.closer.run();
			}
			finally {
				HttpUnixSocket.this.open.remove(this.id);
			}
		}

		private UnsupportedOperationException servedByWebServer() {
			return new UnsupportedOperationException("HTTP connection " + this.id + " is served by the web server");
		}

		@Override
		public String toString() {
			return "HTTP connection " + this.id + " of '" + HttpUnixSocket.this.name + "'";
		}

	}

}
