package io.github.unixsocket.autoconfigure;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadFactory;

import io.github.unixsocket.autoconfigure.UnixSocketProperties.Server;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Type;
import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.FilePermissions;
import io.github.unixsocket.server.FramedConnectionHandler;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.PeerPolicy;
import io.github.unixsocket.server.SocketFile;
import io.github.unixsocket.server.SocketFileException;
import io.github.unixsocket.server.SocketFileOptions;
import io.github.unixsocket.server.StreamServer;

import org.springframework.util.unit.DataSize;

/**
 * Validates one server's properties and maps them onto the engine's builder. Every
 * problem becomes a {@link UnixSocketConfigurationException} naming the property.
 */
final class ServerPropertiesMapper {

	/** Default largest message of the stream protocols. */
	private static final DataSize DEFAULT_MAX_MESSAGE_SIZE = DataSize.ofMegabytes(1);

	private final String name;

	private final Server properties;

	private final int maxMessageSize;

	ServerPropertiesMapper(String name, Server properties) {
		this.name = name;
		this.properties = properties;
		this.maxMessageSize = maxMessageSize();
	}

	StreamServer.Builder toBuilder(ThreadFactory threadFactory) {
		Server p = this.properties;
		checkSupported();
		SocketFileOptions fileOptions = new SocketFileOptions(path(), permissions("permissions", p.getPermissions()),
				group(), p.isCreateDirectories(), permissions("directory-permissions", p.getDirectoryPermissions()));
		return StreamServer.builder(this.name, fileOptions.path())
			.fileOptions(fileOptions)
			.idleTimeout(nonNegative("idle-timeout", p.getIdleTimeout()))
			.shutdownTimeout(nonNegative("shutdown-timeout", p.getShutdownTimeout()))
			.maxConnections(nonNegative("max-connections", p.getMaxConnections()))
			.receiveBufferSize(bufferSize("receive-buffer-size", p.getReceiveBufferSize()))
			.sendBufferSize(bufferSize("send-buffer-size", p.getSendBufferSize()))
			.peerPolicy(peerPolicy())
			.threadFactory(threadFactory);
	}

	/**
	 * Adapt the server's handler bean to the connection handler its protocol needs: a
	 * {@link ConnectionHandler} for raw, a {@link MessageHandler} for lines and
	 * length-prefixed, {@link UnixSocketCommand} methods for commands.
	 * @param beanName the bean's name, for messages
	 * @param bean the {@code @UnixSocketHandler} bean bound to this server
	 * @param commandHandlers builds command processors
	 * @return the connection handler
	 */
	ConnectionHandler handler(String beanName, Object bean, CommandHandlers commandHandlers) {
		return switch (this.properties.getProtocol()) {
			case RAW -> {
				if (bean instanceof ConnectionHandler handler) {
					yield handler;
				}
				throw wrongHandler(beanName, bean, ConnectionHandler.class);
			}
			case LINES -> FramedConnectionHandler.lines(messageHandler(beanName, bean), this.maxMessageSize);
			case LENGTH_PREFIXED ->
				FramedConnectionHandler.lengthPrefixed(messageHandler(beanName, bean), this.maxMessageSize);
			case COMMANDS -> FramedConnectionHandler.lines(commandHandlers.create(this.name, bean), this.maxMessageSize);
		};
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
		return this.properties.getProtocol().name().toLowerCase().replace('_', '-');
	}

	private int maxMessageSize() {
		DataSize value = this.properties.getMaxMessageSize();
		if (value == null) {
			return (int) DEFAULT_MAX_MESSAGE_SIZE.toBytes();
		}
		if (value.toBytes() <= 0 || value.toBytes() > FramedConnectionHandler.MAX_LIMIT) {
			throw invalid("max-message-size", value, "must be between 1B and 2047MB",
					"use a size like 1MB, or remove it for the default (1MB)");
		}
		return (int) value.toBytes();
	}

	private void checkSupported() {
		if (this.properties.getType() == Type.DATAGRAM) {
			throw invalid("type", "datagram", "datagram servers are not available in this version",
					"use 'stream'");
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

	private String group() {
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

	private Duration nonNegative(String property, Duration value) {
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

	private Integer bufferSize(String property, DataSize value) {
		if (value == null) {
			return null;
		}
		if (value.toBytes() <= 0 || value.toBytes() > Integer.MAX_VALUE) {
			throw invalid(property, value, "must be between 1B and 2GB", "use a size like 256KB, or remove it");
		}
		return (int) value.toBytes();
	}

	private UnixSocketConfigurationException invalid(String property, Object value, String problem, String fix) {
		return UnixSocketConfigurationException.invalidProperty(this.name, property, value, problem, fix);
	}

}
