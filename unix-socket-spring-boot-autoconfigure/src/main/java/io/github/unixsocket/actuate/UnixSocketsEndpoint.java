package io.github.unixsocket.actuate;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.NativeSockets;
import io.github.unixsocket.server.RejectReason;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.UnixSocketServerView;
import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.peer.PeerCredentials;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code unixsockets} endpoint: every Unix socket server with its counters, one
 * server with its open connections, and (with {@code unrestricted} access) closing one
 * connection.
 */
@Endpoint(id = "unixsockets", defaultAccess = Access.READ_ONLY)
public class UnixSocketsEndpoint {

	private final Supplier<Collection<UnixSocketServerView>> servers;

	private final Function<String, @Nullable String> protocols;

	/**
	 * @param servers the servers, asked on every call
	 * @param protocols the protocol of a server, by name
	 */
	public UnixSocketsEndpoint(Supplier<Collection<UnixSocketServerView>> servers,
			Function<String, @Nullable String> protocols) {
		this.servers = servers;
		this.protocols = protocols;
	}

	/** @return all servers, without their connections */
	@ReadOperation
	public ServersDescriptor servers() {
		return new ServersDescriptor(
				this.servers.get().stream().map((server) -> describe(server, null)).toList());
	}

	/**
	 * @param name a server name
	 * @return the server with its open connections, {@code null} (404) if there is none
	 */
	@ReadOperation
	public @Nullable ServerDescriptor server(@Selector String name) {
		UnixSocketServerView server = find(name);
		return (server != null) ? describe(server, connections(server)) : null;
	}

	/**
	 * Close one connection; its handler's blocked reads and writes fail. Needs
	 * {@code management.endpoint.unixsockets.access=unrestricted}.
	 * @param name the server name
	 * @param id the connection id
	 * @return the connection as it was closed, {@code null} (HTTP 204) if it is not open
	 */
	@DeleteOperation
	public @Nullable ConnectionDescriptor closeConnection(@Selector String name, @Selector long id) {
		UnixSocketServerView server = find(name);
		if (server == null) {
			return null;
		}
		for (Connection connection : server.connections()) {
			if (connection.id() == id) {
				connection.close();
				return describe(connection);
			}
		}
		return null;
	}

	private @Nullable UnixSocketServerView find(String name) {
		return this.servers.get().stream().filter((server) -> server.name().equals(name)).findFirst().orElse(null);
	}

	private ServerDescriptor describe(UnixSocketServerView server, @Nullable List<ConnectionDescriptor> connections) {
		Map<String, Long> rejectedByReason = new LinkedHashMap<>();
		for (RejectReason reason : RejectReason.values()) {
			rejectedByReason.put(reason.tag(), server.rejectedConnections(reason));
		}
		return new ServerDescriptor(server.name(), server.address(), EnumNames.of(server.type()),
				this.protocols.apply(server.name()), EnumNames.of(server.state()),
				permissions(server), server.group(), server.isSocketFileOurs(), server.isInherited(),
				server.openConnections(), server.acceptedConnections(), server.rejectedConnections(), rejectedByReason,
				server.handlerErrors(), server.datagramsReceived(), datagram(server, DatagramServer::datagramsReplied),
				datagram(server, DatagramServer::datagramsDropped), datagram(server, DatagramServer::datagramsTruncated),
				datagram(server, DatagramServer::datagramRepliesRefused),
				server.bytesReceived(), server.bytesSent(), stream(server, (stream) -> stream.bufferBudget().used()),
				stream(server, (stream) -> stream.bufferBudget().capacity()), connections);
	}

	private static long stream(UnixSocketServerView server, ToLongFunction<StreamServer> value) {
		return (server instanceof StreamServer streamServer) ? value.applyAsLong(streamServer) : 0;
	}

	/**
	 * An abstract address has no file, so no mode; an inherited socket's mode is systemd's
	 * ({@code SocketMode=}), not the configured one: absent rather than misleading.
	 */
	private static @Nullable String permissions(UnixSocketServerView server) {
		return (NativeSockets.isAbstract(server.address()) || server.isInherited()) ? null
				: FilePermissions.toOctal(server.permissions());
	}

