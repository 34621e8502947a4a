package io.github.unixsocket.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.StreamServer;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the Unix domain socket servers, {@code unix-socket.*}.
 */
@ConfigurationProperties("unix-socket")
public class UnixSocketProperties {

	/**
	 * Whether to run the configured Unix socket servers.
	 */
	private boolean enabled = true;

	/**
	 * Servers by name. The name is used in logs, thread names, metric tags and Actuator,
	 * and is what @UnixSocketHandler refers to.
	 */
	private Map<String, Server> servers = new LinkedHashMap<>();

	/**
	 * HTTP clients for local daemons' sockets (docker.sock and the like), by name: each
	 * gives a RestClient (and a WebClient with WebFlux) injectable with
	 * {@code @Qualifier("<name>")}.
	 */
	private Map<String, Client> clients = new LinkedHashMap<>();

	private final EventLoop eventLoop = new EventLoop();

	private final Systemd systemd = new Systemd();

	private final Handover handover = new Handover();

	public EventLoop getEventLoop() {
		return this.eventLoop;
	}

	public Systemd getSystemd() {
		return this.systemd;
	}

	public Handover getHandover() {
		return this.handover;
	}

	/** Restarts that refuse no client: a new instance takes the running one's sockets. */
	public static class Handover {

		/**
		 * Whether a starting instance takes the listening sockets of the running one (same
		 * user, same host) over a private control socket, and offers its own to the next one.
		 * The old instance then closes its application context and drains.
		 */
		private boolean enabled;

		/**
		 * Control socket path (mode 0600). Defaults to the first server's path with
		 * ".handover" appended, e.g. /run/app/admin.sock.handover.
		 */
		private @Nullable String path;

		/**
		 * How long the running instance waits for the new one to be ready after passing it
		 * its sockets; past that it goes on serving, and the new instance's own wait for the
		 * old one's reply is bounded by it too.
		 */
		private Duration timeout = Duration.ofSeconds(60);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getPath() {
			return this.path;
		}

