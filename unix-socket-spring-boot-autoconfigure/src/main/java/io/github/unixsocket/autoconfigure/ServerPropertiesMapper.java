package io.github.unixsocket.autoconfigure;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

import io.github.unixsocket.autoconfigure.UnixSocketProperties.Datagram;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Protocol;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Server;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Type;
import io.github.unixsocket.command.CommandProcessor;
import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.server.AbstractUnixSocketServer.ServerBuilder;
import io.github.unixsocket.server.BufferBudget;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.DatagramHandler;
import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.FramedConnectionHandler;
import io.github.unixsocket.server.Framing;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.NativeSockets;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.file.SocketFileOptions;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.util.unit.DataSize;

/**
 * Maps one server's properties onto the engine's builder with a {@link PropertyMapper}.
 * The builders own the defaults and the ranges: an unset property leaves the builder's
 * default, and an {@link IllegalArgumentException} from a builder becomes a
 * {@link UnixSocketConfigurationException} naming the property. What involves more than
 * one property, or only applies to properties, is checked here.
 */
final class ServerPropertiesMapper {

	/** Far above what the kernel's socket buffers let through by default (about 200KB). */
	private static final DataSize MAX_DATAGRAM_SIZE = DataSize.ofMegabytes(16);

	private static final String DURATION_FIX = "use 0 to disable, or a duration like 30s";

	private static final String BUFFER_SIZE_FIX = "use a size like 256KB, or remove it";

	private static final String COUNT_FIX = "use 1 or more";

	private final String name;

	private final Server properties;

	ServerPropertiesMapper(String name, Server properties) {
		this.name = name;
		this.properties = properties;
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
		map("max-message-size", p.getMaxMessageSize(), "use a size like 1MB, or remove it for the default (64KB for "
				+ "commands, 1MB for lines and length-prefixed)",
				(size) -> size.as(ServerPropertiesMapper::intBytes).to(builder::maxMessageSize));
		if (p.getMaxMessageSize() == null && p.getProtocol() == Protocol.COMMANDS) {
			builder.maxMessageSize(CommandProcessor.DEFAULT_MAX_MESSAGE_SIZE);
		}
		map("idle-timeout", p.getIdleTimeout(), DURATION_FIX, (timeout) -> timeout.to(builder::idleTimeout));
		mapShared(builder);
		builder.peerPolicy(SocketFilePropertiesMapper.peerPolicy(prefix(), p)).threadFactory(threadFactory);
		map("max-connections", p.getMaxConnections(), "use 0 for no limit, or a positive number",
				(count) -> count.to(builder::maxConnections));
		Integer descriptors = p.getMaxFileDescriptors();
		if (descriptors != null && descriptors > 0) {
			requireNativeLibrary("max-file-descriptors", descriptors);
		}
		map("max-file-descriptors", descriptors, "use 1 to " + StreamServer.MAX_FILE_DESCRIPTORS
				+ " descriptors per message, or 0 (the default) for none",
				(count) -> count.to(builder::maxFileDescriptors));
		map("message-timeout", p.getMessageTimeout(), DURATION_FIX, (timeout) -> timeout.to(builder::messageTimeout));
		map("buffer-budget", p.getBufferBudget(), "use a size like 32MB (the default), several times max-message-size",
				(size) -> size.as(DataSize::toBytes).to(builder::bufferBudget));
		checkBufferBudget();
		if (p.getProtocol() == Protocol.RAW) {
			notForRaw("dispatch", p.getDispatch());
			notForRaw("workers", p.getWorkers());
			if (p.isObserveMessages()) {
				throw invalid("observe-messages", true, "a raw server has no messages: each connection is observed "
						+ "as one unix.socket.handler observation already",
						"remove it, or set 'unix-socket.servers." + this.name + ".protocol' to a framed protocol");
			}
		}
		PropertyMapper.get().from(p.getDispatch()).to(builder::dispatch);
		map("workers", p.getWorkers(), COUNT_FIX, (count) -> count.to(builder::workers));
		return builder;
	}

	private void notForRaw(String property, @Nullable Object value) {
		if (value != null) {
			throw invalid(property, value,
					"applies to lines, length-prefixed and commands servers: a raw handler gets a thread per connection",
					"remove it, or set 'unix-socket.servers." + this.name + ".protocol'");
		}
	}

	/** The settings stream and datagram servers share. */
	private void mapShared(ServerBuilder<?> builder) {
		Server p = this.properties;
		map("shutdown-timeout", p.getShutdownTimeout(), DURATION_FIX,
				(timeout) -> timeout.to(builder::shutdownTimeout));
		map("receive-buffer-size", p.getReceiveBufferSize(), BUFFER_SIZE_FIX,
				(size) -> size.as(ServerPropertiesMapper::intBytes).to(builder::receiveBufferSize));
		map("send-buffer-size", p.getSendBufferSize(), BUFFER_SIZE_FIX,
				(size) -> size.as(ServerPropertiesMapper::intBytes).to(builder::sendBufferSize));
	}

