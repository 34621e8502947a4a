package io.github.unixsocket.autoconfigure;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadFactory;

import io.github.unixsocket.autoconfigure.UnixSocketProperties.Protocol;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Server;
import io.github.unixsocket.autoconfigure.UnixSocketProperties.Type;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.FilePermissions;
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

	private final String name;

	private final Server properties;

	ServerPropertiesMapper(String name, Server properties) {
		this.name = name;
		this.properties = properties;
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
	 * Adapt the server's handler bean to the connection handler its protocol needs.
	 * @param beanName the bean's name, for messages
	 * @param bean the {@code @UnixSocketHandler} bean bound to this server
	 * @return the connection handler
	 */
	ConnectionHandler handler(String beanName, Object bean) {
		if (bean instanceof ConnectionHandler handler) {
			return handler;
		}
		throw new UnixSocketConfigurationException(
				"Handler bean '" + beanName + "' for Unix socket server '" + this.name + "' is a "
						+ bean.getClass().getName() + ", which does not implement " + ConnectionHandler.class.getName(),
				"Implement " + ConnectionHandler.class.getName() + " in '" + beanName + "' (protocol raw)");
	}

	private void checkSupported() {
		if (this.properties.getType() == Type.DATAGRAM) {
			throw invalid("type", "datagram", "datagram servers are not available in this version",
					"use 'stream'");
		}
		if (this.properties.getProtocol() != Protocol.RAW) {
			throw invalid("protocol", this.properties.getProtocol().name().toLowerCase().replace('_', '-'),
					"only the raw protocol is available in this version", "use 'raw'");
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
