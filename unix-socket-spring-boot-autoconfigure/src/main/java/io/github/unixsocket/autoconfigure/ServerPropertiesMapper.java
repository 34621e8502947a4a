package io.github.unixsocket.autoconfigure;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadFactory;

import io.github.unixsocket.autoconfigure.UnixSocketProperties.Datagram;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Protocol;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Server;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Type;
import io.github.unixsocket.command.CommandProcessor;
import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.server.BufferBudget;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.DatagramHandler;
import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.FilePermissions;
import io.github.unixsocket.server.FramedConnectionHandler;
import io.github.unixsocket.server.Framing;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.NativeSockets;
import io.github.unixsocket.server.PeerPolicy;
import io.github.unixsocket.server.SocketFile;
import io.github.unixsocket.server.SocketFileException;
import io.github.unixsocket.server.SocketFileOptions;
import io.github.unixsocket.server.StreamServer;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * Validates one server's properties and maps them onto the engine's builder. Every
 * problem becomes a {@link UnixSocketConfigurationException} naming the property.
 */
final class ServerPropertiesMapper {

	/** Far above what the kernel's socket buffers let through by default (about 200KB). */
	private static final DataSize MAX_DATAGRAM_SIZE = DataSize.ofMegabytes(16);

	private final String name;

	private final Server properties;

	private final int maxMessageSize;

	ServerPropertiesMapper(String name, Server properties) {
		this.name = name;
		this.properties = properties;
		this.maxMessageSize = isDatagram() ? datagramMaxMessageSize() : maxMessageSize();
	}

	/** @return whether this is a datagram server */
	boolean isDatagram() {
		return this.properties.getType() == Type.DATAGRAM;
	}

	/**
	 * @param threadFactory connection threads, {@code null} for platform threads; servers
	 * on abstract addresses always use platform threads
	 * @return the stream server's builder
	 */
	StreamServer.Builder toBuilder(@Nullable ThreadFactory threadFactory) {
		Server p = this.properties;
		checkSupported();
		String abstractName = abstractName();
		StreamServer.Builder builder = (abstractName != null) ? StreamServer.abstractBuilder(this.name, abstractName)
				: StreamServer.builder(this.name, fileOptions());
		builder.idleTimeout(nonNegative("idle-timeout", p.getIdleTimeout()))
			.shutdownTimeout(nonNegative("shutdown-timeout", p.getShutdownTimeout()))
			.receiveBufferSize(bufferSize("receive-buffer-size", p.getReceiveBufferSize()))
			.sendBufferSize(bufferSize("send-buffer-size", p.getSendBufferSize()))
			.peerPolicy(peerPolicy())
			.threadFactory(threadFactory);
		// Unset limits keep the engine's safe defaults, so a server built without Spring gets the same.
		if (p.getMaxConnections() != null) {
			builder.maxConnections(nonNegative("max-connections", p.getMaxConnections()));
		}
		if (p.getMessageTimeout() != null) {
			builder.messageTimeout(nonNegative("message-timeout", p.getMessageTimeout()));
		}
		builder.bufferBudget(bufferBudget());
		if (p.getProtocol() == Protocol.RAW) {
			notForRaw("dispatch", p.getDispatch());
			notForRaw("workers", p.getWorkers());
		}
		if (p.getDispatch() != null) {
			builder.dispatch(p.getDispatch());
		}
		if (p.getWorkers() != null) {
			builder.workers(positive("workers", p.getWorkers()));
		}
		if (p.getProtocol() != Protocol.RAW) {
			builder.maxMessageSize(this.maxMessageSize);
		}
		return builder;
	}

	private void notForRaw(String property, @Nullable Object value) {
		if (value != null) {
			throw invalid(property, value,
					"applies to lines, length-prefixed and commands servers: a raw handler gets a thread per connection",
					"remove it, or set 'unix-socket.servers." + this.name + ".protocol'");
		}
	}