		public void setPath(@Nullable String path) {
			this.path = path;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

	/** Working with systemd. */
	public static class Systemd {

		/**
		 * Whether to notify systemd (NOTIFY_SOCKET): READY=1 once the application is ready,
		 * STOPPING=1 at shutdown, STATUS=, WATCHDOG=1 while live (WATCHDOG_USEC),
		 * EXTEND_TIMEOUT_USEC= while servers drain. Nothing is sent when NOTIFY_SOCKET is not set.
		 */
		private boolean notify = true;

		public boolean isNotify() {
			return this.notify;
		}

		public void setNotify(boolean notify) {
			this.notify = notify;
		}

	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Map<String, Server> getServers() {
		return this.servers;
	}

	public Map<String, Client> getClients() {
		return this.clients;
	}

	public void setClients(Map<String, Client> clients) {
		this.clients = clients;
	}

	public void setServers(Map<String, Server> servers) {
		this.servers = servers;
	}

	/** Socket type. */
	public enum Type {

		/** SOCK_STREAM: connections. */
		STREAM,

		/** SOCK_DGRAM: datagrams. */
		DATAGRAM

	}

	/** Whether a server serves a socket passed by systemd (socket activation). */
	public enum Activation {

		/** Serve the socket systemd passed for this server if there is one, else bind the path. */
		AUTO,

		/** Serve the socket systemd passed; startup fails when there is none. */
		REQUIRED,

		/** Always bind the path; a socket systemd passed is not used. */
		OFF

	}

	/** Framing of a stream server's bytes. */
	public enum Protocol {

		/** The handler gets the whole connection. */
		RAW,

		/** Newline-delimited messages. */
		LINES,

		/** Messages preceded by a 4-byte big-endian length. */
		LENGTH_PREFIXED,

		/** Line-delimited JSON or text commands with JSON replies. */
		COMMANDS

	}

	/** The event loops shared by the lines, length-prefixed and commands servers. */
	public static class EventLoop {

		/**
		 * Number of event loop threads. Default: half the number of CPUs, at least 1 (the
		 * clients are local processes that share the CPUs).
		 */
		private int threads = io.github.unixsocket.server.EventLoopGroup.DEFAULT_THREADS;

		/**
		 * How long a loop may spend in one task (a handler with dispatch event-loop) before
		 * it is reported with a warning showing the loop thread's stack.
		 */
		private Duration blockedThreshold = io.github.unixsocket.server.EventLoopGroup.DEFAULT_BLOCKED_THRESHOLD;

		public int getThreads() {
			return this.threads;
		}

		public void setThreads(int threads) {
			this.threads = threads;
		}

		public Duration getBlockedThreshold() {
			return this.blockedThreshold;
		}

		public void setBlockedThreshold(Duration blockedThreshold) {
			this.blockedThreshold = blockedThreshold;
		}

	}

	public static class Server extends SocketFileProperties {

		/**
		 * Socket path. Must fit the platform limit (107 bytes on Linux, 103 on macOS).
		 * "@name" binds "name" in the Linux abstract namespace: no file, so no mode or
		 * group.
		 */
		private @Nullable String path;

		/**
		 * Socket type.
		 */
		private Type type = Type.STREAM;

		/**
		 * Framing of a stream server's bytes.
		 */
		private Protocol protocol = Protocol.RAW;

		/**
		 * Close connections with no byte read or written for longer than this. 0 for no
		 * limit. Not for datagram servers. Default: 0.
		 */
		private @Nullable Duration idleTimeout;

		/**
		 * Drain budget on shutdown: accepting stops and the file is removed at once, open
		 * connections get this long to finish, then are closed. Also bounded by
		 * spring.lifecycle.timeout-per-shutdown-phase. Default: 30s.
		 */
		private @Nullable Duration shutdownTimeout;

		/**
		 * Open connections allowed at once, 0 for no limit. Beyond it a new connection is
		 * accepted and closed at once, and counted as rejected (max-connections). Not for
		 * datagram servers. Default: 1000.
		 */
		private @Nullable Integer maxConnections;

		/**
		 * File descriptors a connection may pass per message, either way (SCM_RIGHTS:
		 * Connection.receiveFileDescriptors() and sendFileDescriptors()), at most 253. Above 0
		 * the server runs on junixsocket's channels, since the JDK's cannot pass them. Default
		 * 0: none, and the kernel discards any a peer sends. Not for datagram servers.
		 */
		private @Nullable Integer maxFileDescriptors;

		/**
		 * Largest message accepted. Default: 1MB for lines and length-prefixed, 64KB for
		 * commands and for datagrams.
		 */
		private @Nullable DataSize maxMessageSize;

		/**
		 * How long a message of a lines, length-prefixed or commands server may take to
		 * arrive once its first byte has. A connection still waiting for the rest after
		 * that is closed and counted as rejected (message-timeout). Connections idle
		 * between messages, and handlers at work, are not affected. 0 for no limit. Not for
		 * datagram servers. Default: 30s.
		 */
		private @Nullable Duration messageTimeout;

		/**
		 * How much memory the read buffers of unfinished messages may take together,
		 * across the server's connections (beyond the first 8KB of each). When a buffer
		 * would grow past it, the connection holding the most is closed and counted as
		 * rejected (buffer-budget). At least max-message-size. Used by lines,
		 * length-prefixed and commands servers; not for datagram servers. Default: 32MB.
		 */
		private @Nullable DataSize bufferBudget;

		/**
		 * Where the handler of a lines, length-prefixed or commands server runs: on worker
		 * threads, where it may block (virtual threads when spring.threads.virtual.enabled
		 * is set on Java 21+), or on the event loop that read the message, the fastest path,
		 * for handlers that never block. Default: workers.
		 */
		private StreamServer.@Nullable Dispatch dispatch;

		/**
		 * Whether every message of a lines, length-prefixed or commands server runs in its own
		 * Micrometer Observation (unix.socket.handler, and unix.socket.command per command):
		 * a span per message with Micrometer Tracing, and timers tagged by outcome and
		 * command. Costs about half the throughput of a fast handler. Off, the server is still
		 * counted and timed by the cheap meters unix.socket.messages.received and
		 * unix.socket.handler.time. Needs an ObservationRegistry (Actuator); not for raw
		 * servers, whose connections are observed one per connection anyway.
		 */
		private boolean observeMessages;

		/**
		 * Whether to serve a socket passed by systemd's socket activation (LISTEN_FDS), matched
		 * by FileDescriptorName= equal to this server's name, else by its path: auto (when one
		 * is passed, else bind the path), required (startup fails without one) or off.
		 */
		private Activation activation = Activation.AUTO;

		/**
		 * Platform threads that run the handler with dispatch workers when virtual threads
		 * are not enabled; started when needed, ended when idle. Default: 8.
		 */
		private @Nullable Integer workers;

		/**
		 * SO_RCVBUF of each connection or of the datagram socket. Default: the kernel's.
		 */
		private @Nullable DataSize receiveBufferSize;

		/**
		 * SO_SNDBUF of each connection or of the datagram socket. Default: the kernel's.
		 */
		private @Nullable DataSize sendBufferSize;

		private final Datagram datagram = new Datagram();

		@Override
		public @Nullable String getPath() {
			return this.path;
		}

		public void setPath(@Nullable String path) {
			this.path = path;
		}

		public Type getType() {
			return this.type;
		}

		public void setType(Type type) {
			this.type = type;
		}

		public Protocol getProtocol() {
			return this.protocol;
		}

		public void setProtocol(Protocol protocol) {
			this.protocol = protocol;
		}

		public @Nullable Duration getIdleTimeout() {
			return this.idleTimeout;
		}

		public void setIdleTimeout(@Nullable Duration idleTimeout) {
			this.idleTimeout = idleTimeout;
		}

		public @Nullable Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(@Nullable Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

		public @Nullable Integer getMaxConnections() {
			return this.maxConnections;
		}

		public void setMaxConnections(@Nullable Integer maxConnections) {
			this.maxConnections = maxConnections;
		}

		public @Nullable Integer getMaxFileDescriptors() {
			return this.maxFileDescriptors;
		}

		public void setMaxFileDescriptors(@Nullable Integer maxFileDescriptors) {
			this.maxFileDescriptors = maxFileDescriptors;
		}

		public @Nullable Duration getMessageTimeout() {
			return this.messageTimeout;
		}

		public void setMessageTimeout(@Nullable Duration messageTimeout) {
			this.messageTimeout = messageTimeout;
		}

		public @Nullable DataSize getBufferBudget() {
			return this.bufferBudget;
		}

		public void setBufferBudget(@Nullable DataSize bufferBudget) {
			this.bufferBudget = bufferBudget;
		}

		public @Nullable DataSize getMaxMessageSize() {
			return this.maxMessageSize;
		}

		public void setMaxMessageSize(@Nullable DataSize maxMessageSize) {
			this.maxMessageSize = maxMessageSize;
		}

		public Activation getActivation() {
			return this.activation;
		}

		public void setActivation(Activation activation) {
			this.activation = activation;
		}

		public StreamServer.@Nullable Dispatch getDispatch() {
			return this.dispatch;
		}

		public void setDispatch(StreamServer.@Nullable Dispatch dispatch) {
			this.dispatch = dispatch;
		}

		public boolean isObserveMessages() {
			return this.observeMessages;
		}

		public void setObserveMessages(boolean observeMessages) {
			this.observeMessages = observeMessages;
		}

		public @Nullable Integer getWorkers() {
			return this.workers;
		}

		public void setWorkers(@Nullable Integer workers) {
			this.workers = workers;
		}

		public @Nullable DataSize getReceiveBufferSize() {
			return this.receiveBufferSize;
		}

		public void setReceiveBufferSize(@Nullable DataSize receiveBufferSize) {
			this.receiveBufferSize = receiveBufferSize;
		}

		public @Nullable DataSize getSendBufferSize() {
			return this.sendBufferSize;
		}

		public void setSendBufferSize(@Nullable DataSize sendBufferSize) {
			this.sendBufferSize = sendBufferSize;
		}

		public Datagram getDatagram() {
			return this.datagram;
		}

	}

	public static class Datagram {

		/**
		 * Where a datagram server's handler runs: 'receiver' (on the receiving thread,
		 * nothing is dropped, a slow handler makes senders wait) or 'workers' (on a pool
		 * of worker threads with a bounded queue; a datagram that finds it full is dropped
		 * and counted). Default: receiver.
		 */
		private DatagramServer.@Nullable Dispatch dispatch;

		/**
		 * Worker threads, with dispatch 'workers'. Default: 2.
		 */
		private @Nullable Integer workers;

		/**
		 * Datagrams waiting for a worker at most, with dispatch 'workers'. Default: 1024.
		 */
		private @Nullable Integer queueCapacity;

		public DatagramServer.@Nullable Dispatch getDispatch() {
			return this.dispatch;
		}

		public void setDispatch(DatagramServer.@Nullable Dispatch dispatch) {
			this.dispatch = dispatch;
		}

		public @Nullable Integer getWorkers() {
			return this.workers;
		}

		public void setWorkers(@Nullable Integer workers) {
			this.workers = workers;
		}

		public @Nullable Integer getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(@Nullable Integer queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

	}

	/** Who may connect, by the kernel's peer credentials; a server's and a web server socket's. */
	public static class Peer {

		/**
		 * Users allowed to connect, checked with SO_PEERCRED: numeric uids (digits only)
		 * or user names. Empty: anyone who can open the socket file. A peer is let in when
		 * its user or its effective group is listed.
		 */
		private List<String> allowedUsers = new ArrayList<>();

		/**
		 * Groups allowed to connect, checked with SO_PEERCRED against the peer's effective
		 * group: numeric gids (digits only) or group names. Empty: anyone who can open the
		 * socket file.
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

	/** An HTTP client for a daemon's socket, {@code unix-socket.clients.<name>.*}. */
	public static class Client {

		/**
		 * Socket file the daemon listens on, e.g. /var/run/docker.sock.
		 */
		private @Nullable String path;

		/**
		 * Base URL of the client's requests. The connection always goes to the socket: the
		 * host is only sent, as the Host header.
		 */
		private String baseUrl = "http://localhost";

		/**
		 * Longest wait for a connection. Connecting to a socket is immediate unless the
		 * server's backlog is full.
		 */
		private Duration connectTimeout = Duration.ofSeconds(5);

		/**
		 * Longest wait between two reads of a response. None by default, since an event
		 * stream (docker's /events) may be quiet for long.
		 */
		private @Nullable Duration readTimeout;

		/**
		 * Most connections open to the socket at once; more requests wait for one. Idle
		 * connections are kept alive for the next requests.
		 */
		private int maxConnections = 16;

		private final ClientPeer peer = new ClientPeer();

		public @Nullable String getPath() {
			return this.path;
		}

		public void setPath(@Nullable String path) {
			this.path = path;
		}

		public String getBaseUrl() {
			return this.baseUrl;
		}

		public void setBaseUrl(String baseUrl) {
			this.baseUrl = baseUrl;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public @Nullable Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(@Nullable Duration readTimeout) {
			this.readTimeout = readTimeout;
		}

		public int getMaxConnections() {
			return this.maxConnections;
		}

		public void setMaxConnections(int maxConnections) {
			this.maxConnections = maxConnections;
		}

		public ClientPeer getPeer() {
			return this.peer;
		}

	}

	/** Who the socket a client talks to must belong to. */
	public static class ClientPeer {

		/**
		 * User (a uid, digits only, or a name) that must own the socket file and run the
		 * process listening on it (checked with SO_PEERCRED after connecting, before a
		 * request is sent). Empty: any.
		 */
		private @Nullable String expectedUser;

		/**
		 * Group (a gid, digits only, or a name) the socket file must belong to. Empty: any.
		 */
		private @Nullable String expectedGroup;

		public @Nullable String getExpectedUser() {
			return this.expectedUser;
		}

		public void setExpectedUser(@Nullable String expectedUser) {
			this.expectedUser = expectedUser;
		}

		public @Nullable String getExpectedGroup() {
			return this.expectedGroup;
		}

		public void setExpectedGroup(@Nullable String expectedGroup) {
			this.expectedGroup = expectedGroup;
		}

	}

}
