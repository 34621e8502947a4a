package io.github.unixsocket.autoconfigure.web;

import io.github.unixsocket.autoconfigure.SocketFileProperties;
import org.jspecify.annotations.Nullable;

/**
 * A web server's Unix socket: bound to {@code server.unix-socket.*} for the application's
 * web server and to {@code management.server.unix-socket.*} for a separate management
 * server (one class, so both prefixes take the same options). The socket file's settings
 * are those of {@code unix-socket.servers.<name>.*}: {@link SocketFileProperties}.
 */
public class HttpUnixSocketProperties extends SocketFileProperties {

	/**
	 * Socket path the web server also listens on (or only, with tcp-enabled false). Must
	 * fit the platform limit (107 bytes on Linux, 103 on macOS). Not set: no socket.
	 */
	private @Nullable String path;

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

	@Override
	public @Nullable String getPath() {
		return this.path;
	}

	public void setPath(@Nullable String path) {
		this.path = path;
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

}