	private long bufferBudget() {
		DataSize value = this.properties.getBufferBudget();
		long bytes = (value != null) ? value.toBytes() : BufferBudget.DEFAULT_CAPACITY;
		if (bytes <= 0) {
			throw invalid("buffer-budget", value, "must be positive",
					"use a size like 32MB (the default), several times max-message-size");
		}
		if (this.properties.getProtocol() != Protocol.RAW && bytes < this.maxMessageSize) {
			// Checked with the default budget too: a max-message-size over 32MB needs a larger budget.
			throw invalid("buffer-budget", (value != null) ? value : DataSize.ofBytes(bytes) + " (the default)",
					"smaller than max-message-size (" + DataSize.ofBytes(this.maxMessageSize)
							+ "): a message of the largest size allowed could never be received",
					"set it to several times max-message-size, so several clients can send large messages at "
							+ "once, or lower 'unix-socket.servers." + this.name + ".max-message-size'");
		}
		return bytes;
	}

	/** @return the datagram server's builder */
	DatagramServer.Builder toDatagramBuilder() {
		Server p = this.properties;
		checkSupported();
		notForDatagrams("idle-timeout", p.getIdleTimeout().isZero() ? null : p.getIdleTimeout());
		notForDatagrams("max-connections", p.getMaxConnections());
		notForDatagrams("message-timeout", p.getMessageTimeout());
		notForDatagrams("buffer-budget", p.getBufferBudget());
		notForDatagrams("peer", (p.getPeer().getAllowedUsers().isEmpty() && p.getPeer().getAllowedGroups().isEmpty())
				? null : p.getPeer().getAllowedUsers() + " / " + p.getPeer().getAllowedGroups());
		requireNativeLibrary("type", "datagram");
		if (NativeSockets.datagramProblem() != null) {
			throw invalid("type", "datagram", NativeSockets.datagramProblem(), "use a stream server");
		}
		String abstractName = abstractName();
		DatagramServer.Builder builder = (abstractName != null)
				? DatagramServer.abstractBuilder(this.name, abstractName)
				: DatagramServer.builder(this.name, fileOptions());
		Datagram datagram = p.getDatagram();
		return builder.maxMessageSize(this.maxMessageSize)
			.shutdownTimeout(nonNegative("shutdown-timeout", p.getShutdownTimeout()))
			.receiveBufferSize(bufferSize("receive-buffer-size", p.getReceiveBufferSize()))
			.sendBufferSize(bufferSize("send-buffer-size", p.getSendBufferSize()))
			.dispatch(datagram.getDispatch())
			.workers(positive("datagram.workers", datagram.getWorkers()))
			.queueCapacity(positive("datagram.queue-capacity", datagram.getQueueCapacity()));
	}

	/**
	 * The datagram server's handler bean.
	 * @param beanName the bean's name, for messages
	 * @param bean the {@code @UnixSocketHandler} bean bound to this server
	 * @return the datagram handler
	 */
	DatagramHandler datagramHandler(String beanName, Object bean) {
		if (bean instanceof DatagramHandler handler) {
			return handler;
		}
		throw new UnixSocketConfigurationException(
				"Handler bean '" + beanName + "' for Unix datagram server '" + this.name + "' is a "
						+ bean.getClass().getName() + ", which does not implement " + DatagramHandler.class.getName(),
				"Implement " + DatagramHandler.class.getName() + " in '" + beanName + "', or set 'unix-socket.servers."
						+ this.name + ".type' to stream");
	}

	/**
	 * Give the builder the server's handler bean the way its protocol needs it: a
	 * {@link ConnectionHandler} for raw, a {@link MessageHandler} for lines and
	 * length-prefixed, {@link UnixSocketCommand} methods for commands.
	 * @param builder the server's builder
	 * @param beanName the bean's name, for messages
	 * @param bean the {@code @UnixSocketHandler} bean bound to this server
	 * @param commandHandlers builds command processors
	 */
	void applyHandler(StreamServer.Builder builder, String beanName, Object bean, CommandHandlers commandHandlers) {
		switch (this.properties.getProtocol()) {
			case RAW -> {
				if (!(bean instanceof ConnectionHandler handler)) {
					throw wrongHandler(beanName, bean, ConnectionHandler.class);
				}
				builder.handler(handler);
			}
			case LINES -> builder.messages(Framing.LINES, messageHandler(beanName, bean));
			case LENGTH_PREFIXED -> builder.messages(Framing.LENGTH_PREFIXED, messageHandler(beanName, bean));
			case COMMANDS -> builder.messages(Framing.LINES, commandHandlers.create(this.name, bean));
		}
	}

