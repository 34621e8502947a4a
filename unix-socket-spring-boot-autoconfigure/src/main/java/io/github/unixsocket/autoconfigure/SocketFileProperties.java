package io.github.unixsocket.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The socket-file settings both property trees have, {@code unix-socket.servers.<name>.*}
 * and {@code server.unix-socket.*} / {@code management.server.unix-socket.*}: the keys stay
 * flat in each tree, and {@link SocketFilePropertiesMapper} maps them once. The path is
 * each tree's own, as what it may hold differs (an abstract address for a server).
 */
public abstract class SocketFileProperties {

	/**
	 * Mode of the socket file, octal ("0660") or symbolic ("rw-rw----"). Connecting needs
	 * write permission.
	 */
	private String permissions = "0600";

	/**
	 * Group of the socket file: a numeric gid (digits only) or a group name. The process
	 * must belong to it. Default: the process's group.
	 */
	private @Nullable String group;

	/**
	 * Whether to create missing parent directories.
	 */
	private boolean createDirectories = true;

	/**
	 * Mode of parent directories created for the socket, octal or symbolic; group and
	 * others may not write. They get the socket's group, if set.
	 */
	private String directoryPermissions = "0750";

	/** Shared with the servers' tree: nested, not a value, for the metadata. */
	@NestedConfigurationProperty
	private final UnixSocketProperties.Peer peer = new UnixSocketProperties.Peer();

	/** @return the socket path, {@code null} when not set */
	public abstract @Nullable String getPath();

	public String getPermissions() {
		return this.permissions;
	}

	public void setPermissions(String permissions) {
		this.permissions = permissions;
	}

	public @Nullable String getGroup() {
		return this.group;
	}

	public void setGroup(@Nullable String group) {
		this.group = group;
	}

	public boolean isCreateDirectories() {
		return this.createDirectories;
	}

	public void setCreateDirectories(boolean createDirectories) {
		this.createDirectories = createDirectories;
	}

	public String getDirectoryPermissions() {
		return this.directoryPermissions;
	}

	public void setDirectoryPermissions(String directoryPermissions) {
		this.directoryPermissions = directoryPermissions;
	}

	public UnixSocketProperties.Peer getPeer() {
		return this.peer;
	}

}
