package io.github.unixsocket.server;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.NetworkChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileOptions;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * What stream and datagram servers share: a name, an address (a socket file with its
 * mode and group, or a Linux abstract name), listeners, a drain budget, socket buffer
 * sizes and the lifecycle state.
 */
public abstract class AbstractUnixSocketServer implements UnixSocketServer {

	/** Default {@link ServerBuilder#shutdownTimeout shutdown timeout}. */
	public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

	/** The concrete server's category, so its lifecycle lines and listener errors read as its own. */
	private final Log lifecycleLog = LogFactory.getLog(getClass());

	final String name;

	final @Nullable SocketFileOptions fileOptions;

	/** The name in the abstract namespace, without {@code @}; {@code null} for a file. */
	final @Nullable String abstractName;

	final List<ServerListener> listeners;

	final Duration shutdownTimeout;

	final @Nullable Integer receiveBufferSize;

	final @Nullable Integer sendBufferSize;

	final Object lifecycleLock = new Object();

	volatile ServerState state = ServerState.NEW;

	volatile @Nullable SocketFile socketFile;

	/** Served instead of binding the configured address, {@code null} if none. */
	final @Nullable InheritedSocket inherited;

	/** The file of the inherited socket's path when it started, to tell when it is replaced. */
	private volatile @Nullable Object inheritedFileKey;

	private volatile boolean leaveSocket;