	private static long datagram(UnixSocketServerView server, ToLongFunction<DatagramServer> counter) {
		return (server instanceof DatagramServer datagramServer) ? counter.applyAsLong(datagramServer) : 0;
	}

	private static List<ConnectionDescriptor> connections(UnixSocketServerView server) {
		return server.connections()
			.stream()
			.sorted((a, b) -> Long.compare(a.id(), b.id()))
			.map(UnixSocketsEndpoint::describe)
			.toList();
	}

	private static ConnectionDescriptor describe(Connection connection) {
		PeerCredentials peer = connection.peer();
		return new ConnectionDescriptor(connection.id(), (peer.user() != null) ? peer : null, connection.openedAt(),
				connection.bytesReceived(), connection.bytesSent(), connection.lastActivity());
	}

	/**
	 * The servers.
	 *
	 * @param servers every server, in configuration order
	 */
	public record ServersDescriptor(List<ServerDescriptor> servers) implements OperationResponseBody {
	}

	/**
	 * One server.
	 *
	 * @param name the key under {@code unix-socket.servers}
	 * @param path the socket path
	 * @param type {@code stream} or {@code datagram}
	 * @param protocol the configured protocol, {@code null} if unknown
	 * @param state {@code new}, {@code running}, {@code draining} or {@code stopped}
	 * @param permissions mode of the socket file, octal; {@code null} for an abstract
	 * address, which has no file
	 * @param group group of the socket file, {@code null} for the process's group
	 * @param socketFileOurs whether the file at the path is still the one the server bound
	 * (or inherited)
	 * @param inherited whether the socket was passed by systemd (socket activation) rather
	 * than bound by the server
	 * @param openConnections connections open now
	 * @param acceptedConnections connections handed to the handler so far
	 * @param rejectedConnections connections closed before their handler ran
	 * @param rejectedByReason the same, by reason
	 * @param handlerErrors handler invocations that failed unexpectedly
	 * @param datagramsReceived datagrams received (datagram servers)
	 * @param datagramsReplied replies sent to datagram senders
	 * @param datagramsDropped datagrams dropped: worker queue full, or left at the drain
	 * deadline
	 * @param datagramsTruncated datagrams over max-message-size, not handled
	 * @param datagramRepliesRefused replies not sent because the sender's address was not
	 * a safe place to send to
	 * @param bytesReceived bytes read from peers
	 * @param bytesSent bytes written to peers
	 * @param bufferBudgetUsed bytes the read buffers of unfinished messages hold beyond
	 * their initial size (stream servers; 0 for datagram servers)
	 * @param bufferBudgetCapacity the most they may hold together (stream servers; 0 for
	 * datagram servers)
	 * @param connections open connections; only in a single server's view, else {@code null}
	 */
	public record ServerDescriptor(String name, String path, String type, @Nullable String protocol, String state,
			@Nullable String permissions, @Nullable String group, boolean socketFileOurs, boolean inherited,
			int openConnections,
			long acceptedConnections,
			long rejectedConnections, Map<String, Long> rejectedByReason, long handlerErrors, long datagramsReceived,
			long datagramsReplied, long datagramsDropped, long datagramsTruncated, long datagramRepliesRefused,
			long bytesReceived, long bytesSent,
			long bufferBudgetUsed, long bufferBudgetCapacity, @Nullable List<ConnectionDescriptor> connections)
			implements OperationResponseBody {
	}

	/**
	 * One open connection.
	 *
	 * @param id the connection id, unique within the server's lifetime
	 * @param peer user and group of the peer process, {@code null} when unknown
	 * @param openedAt when it was accepted
	 * @param bytesReceived bytes read from the peer
	 * @param bytesSent bytes written to the peer
	 * @param lastActivity when a byte was last read or written
	 */
	public record ConnectionDescriptor(long id, @Nullable PeerCredentials peer, Instant openedAt, long bytesReceived,
			long bytesSent, Instant lastActivity) implements OperationResponseBody {
	}

}