	/**
	 * A framed server's budget must hold a message of the largest size allowed. Checked
	 * with the engine's defaults too: a max-message-size over 32MB needs a larger budget.
	 */
	private void checkBufferBudget() {
		if (this.properties.getProtocol() == Protocol.RAW) {
			return;
		}
		DataSize value = this.properties.getBufferBudget();
		long budget = (value != null) ? value.toBytes() : BufferBudget.DEFAULT_CAPACITY;
		int maxMessageSize = maxMessageSize();
		if (budget < maxMessageSize) {
			throw invalid("buffer-budget", (value != null) ? value : DataSize.ofBytes(budget) + " (the default)",
					"smaller than max-message-size (" + DataSize.ofBytes(maxMessageSize)
							+ "): a message of the largest size allowed could never be received",
					"set it to several times max-message-size, so several clients can send large messages at "
							+ "once, or lower 'unix-socket.servers." + this.name + ".max-message-size'");
		}
	}

	/** @return the stream server's largest message, the property's (already mapped) or the default */
	private int maxMessageSize() {
		DataSize value = this.properties.getMaxMessageSize();
		if (value != null) {
			return intBytes(value);
		}
		return (this.properties.getProtocol() == Protocol.COMMANDS) ? CommandProcessor.DEFAULT_MAX_MESSAGE_SIZE
				: FramedConnectionHandler.DEFAULT_MAX_MESSAGE_SIZE;
	}

	/** @return the datagram server's builder */
	DatagramServer.Builder toDatagramBuilder() {
		Server p = this.properties;
		checkSupported();
		Duration idleTimeout = p.getIdleTimeout();
		notForDatagrams("idle-timeout", (idleTimeout == null || idleTimeout.isZero()) ? null : idleTimeout);
		notForDatagrams("max-connections", p.getMaxConnections());
		notForDatagrams("max-file-descriptors", p.getMaxFileDescriptors());
		notForDatagrams("message-timeout", p.getMessageTimeout());
		notForDatagrams("buffer-budget", p.getBufferBudget());
		notForDatagrams("observe-messages", p.isObserveMessages() ? true : null);
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
		map("max-message-size", p.getMaxMessageSize(), "use a size like 64KB, or remove it",
				(size) -> size.as(ServerPropertiesMapper::datagramSize).to(builder::maxMessageSize));
		mapShared(builder);
		PropertyMapper.get().from(datagram.getDispatch()).to(builder::dispatch);
		map("datagram.workers", datagram.getWorkers(), COUNT_FIX, (count) -> count.to(builder::workers));
		map("datagram.queue-capacity", datagram.getQueueCapacity(), COUNT_FIX,
				(count) -> count.to(builder::queueCapacity));
		return builder;
	}

	/**
	 * Map one property onto the builder, if it is set. The builder checks the value: an
	 * {@link IllegalArgumentException} from it, or from converting the value, becomes a
	 * failure naming the property, the value and the fix.
	 * @param <T> the property's type
	 * @param property the property's name under {@code unix-socket.servers.<name>.}
	 * @param value the property's value, {@code null} when not set
	 * @param fix what to do about a rejected value
	 * @param mapping converts the value and gives it to the builder
	 */
	private <T> void map(String property, @Nullable T value, String fix, Consumer<PropertyMapper.Source<T>> mapping) {
		try {
			mapping.accept(PropertyMapper.get().from(value));
		}
		catch (IllegalArgumentException ex) {
			throw UnixSocketConfigurationException.invalidProperty(this.name, property, value, ex.getMessage(), fix,
					ex);
		}
	}

	/** @return the size as the {@code int} the builders take; none of them takes 2GB or more */
	private static int intBytes(DataSize size) {
		long bytes = size.toBytes();
		if (bytes != (int) bytes) {
			throw new IllegalArgumentException("must be between 1B and 2GB");
		}
		return (int) bytes;
	}

	/**
	 * @return a datagram server's largest message: the receive buffer has this size, so
	 * the property stops at 16MB, well below the builder's limit (which checks the rest)
	 */
	private static int datagramSize(DataSize size) {
		if (size.toBytes() > MAX_DATAGRAM_SIZE.toBytes()) {
			throw new IllegalArgumentException(
					"must be between 1B and " + MAX_DATAGRAM_SIZE + " (the receive buffer has this size)");
		}
		return intBytes(size);
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

	private void checkSupported() {
		if (isDatagram() && this.properties.getProtocol() != Protocol.RAW) {
			throw invalid("protocol", EnumNames.of(this.properties.getProtocol()),
					"datagram servers hand each datagram to the handler whole; protocols frame stream connections",
					"remove it (datagram servers are raw), or set 'type' to stream");
		}
	}

	private SocketFileOptions fileOptions() {
		String value = this.properties.getPath();
		if (value == null || value.isBlank()) {
			throw new UnixSocketConfigurationException(
					"Unix socket server '" + this.name + "' has no path",
					"Set 'unix-socket.servers." + this.name + ".path' to the socket file, for example /run/myapp/"
							+ this.name + ".sock");
		}
		return SocketFilePropertiesMapper.fileOptions(prefix(), this.properties);
	}

	private String prefix() {
		return "unix-socket.servers." + this.name + ".";
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

	private void notForDatagrams(String property, @Nullable Object value) {
		if (value != null) {
			throw invalid(property, value, "does not apply to datagram servers", "remove it");
		}
	}

	private UnixSocketConfigurationException invalid(String property, @Nullable Object value,
			@Nullable String problem, String fix) {
		return UnixSocketConfigurationException.invalidProperty(this.name, property, value, problem, fix, null);
	}

}
