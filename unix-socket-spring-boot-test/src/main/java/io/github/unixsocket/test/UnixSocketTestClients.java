package io.github.unixsocket.test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.client.UnixDatagramClient;
import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.ServerType;
import io.github.unixsocket.server.UnixSocketServerView;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Clients for the Unix socket servers of the test's application context, by server name:
 * the socket is looked up in the running servers, so a test never names a path. Every wait
 * is bounded by a {@link #withTimeout timeout} (10 seconds unless changed): a handler that
 * never answers fails the test instead of hanging it.
 * <p>
 * Clients are closed by the test ({@code try}-with-resources) or, at the latest, when the
 * application context closes. A context may be shared by several test classes (Spring's
 * context cache): close a client in the test when later tests count connections.
 *
 * <pre>
 * &#64;Autowired
 * UnixSocketTestClients sockets;
 *
 * &#64;Test
 * void echoesEveryByte() throws IOException {
 *     try (RawConnection echo = this.sockets.connect("echo")) {
 *         assertThat(echo.write("hi").shutdownOutput().readAll()).isEqualTo("hi");
 *     }
 * }
 * </pre>
 *
 * Available in a {@link UnixSocketTest @UnixSocketTest}, or in any test with
 * {@link AutoConfigureUnixSocketTestClients @AutoConfigureUnixSocketTestClients}. Thread-safe.
 */
public final class UnixSocketTestClients {

	/** How long connecting, and every read or write, may take unless changed. */
	static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	private static final Log logger = LogFactory.getLog(UnixSocketTestClients.class);

	private static final String USAGE = "commands() is for protocol commands, lines() for lines, commands and raw, "
			+ "frames() for length-prefixed and raw, connect() for any stream server, datagram() for datagram servers";

	private final @Nullable UnixSocketServers servers;

	private final @Nullable UnixSocketProperties properties;

	private final Set<String> notStarted;

	private final Duration timeout;

	/** Open clients, shared with the copies of {@link #withTimeout}; closed with the context. */
	private final Set<AutoCloseable> opened;

	UnixSocketTestClients(@Nullable UnixSocketServers servers, @Nullable UnixSocketProperties properties,
			Set<String> notStarted, Duration timeout) {
		this(servers, properties, notStarted, timeout, ConcurrentHashMap.newKeySet());
	}

	private UnixSocketTestClients(@Nullable UnixSocketServers servers, @Nullable UnixSocketProperties properties,
			Set<String> notStarted, Duration timeout, Set<AutoCloseable> opened) {
		this.servers = servers;
		this.properties = properties;
		this.notStarted = notStarted;
		this.timeout = timeout;
		this.opened = opened;
	}

	/**
	 * Clients with another timeout, for a test that expects a slow handler or wants a
	 * broken one to fail fast. Clients it opens are still closed with the context.
	 * @param timeout how long connecting, and every read or write, may take
	 * @return clients with that timeout
	 */
	public UnixSocketTestClients withTimeout(Duration timeout) {
		Assert.isTrue(timeout != null && timeout.compareTo(Duration.ZERO) > 0, "'timeout' must be positive");
		return new UnixSocketTestClients(this.servers, this.properties, this.notStarted, timeout, this.opened);
	}

	/**
	 * The socket file of a server, for clients of your own: {@code socat}, {@code nc},
	 * {@code curl --unix-socket}. The web server's socket is {@code "http"}, the management
	 * server's {@code "management"}.
	 * @param server the server's name, its key under {@code unix-socket.servers}
	 * @return its socket file
	 * @throws IllegalArgumentException if there is no server of that name; the message
	 * lists the servers there are
	 * @throws IllegalStateException if the server listens on an abstract address, which has
	 * no file
	 */
	public Path path(String server) {
		String address = server(server).address();
		if (address.startsWith("@")) {
			throw new IllegalStateException("Unix socket server '" + server + "' listens on the abstract address "
					+ address + ", which is not a file: connect to it with junixsocket "
					+ "(AFUNIXSocketAddress.inAbstractNamespace(\"" + address.substring(1) + "\"))");
		}
		return Path.of(address);
	}

	/**
	 * A client for a {@code protocol: commands} server: {@code send(command, args)}.
	 * @param server the server's name
	 * @return a connected client, with the timeout as connect and read timeout
	 * @throws IOException if connecting fails
	 * @throws IllegalArgumentException if there is no such server, or it does not speak
	 * commands
	 */
	public UnixSocketClient commands(String server) throws IOException {
		return client(server, "commands", "commands");
	}

	/**
	 * A client that sends a line and reads the reply line ({@code sendLine}): for
	 * {@code lines} and {@code commands} servers, and {@code raw} handlers that answer
	 * lines.
	 * @param server the server's name
	 * @return a connected client, with the timeout as connect and read timeout
	 * @throws IOException if connecting fails
	 * @throws IllegalArgumentException if there is no such server, or it does not speak
	 * lines
	 */
	public UnixSocketClient lines(String server) throws IOException {
		return client(server, "lines", "lines", "commands", "raw");
	}

	/**
	 * A client that sends a length-prefixed message and reads the reply
	 * ({@code sendFrame}): for {@code length-prefixed} servers, and {@code raw} handlers
	 * that answer so.
	 * @param server the server's name
	 * @return a connected client, with the timeout as connect and read timeout
	 * @throws IOException if connecting fails
	 * @throws IllegalArgumentException if there is no such server, or it does not speak
	 * length-prefixed messages
	 */
	public UnixSocketClient frames(String server) throws IOException {
		return client(server, "frames", "length-prefixed", "raw");
	}

	/**
	 * A raw connection to any stream server: write bytes, read bytes, half-close.
	 * @param server the server's name
	 * @return the connection, every read and write bounded by the timeout
	 * @throws IOException if connecting fails
	 * @throws IllegalArgumentException if there is no such server, or it is a datagram
	 * server
	 */
	public RawConnection connect(String server) throws IOException {
		Path path = socket(server, "connect", "raw", "lines", "length-prefixed", "commands", "http");
		return track(RawConnection.connect(path, this.timeout));
	}

	/**
	 * A datagram client, bound to an address of its own so that the server can reply.
	 * Receiving takes its own timeout: {@code request(text, timeout)},
	 * {@code receive(timeout)}.
	 * @param server the server's name
	 * @return a client connected to the server
	 * @throws IOException if the client's socket cannot be created or connected
	 * @throws IllegalArgumentException if there is no such server, or it is not a datagram
	 * server
	 */
	public UnixDatagramClient datagram(String server) throws IOException {
		return track(UnixDatagramClient.connect(socket(server, "datagram", "datagram")));
	}

	/** Close every client still open: the context is closing. */
	void closeAll() {
		for (AutoCloseable client : this.opened) {
			try {
				client.close();
			}
			catch (Exception ex) {
				logger.debug("Could not close " + client, ex);
			}
		}
		this.opened.clear();
	}

	private UnixSocketClient client(String server, String method, String... protocols) throws IOException {
		Path path = socket(server, method, protocols);
		return track(UnixSocketClient.builder(path).connectTimeout(this.timeout).readTimeout(this.timeout).connect());
	}

	private <T extends AutoCloseable> T track(T client) {
		// Forget those closed already: a context may live for many tests.
		this.opened.removeIf((opened) -> (opened instanceof UnixSocketClient framed && !framed.isOpen())
				|| (opened instanceof RawConnection raw && !raw.isOpen()));
		this.opened.add(client);
		return client;
	}

	/** The path of a running server that speaks one of the protocols. */
	private Path socket(String name, String method, String... protocols) {
		UnixSocketServerView server = server(name);
		String protocol = protocol(name, server);
		if (!Set.of(protocols).contains(protocol)) {
			throw new IllegalArgumentException(
					"Unix socket server '" + name + "' is " + protocol + ", not for " + method + "(): " + USAGE);
		}
		if (!server.isRunning()) {
			throw new IllegalStateException("Unix socket server '" + name + "' is "
					+ EnumNames.of(server.state()) + ", not running");
		}
		return path(name);
	}

	private UnixSocketServerView server(String name) {
		Assert.notNull(name, "'name' must not be null");
		if (this.servers == null) {
			throw new IllegalStateException("This context has no Unix socket servers: is 'unix-socket.enabled' false?");
		}
		UnixSocketServerView server = this.servers.get(name);
		if (server == null) {
			StringBuilder message = new StringBuilder("No Unix socket server '").append(name)
				.append("' in this context; its servers are ")
				.append(new TreeSet<>(this.servers.names()));
			if (!this.notStarted.isEmpty()) {
				message.append(", and ")
					.append(new TreeSet<>(this.notStarted))
					.append(" are configured but not started: their handlers are not part of this @UnixSocketTest");
			}
			throw new IllegalArgumentException(message.toString());
		}
		return server;
	}

	/** @return raw, lines, length-prefixed, commands, datagram, or http (a web server's socket) */
	private String protocol(String name, UnixSocketServerView server) {
		if (server.type() == ServerType.DATAGRAM) {
			return "datagram";
		}
		UnixSocketProperties.Server configured = (this.properties != null) ? this.properties.getServers().get(name)
				: null;
		if (configured == null) {
			return "http";
		}
		return EnumNames.of(configured.getProtocol());
	}

}