	private MessageHandler messageHandler(String beanName, Object bean) {
		if (bean instanceof MessageHandler handler) {
			return handler;
		}
		throw wrongHandler(beanName, bean, MessageHandler.class);
	}

	private UnixSocketConfigurationException wrongHandler(String beanName, Object bean, Class<?> needed) {
		String protocol = protocolName();
		return new UnixSocketConfigurationException(
				"Handler bean '" + beanName + "' for Unix socket server '" + this.name + "' (protocol " + protocol
						+ ") is a " + bean.getClass().getName() + ", which does not implement " + needed.getName(),
				"Implement " + needed.getName() + " in '" + beanName + "' (protocol " + protocol
						+ "), or set 'unix-socket.servers." + this.name + ".protocol' to what the bean is: raw for a "
						+ ConnectionHandler.class.getSimpleName() + ", lines or length-prefixed for a "
						+ MessageHandler.class.getSimpleName() + ", commands for @"
						+ UnixSocketCommand.class.getSimpleName() + " methods");
	}

	private String protocolName() {
		return EnumNames.of(this.properties.getProtocol());
	}

	private int maxMessageSize() {
		DataSize value = this.properties.getMaxMessageSize();
		if (value == null) {
			return (this.properties.getProtocol() == Protocol.COMMANDS) ? CommandProcessor.DEFAULT_MAX_MESSAGE_SIZE
					: FramedConnectionHandler.DEFAULT_MAX_MESSAGE_SIZE;
		}
		if (value.toBytes() <= 0 || value.toBytes() > FramedConnectionHandler.MAX_LIMIT) {
			throw invalid("max-message-size", value, "must be between 1B and 2047MB",
					"use a size like 1MB, or remove it for the default (64KB for commands, 1MB for lines and "
							+ "length-prefixed)");
		}
		return (int) value.toBytes();
	}

	private void checkSupported() {
		if (isDatagram() && this.properties.getProtocol() != Protocol.RAW) {
			throw invalid("protocol", EnumNames.of(this.properties.getProtocol()),
					"datagram servers hand each datagram to the handler whole; protocols frame stream connections",
					"remove it (datagram servers are raw), or set 'type' to stream");
		}
	}

	private SocketFileOptions fileOptions() {
		Server p = this.properties;
		return new SocketFileOptions(path(), permissions("permissions", p.getPermissions()), group(),
				p.isCreateDirectories(), directoryPermissions());
	}

	private Set<PosixFilePermission> directoryPermissions() {
		String value = this.properties.getDirectoryPermissions();
		Set<PosixFilePermission> permissions = permissions("directory-permissions", value);
		if (permissions.contains(PosixFilePermission.GROUP_WRITE)
				|| permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
			// Whoever may write the directory may replace the socket: the next start would refuse it.
			throw invalid("directory-permissions", value,
					"lets group or others write to the socket's directory, and so replace the socket",
					"use a mode without group and others write, such as \"0750\" (the default) or \"0755\"");
		}
		return permissions;
	}

	/** @return the name for a path "@name" in the abstract namespace, {@code null} for a file path */
	private @Nullable String abstractName() {
		String value = this.properties.getPath();
		if (value == null || !NativeSockets.isAbstract(value)) {
			return null;
		}
		String name = value.substring(NativeSockets.ABSTRACT_PREFIX.length());
		requireNativeLibrary("path", value);
		String problem = NativeSockets.abstractNamespaceProblem(name);
		if (problem != null) {
			throw invalid("path", value, problem, "use a filesystem path");
		}
		return name;
	}

	private void requireNativeLibrary(String property, Object value) {
		String problem = NativeSockets.libraryProblem();
		if (problem != null) {
			throw new UnixSocketConfigurationException(
					"Unix socket server '" + this.name + "' ('unix-socket.servers." + this.name + "." + property + "' = "
							+ value + ") needs junixsocket's native library: " + problem,
					"Let junixsocket extract its library to a writable directory that allows executing files: set -D"
							+ NativeSockets.LIBRARY_TMPDIR_PROPERTY + "=<directory> (java.io.tmpdir may be mounted "
							+ "noexec), or use a stream server on a filesystem path, which needs no native code");
		}
	}

