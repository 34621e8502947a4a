package io.github.unixsocket.autoconfigure.web;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.HttpUnixSocket;
import org.apache.coyote.Adapter;
import org.apache.coyote.Processor;
import org.apache.coyote.Request;
import org.apache.coyote.Response;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Tomcat's NIO HTTP/1.1 protocol on a Unix socket taken with every rule of
 * {@link HttpUnixSocket}: on {@link #start()} the path is checked and locked and the
 * endpoint binds in a private directory; once it listens, the socket gets its group and
 * mode and is linked to its path. Tomcat's own {@code unixDomainSocketPathPermissions}
 * are never used, so nothing depends on how a Tomcat version applies them.
 * <p>
 * Every accepted connection is checked against the peer allow-list before Tomcat reads a
 * byte (a refused peer is closed without a response), and each request carries the
 * client's {@link io.github.unixsocket.server.peer.PeerCredentials} as request attribute
 * {@link HttpUnixSocket#PEER_ATTRIBUTE}.
 * <p>
 * Public only because Tomcat instantiates a connector's protocol by class name; set up by
 * the auto-configuration.
 */
public class UnixSocketHttp11NioProtocol extends Http11NioProtocol {

	private final PeerEndpoint endpoint;

	private volatile @Nullable HttpUnixSocket socket;

	private volatile @Nullable HttpUnixSockets settings;

	public UnixSocketHttp11NioProtocol() {
		this(new PeerEndpoint());
	}

	private UnixSocketHttp11NioProtocol(PeerEndpoint endpoint) {
		super(endpoint);
		this.endpoint = endpoint;
	}

	void use(HttpUnixSocket socket, HttpUnixSockets settings) {
		this.socket = socket;
		this.settings = settings;
		this.endpoint.socket = socket;
		// Tomcat's connector refuses to start without a port unless its endpoint names a socket
		// path: the configured one until start() names where it really binds.
		this.endpoint.setUnixDomainSocketPath(socket.address());
	}

	/** @return the socket this protocol serves, {@code null} until configured */
	public @Nullable HttpUnixSocket getUnixSocket() {
		return this.socket;
	}

	@Override
	public void start() throws Exception {
		HttpUnixSocket socket = this.socket;
		HttpUnixSockets settings = this.settings;
		if (socket == null || settings == null) {
			throw new IllegalStateException("UnixSocketHttp11NioProtocol is set up by the unix-socket auto-configuration");
		}
		Path bindPath;
		try {
			bindPath = settings.prepare(socket);
		}
		catch (IOException ex) {
			throw settings.startFailure("Tomcat", ex);
		}
		this.endpoint.setUnixDomainSocketPath(bindPath.toString());
		try {
			super.start();
			socket.publish("Tomcat", true);
		}
		catch (Exception ex) {
			try {
				super.stop();
			}
			catch (Exception stopFailure) {
				ex.addSuppressed(stopFailure);
			}
			socket.release();
			throw (ex instanceof IOException io) ? settings.startFailure("Tomcat", io) : ex;
		}
	}

	/** Graceful shutdown: the file goes first, while Tomcat still listens. */
	@Override
	public void closeServerSocketGraceful() {
		HttpUnixSocket socket = this.socket;
		if (socket != null) {
			socket.unpublish();
		}
		super.closeServerSocketGraceful();
	}

	@Override
	public void stop() throws Exception {
		HttpUnixSocket socket = this.socket;
		if (socket != null) {
			socket.unpublish();
		}
		try {
			super.stop();
		}
		finally {
			if (socket != null) {
				// Tomcat has closed its socket and deleted its bound name: give back the lock and the directory.
				socket.release();
			}
		}
	}

	@Override
	protected Processor createProcessor() {
		return new PeerProcessor(this, getAdapter(), this.endpoint);
	}

	/** Checks each accepted connection's peer before Tomcat sees it. */
	static final class PeerEndpoint extends NioEndpoint {

		volatile @Nullable HttpUnixSocket socket;

		private final Map<SocketChannel, Connection> connections = new ConcurrentHashMap<>();

		@Override
		protected boolean setSocketOptions(SocketChannel channel) {
			HttpUnixSocket socket = this.socket;
			Assert.state(socket != null, "UnixSocketHttp11NioProtocol is set up by the unix-socket auto-configuration");
			this.connections.entrySet().removeIf((entry) -> {
				if (entry.getKey().isOpen()) {
					return false;
				}
				socket.closed(entry.getValue());
				return true;
			});
			Connection connection = socket.admit(channel, () -> closeQuietly(channel));
			if (connection == null) {
				// Closed before Tomcat reads a byte, so no response. The acceptor's own closeSocket
				// only closes channels that got a wrapper: destroySocket closes it and gives back
				// its place in maxConnections.
				destroySocket(channel);
				return false;
			}
			this.connections.put(channel, connection);
			return super.setSocketOptions(channel);
		}

		@Nullable Connection connection(@Nullable SocketWrapperBase<?> wrapper) {
			if (wrapper != null && wrapper.getSocket() instanceof NioChannel channel) {
				return this.connections.get(channel.getIOChannel());
			}
			return null;
		}

		private static void closeQuietly(SocketChannel channel) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// closing anyway
			}
		}

	}

	/** Puts the connection's peer on every request it serves. */
	static final class PeerProcessor extends Http11Processor {

		private final Adapter peerAdapter;

		PeerProcessor(AbstractHttp11Protocol<?> protocol, Adapter adapter, PeerEndpoint endpoint) {
			super(protocol, adapter);
			this.peerAdapter = new PeerAdapter(adapter, () -> endpoint.connection(getSocketWrapper()));
		}

		@Override
		public Adapter getAdapter() {
			return this.peerAdapter;
		}

	}

	private record PeerAdapter(Adapter delegate, java.util.function.Supplier<@Nullable Connection> connection)
			implements Adapter {

		@Override
		public void service(Request request, Response response) throws Exception {
			Connection connection = this.connection.get();
			if (connection != null) {
				// Catalina's request falls back to the coyote request's attributes.
				request.setAttribute(HttpUnixSocket.PEER_ATTRIBUTE, connection.peer());
			}
			this.delegate.service(request, response);
		}

		@Override
		public boolean prepare(Request request, Response response) throws Exception {
			return this.delegate.prepare(request, response);
		}

		@Override
		public boolean asyncDispatch(Request request, Response response, SocketEvent status) throws Exception {
			return this.delegate.asyncDispatch(request, response, status);
		}

		@Override
		public void log(Request request, Response response, long time) {
			this.delegate.log(request, response, time);
		}

		@Override
		public void checkRecycled(Request request, Response response) {
			this.delegate.checkRecycled(request, response);
		}

		@Override
		public String getDomain() {
			return this.delegate.getDomain();
		}

	}

}
