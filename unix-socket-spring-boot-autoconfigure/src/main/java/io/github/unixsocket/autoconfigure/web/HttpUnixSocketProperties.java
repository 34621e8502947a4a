package io.github.unixsocket.autoconfigure.web;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A web server's Unix socket: bound to {@code server.unix-socket.*} for the application's
 * web server and to {@code management.server.unix-socket.*} for a separate management
 * server (one class, so both prefixes take the same options).
 */
public class HttpUnixSocketProperties {

	/**
	 * Socket path the web server also listens on (or only, with tcp-enabled false). Must
	 * fit the platform limit (107 bytes on Linux, 103 on macOS). Not set: no socket.
	 */
	private @Nullable String path;

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

	/**
	 * Whether the server also listens on its TCP port. false: on the Unix socket only
	 * (path must then be set). The socket's mode and peer allow-list do not cover the TCP
	 * port, which every local user can reach.
	 */
	private boolean tcpEnabled = true;

	/**
	 * Open connections allowed at once on the socket, 0 for no limit. Beyond it a new
	 * connection is closed before the web server reads a byte, and counted as rejected
	 * (max-connections). Default: 1000, as for the stream servers.
	 */
	private @Nullable Integer maxConnections;

	private final Peer peer = new Peer();

	public @Nullable String getPath() {
		return this.path;
	}

	public void setPath(@Nullable String path) {
		this.path = path;
	}

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

	public boolean isTcpEnabled() {
		return this.tcpEnabled;
	}

	public void setTcpEnabled(boolean tcpEnabled) {
		this.tcpEnabled = tcpEnabled;
	}

	public @Nullable Integer getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(@Nullable Integer maxConnections) {
		this.maxConnections = maxConnections;
	}

	public Peer getPeer() {
		return this.peer;
	}

	/** Who may connect, by the kernel's peer credentials. */
	public static class Peer {

		/**
		 * Users allowed to connect: uids (digits only) or user names. Empty: anyone who
		 * can open the socket file. A peer is let in when its user or its effective group
		 * is listed.
		 */
		private List<String> allowedUsers = new ArrayList<>();

		/**
		 * Groups allowed to connect: gids (digits only) or group names, matched against
		 * the peer's effective group.
		 */
		private List<String> allowedGroups = new ArrayList<>();

		public List<String> getAllowedUsers() {
			return this.allowedUsers;
		}

		public void setAllowedUsers(List<String> allowedUsers) {
			this.allowedUsers = allowedUsers;
		}

		public List<String> getAllowedGroups() {
			return this.allowedGroups;
		}

		public void setAllowedGroups(List<String> allowedGroups) {
			this.allowedGroups = allowedGroups;
		}

	}

}
