package io.github.unixsocket.server;

import java.nio.file.attribute.PosixFilePermission;
import java.util.Collection;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * What can be read of a Unix domain socket server, whoever starts and stops it: its
 * identity, state, counters and open connections, as Actuator, health, metrics and the
 * systemd status show them. {@link UnixSocketServer} adds the lifecycle for the servers
 * the application runs; {@link HttpUnixSocket}, whose web server starts and stops it, is
 * only this view. Implementations are thread-safe; counters are cumulative over the
 * server's lifetime, across restarts.
 */
public interface UnixSocketServerView {

	/** @return the server's name, used in logs and metrics */
	String name();

	/** @return the socket path */
	String address();

	/** @return the socket type */
	ServerType type();

	/** @return mode given to the socket file */
	Set<PosixFilePermission> permissions();

	/** @return group given to the socket file, {@code null} for the process's group */
	@Nullable String group();

	/** @return the current state */
	ServerState state();

	/** @return whether the server is bound and accepting */
	default boolean isRunning() {
		return state() == ServerState.RUNNING;
	}

	/** @return whether the socket file at the path is the one this server bound (or inherited) */
	boolean isSocketFileOurs();

	/**
	 * @return whether the server serves a socket it inherited (systemd's socket activation)
	 * instead of one it bound
	 */
	default boolean isInherited() {
		return false;
	}

	/** @return currently open connections */
	int openConnections();

	/** @return connections accepted and handed to the handler */
	long acceptedConnections();

	/**
	 * @return connections refused for any {@link RejectReason}: closed before their handler
	 * ran, or cut off by a limit on unfinished messages while it ran
	 */
	long rejectedConnections();

	/**
	 * @param reason a rejection reason
	 * @return connections rejected for that reason
	 */
	long rejectedConnections(RejectReason reason);

	/** @return handler invocations that ended with an unexpected exception */
	long handlerErrors();

	/** @return bytes read from peers */
	long bytesReceived();

	/** @return bytes written to peers */
	long bytesSent();

	/** @return datagrams received; always 0 for stream servers */
	default long datagramsReceived() {
		return 0;
	}

	/** @return a snapshot of the open connections; empty for datagram servers */
	Collection<Connection> connections();

}