	private Path path() {
		String value = this.properties.getPath();
		if (value == null || value.isBlank()) {
			throw new UnixSocketConfigurationException(
					"Unix socket server '" + this.name + "' has no path",
					"Set 'unix-socket.servers." + this.name + ".path' to the socket file, for example /run/myapp/"
							+ this.name + ".sock");
		}
		try {
			Path path = Path.of(value.trim()).toAbsolutePath().normalize();
			SocketFile.checkLength(path);
			return path;
		}
		catch (InvalidPathException ex) {
			throw invalid("path", value, ex.getMessage(), "use a valid file path");
		}
		catch (SocketFileException ex) {
			throw invalid("path", value, ex.getMessage(), "use a shorter path, e.g. in /run/<app>/ or /tmp/<app>/");
		}
	}

	private Set<PosixFilePermission> permissions(String property, String value) {
		try {
			return FilePermissions.parse(value);
		}
		catch (IllegalArgumentException ex) {
			throw invalid(property, value, ex.getMessage(), "use octal like \"0660\" or symbolic like \"rw-rw----\"");
		}
	}

	private @Nullable String group() {
		String group = this.properties.getGroup();
		try {
			SocketFile.lookupGroup((group == null || group.isBlank()) ? null : group.trim());
			return group;
		}
		catch (IllegalArgumentException ex) {
			throw invalid("group", group, ex.getMessage(),
					"use an existing group name or numeric gid that this process belongs to, or remove it");
		}
	}

	private PeerPolicy peerPolicy() {
		try {
			return PeerPolicy.of(this.properties.getPeer().getAllowedUsers(),
					this.properties.getPeer().getAllowedGroups());
		}
		catch (IllegalArgumentException ex) {
			throw invalid("peer", this.properties.getPeer().getAllowedUsers() + " / "
					+ this.properties.getPeer().getAllowedGroups(), ex.getMessage(),
					"list existing user and group names or numeric ids in peer.allowed-users and peer.allowed-groups");
		}
	}

	private Duration nonNegative(String property, @Nullable Duration value) {
		if (value == null || value.isNegative()) {
			throw invalid(property, value, "must not be negative", "use 0 to disable, or a duration like 30s");
		}
		return value;
	}

	private int nonNegative(String property, int value) {
		if (value < 0) {
			throw invalid(property, value, "must not be negative", "use 0 for no limit, or a positive number");
		}
		return value;
	}

	private int datagramMaxMessageSize() {
		DataSize value = this.properties.getMaxMessageSize();
		if (value == null) {
			return DatagramServer.DEFAULT_MAX_MESSAGE_SIZE;
		}
		if (value.toBytes() <= 0 || value.toBytes() > MAX_DATAGRAM_SIZE.toBytes()) {
			throw invalid("max-message-size", value, "must be between 1B and " + MAX_DATAGRAM_SIZE
					+ " (the receive buffer has this size)", "use a size like 64KB, or remove it");
		}
		return (int) value.toBytes();
	}

	private int positive(String property, int value) {
		if (value <= 0) {
			throw invalid(property, value, "must be positive", "use 1 or more");
		}
		return value;
	}

	private void notForDatagrams(String property, @Nullable Object value) {
		if (value != null) {
			throw invalid(property, value, "does not apply to datagram servers", "remove it");
		}
	}

	private @Nullable Integer bufferSize(String property, @Nullable DataSize value) {
		if (value == null) {
			return null;
		}
		if (value.toBytes() <= 0 || value.toBytes() > Integer.MAX_VALUE) {
			throw invalid(property, value, "must be between 1B and 2GB", "use a size like 256KB, or remove it");
		}
		return (int) value.toBytes();
	}

	private UnixSocketConfigurationException invalid(String property, @Nullable Object value,
			@Nullable String problem, String fix) {
		return UnixSocketConfigurationException.invalidProperty(this.name, property, value, problem, fix);
	}

}