	AbstractUnixSocketServer(ServerBuilder<?> builder) {
		this.name = builder.name;
		this.fileOptions = builder.fileOptions;
		this.abstractName = builder.abstractName;
		this.listeners = new CopyOnWriteArrayList<>(builder.listeners);
		this.shutdownTimeout = builder.shutdownTimeout;
		this.receiveBufferSize = builder.receiveBufferSize;
		this.sendBufferSize = builder.sendBufferSize;
		this.inherited = builder.inherited;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String address() {
		if (this.inherited != null && this.inherited.address() != null) {
			return this.inherited.address();
		}
		return (this.abstractName != null) ? NativeSockets.ABSTRACT_PREFIX + this.abstractName
				: requireFile(this.fileOptions, this.name).path().toString();
	}

	/**
	 * @param fileOptions a server's or builder's file options
	 * @param name the server's name
	 * @return the options of a server on a filesystem path
	 * @throws IllegalStateException for an abstract address, which has no file
	 */
	static SocketFileOptions requireFile(@Nullable SocketFileOptions fileOptions, String name) {
		if (fileOptions == null) {
			throw new IllegalStateException("Server '" + name + "' has an abstract address and no file");
		}
		return fileOptions;
	}

	@Override
	public boolean isInherited() {
		return this.inherited != null;
	}

	/**
	 * The running server's socket as a descriptor of this process, to pass to another
	 * process that goes on serving it (systemd's fd store). Linux only.
	 * @return the descriptor, valid while the server runs; never to be closed
	 * @throws IOException if the server is not running, or its descriptor cannot be found
	 */
	public FileDescriptor socketDescriptor() throws IOException {
		Channel channel = socketChannel();
		if (channel == null || !channel.isOpen()) {
			throw new IOException("Unix socket server '" + this.name + "' is not running");
		}
		return SocketDescriptors.of(channel, type(), boundAddress(channel));
	}

	/**
	 * Stops from now on leave the socket and its file as they are, for the other process
	 * holding the socket ({@link #socketDescriptor()}) to go on accepting on it: connections
	 * arriving meanwhile wait in its backlog instead of being refused. Only this process's
	 * descriptor is closed.
	 */
	public void leaveSocketOnStop() {
		this.leaveSocket = true;
		// junixsocket would otherwise shut the socket down for every descriptor, and remove the file.
		Channel channel = socketChannel();
		if (channel instanceof AFUNIXServerSocketChannel stream) {
			stream.setShutdownOnClose(false);
			stream.setDeleteOnClose(false);
		}
		else if (channel instanceof AFUNIXDatagramChannel datagram) {
			datagram.setShutdownOnClose(false);
			datagram.setDeleteOnClose(false);
		}
	}

	/**
	 * Close the listening (or datagram) channel on stop. An inherited one stays open for the
	 * life of the process; after {@link #leaveSocketOnStop()} only this process's
	 * descriptor is closed, never the socket another process serves.
	 * @param channel the server's channel, its selection keys cancelled
	 */
	void closeSocket(Channel channel) {
		if (this.inherited != null) {
			return;
		}
		if (this.leaveSocket) {
			SocketDescriptors.closeDescriptorOnly(channel);
		}
		else {
			ServerSupport.closeQuietly(channel);
		}
	}

	/** @return whether a stop leaves the socket file ({@link #leaveSocketOnStop()}) */
	boolean leavesSocket() {
		return this.leaveSocket;
	}

	/** @return the channel the server listens or receives on, {@code null} when not running */
	abstract @Nullable Channel socketChannel();

	private static String boundAddress(Channel channel) throws IOException {
		SocketAddress address = (channel instanceof NetworkChannel network)
				? network.getLocalAddress() : null;
		if (address instanceof UnixDomainSocketAddress unix) {
			return unix.getPath().toString();
		}
		if (address instanceof AFUNIXSocketAddress unix) {
			return unix.isInAbstractNamespace() ? NativeSockets.describe(unix) : unix.getPath();
		}
		throw new IOException("not a Unix socket address: " + address);
	}

	/**
	 * Remember which file the inherited socket's path holds now.
	 * @param inherited this server's inherited socket
	 */
	void rememberInheritedFile(InheritedSocket inherited) {
		this.inheritedFileKey = fileKey(inherited);
	}

	private static @Nullable Object fileKey(InheritedSocket inherited) {
		String address = inherited.address();
		if (address == null || NativeSockets.isAbstract(address)) {
			return null;
		}
		try {
			return Files.readAttributes(Path.of(address), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
				.fileKey();
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

	/** @return the file key of this server's socket file, {@code null} if it has none */
	@Nullable Object socketFileKey() {
		if (this.inherited != null) {
			return this.inheritedFileKey;
		}
		SocketFile file = this.socketFile;
		return (file != null) ? file.fileKey() : null;
	}

	/** @return how the socket came to be, for the start log line */
	String origin() {
		if (this.inherited != null) {
			return "inherited " + ((this.inherited.name() != null) ? "'" + this.inherited.name() + "', " : "")
					+ "descriptor " + this.inherited.fd() + "; never bound, changed or removed here";
		}
		if (this.abstractName != null) {
			return "abstract namespace";
		}
		return "mode " + FilePermissions.toOctal(permissions()) + ", group "
				+ ((group() != null) ? group() : "of the process");
	}

	@Override
	public Set<PosixFilePermission> permissions() {
		return (this.fileOptions != null) ? this.fileOptions.permissions() : Set.of();
	}

	@Override
	public @Nullable String group() {
		return (this.fileOptions != null) ? this.fileOptions.group() : null;
	}

	@Override
	public ServerState state() {
		return this.state;
	}

	/** @return how long {@link #stop()} lets work in progress finish */
	public Duration shutdownTimeout() {
		return this.shutdownTimeout;
	}

	@Override
	public DrainResult stop() {
		return stop(this.shutdownTimeout);
	}

	/**
	 * Bind (or adopt the inherited socket) and start serving. The skeleton every server
	 * shares; {@link #bind()} and {@link #serve()} are the type's own parts.
	 * @throws IOException if the socket cannot be bound; nothing is left behind
	 * @throws IllegalStateException if it is running or draining
	 */
	@Override
	public final void start() throws IOException {
		synchronized (this.lifecycleLock) {
			if (this.state == ServerState.RUNNING || this.state == ServerState.DRAINING) {
				throw new IllegalStateException("Server '" + this.name + "' is already " + this.state);
			}
			if (this.abstractName != null && this.inherited == null) {
				NativeSockets.require(NativeSockets.abstractNamespaceProblem(this.abstractName));
			}
			bind();
			this.state = ServerState.RUNNING;
			serve();
		}
		if (this.abstractName != null && this.inherited == null) {
			this.lifecycleLog.warn("Unix socket server '" + this.name + "' is on abstract address " + address()
					+ ": file permissions do not apply there, " + abstractAddressAccess());
		}
		this.lifecycleLog.info("Unix socket server '" + this.name + "' " + describeStarted());
		fire((listener) -> listener.serverStarted(this));
	}

	/**
	 * Stop taking new work, remove the socket file at once, let work in progress finish
	 * for up to {@code drainTimeout}, then close what is left.
	 * @return what finished and what was cut off; {@link DrainResult#NONE} if not running
	 */
	@Override
	public final DrainResult stop(Duration drainTimeout) {
		synchronized (this.lifecycleLock) {
			if (this.state != ServerState.RUNNING) {
				return DrainResult.NONE;
			}
			this.state = ServerState.DRAINING;
		}
		DrainResult result = drain(drainTimeout);
		synchronized (this.lifecycleLock) {
			this.state = ServerState.STOPPED;
		}
		this.lifecycleLog.info("Unix socket server '" + this.name + "' stopped: " + describeStopped(result));
		fire((listener) -> listener.serverStopped(this, result));
		return result;
	}

	/**
	 * Under the lifecycle lock, before the state is {@code RUNNING}: open and bind the
	 * socket, or adopt the inherited one. On failure, close what was opened and throw.
	 */
	abstract void bind() throws IOException;

	/** Under the lifecycle lock, once {@code RUNNING}: start receiving or accepting. */
	abstract void serve();

	/** Once {@code DRAINING}, outside the lock: stop, drain, release everything. */
	abstract DrainResult drain(Duration drainTimeout);

	/** @return who can reach this server on its abstract address, for the start warning */
	abstract String abstractAddressAccess();

	/** @return the rest of the start log line, after the server's name */
	abstract String describeStarted();

	/** @return the rest of the stop log line */
	abstract String describeStopped(DrainResult result);

	/**
	 * An abstract address has no file: it is ours while it is bound. An inherited socket's
	 * file is ours while the path still holds the file it held when the server started.
	 */
	@Override
	public boolean isSocketFileOurs() {
		if (this.inherited != null) {
			Object key = this.inheritedFileKey;
			return (key != null) ? this.state == ServerState.RUNNING && key.equals(fileKey(this.inherited))
					: this.state == ServerState.RUNNING;
		}
		if (this.abstractName != null) {
			return this.state == ServerState.RUNNING;
		}
		SocketFile file = this.socketFile;
		return file != null && file.isOurs();
	}

	/**
	 * Add a listener; it sees events from now on.
	 * @param listener the listener
	 */
	public void addListener(ServerListener listener) {
		this.listeners.add(Objects.requireNonNull(listener, "listener"));
	}

	void fire(Consumer<ServerListener> event) {
		ServerSupport.fire(this.listeners, this.name, this.lifecycleLog, event);
	}

	/**
	 * What every server builder sets; every setting has a safe default.
	 *
	 * @param <B> the concrete builder
	 */
	public abstract static class ServerBuilder<B extends ServerBuilder<B>> {

		final String name;

		@Nullable SocketFileOptions fileOptions;

		final @Nullable String abstractName;

		final List<ServerListener> listeners = new ArrayList<>();

		Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;

		@Nullable Integer receiveBufferSize;

		@Nullable Integer sendBufferSize;

		@Nullable InheritedSocket inherited;

		ServerBuilder(String name, @Nullable SocketFileOptions fileOptions, @Nullable String abstractName) {
			if (name == null || name.isBlank()) {
				throw new IllegalArgumentException("name must not be empty");
			}
			this.name = name;
			this.fileOptions = fileOptions;
			this.abstractName = abstractName;
		}

		abstract B self();

		/**
		 * Replace all socket-file options (path, mode, group, directories).
		 * @param fileOptions the options
		 * @return this builder
		 * @throws IllegalStateException for an abstract address, which has no file
		 */
		public B fileOptions(SocketFileOptions fileOptions) {
			if (this.abstractName != null) {
				throw new IllegalStateException("Server '" + this.name + "' has an abstract address and no file");
			}
			this.fileOptions = Objects.requireNonNull(fileOptions, "fileOptions");
			return self();
		}

		/**
		 * @param permissions mode of the socket file
		 * @return this builder
		 */
		public B permissions(Set<PosixFilePermission> permissions) {
			SocketFileOptions o = requireFile(this.fileOptions, this.name);
			return fileOptions(new SocketFileOptions(o.path(), permissions, o.group(), o.createDirectories(),
					o.directoryPermissions()));
		}

		/**
		 * @param group group name or numeric gid for the socket file
		 * @return this builder
		 */
		public B group(@Nullable String group) {
			SocketFileOptions o = requireFile(this.fileOptions, this.name);
			return fileOptions(new SocketFileOptions(o.path(), o.permissions(), group, o.createDirectories(),
					o.directoryPermissions()));
		}

		/**
		 * Serve a socket this process inherited (systemd's socket activation) instead of
		 * binding the configured address: nothing is created, changed or removed on the
		 * filesystem. Its connections are served through junixsocket, on platform threads
		 * or junixsocket's own event loop.
		 * @param socket the inherited socket, of this server's type
		 * @return this builder
		 * @throws IllegalArgumentException if its type is not this server's
		 */
		public B inherited(@Nullable InheritedSocket socket) {
			if (socket != null && socket.type() != type()) {
				throw new IllegalArgumentException(socket + " is a " + EnumNames.of(socket.type())
						+ " socket, but server '" + this.name + "' is a " + EnumNames.of(type())
						+ " server");
			}
			this.inherited = socket;
			return self();
		}

		abstract ServerType type();

		/**
		 * @param listener sees the server's lifecycle and connection events
		 * @return this builder
		 */
		public B listener(ServerListener listener) {
			this.listeners.add(Objects.requireNonNull(listener, "listener"));
			return self();
		}

		/**
		 * @param shutdownTimeout how long {@link UnixSocketServer#stop()} lets work in
		 * progress finish, zero or more; default 30s
		 * @return this builder
		 * @throws IllegalArgumentException if it is negative
		 */
		public B shutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = nonNegative(shutdownTimeout, "shutdownTimeout");
			return self();
		}

		/**
		 * @param bytes {@code SO_RCVBUF}, 1 or more, {@code null} for the kernel's default
		 * @return this builder
		 * @throws IllegalArgumentException if it is not positive
		 */
		public B receiveBufferSize(@Nullable Integer bytes) {
			this.receiveBufferSize = bufferSize(bytes, "receiveBufferSize");
			return self();
		}

		/**
		 * @param bytes {@code SO_SNDBUF}, 1 or more, {@code null} for the kernel's default
		 * @return this builder
		 * @throws IllegalArgumentException if it is not positive
		 */
		public B sendBufferSize(@Nullable Integer bytes) {
			this.sendBufferSize = bufferSize(bytes, "sendBufferSize");
			return self();
		}

		static Duration nonNegative(@Nullable Duration duration, String name) {
			if (duration == null || duration.isNegative()) {
				throw new IllegalArgumentException(name + " must not be negative");
			}
			return duration;
		}

		static @Nullable Integer bufferSize(@Nullable Integer value, String name) {
			if (value != null && value <= 0) {
				throw new IllegalArgumentException(name + " must be between 1 and " + Integer.MAX_VALUE + " bytes");
			}
			return value;
		}

	}

}
