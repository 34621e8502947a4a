package io.github.unixsocket.autoconfigure.web;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.HttpUnixSocket;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

/**
 * Jetty's Unix domain connector on a socket taken with every rule of
 * {@link HttpUnixSocket}: it binds in a private directory (where Jetty's habit of deleting
 * whatever is at its path before binding can only meet its own files), and the socket is
 * given its group and mode and linked to its path once it listens. Jetty has no way to
 * set a mode itself.
 * <p>
 * Each new connection's peer is checked against the allow-list when it opens, before a
 * byte is read (a refused peer is closed without a response), and every request gets the
 * client's {@link io.github.unixsocket.server.peer.PeerCredentials} as attribute
 * {@link HttpUnixSocket#PEER_ATTRIBUTE}.
 */
class UnixSocketJettyConnector extends UnixDomainServerConnector {

	private final HttpUnixSocket socket;

	private final HttpUnixSockets settings;

	private final Map<org.eclipse.jetty.io.Connection, Connection> connections = new ConcurrentHashMap<>();

	/** Whether Jetty bound its socket: its stop deletes whatever is at its path, so only then. */
	private volatile boolean bound;

	UnixSocketJettyConnector(Server server, HttpUnixSocket socket, HttpUnixSockets settings,
			ConnectionFactory... factories) {
		super(server, factories);
		this.socket = socket;
		this.settings = settings;
		addEventListener(new org.eclipse.jetty.io.Connection.Listener() {

			@Override
			public void onOpened(org.eclipse.jetty.io.Connection connection) {
				admit(connection);
			}

			@Override
			public void onClosed(org.eclipse.jetty.io.Connection connection) {
				UnixSocketJettyConnector.this.socket.closed(UnixSocketJettyConnector.this.connections.remove(connection));
			}

		});
	}

	/**
	 * @param configuration the main connector's HTTP configuration
	 * @return a copy that puts the peer on every request of this connector
	 */
	HttpConfiguration withPeer(HttpConfiguration configuration) {
		HttpConfiguration copy = new HttpConfiguration(configuration);
		copy.addCustomizer(this::customize);
		return copy;
	}

	private Request customize(Request request, HttpFields.Mutable responseHeaders) {
		Connection connection = this.connections.get(request.getConnectionMetaData().getConnection());
		if (connection != null) {
			request.setAttribute(HttpUnixSocket.PEER_ATTRIBUTE, connection.peer());
		}
		return request;
	}

	private void admit(org.eclipse.jetty.io.Connection connection) {
		if (connection.getEndPoint().getTransport() instanceof SocketChannel channel) {
			Connection admitted = this.socket.admit(channel, () -> connection.getEndPoint().close());
			if (admitted != null) {
				this.connections.put(connection, admitted);
				return;
			}
		}
		// Refused (or not a socket channel, so its peer is unknown): closed before a byte is read.
		connection.getEndPoint().close();
	}

	@Override
	protected void doStart() throws Exception {
		try {
			setUnixDomainPath(this.settings.prepare(this.socket));
		}
		catch (IOException ex) {
			throw this.settings.startFailure("Jetty", ex);
		}
		try {
			this.bound = true;
			super.doStart();
			this.socket.publish("Jetty", true);
		}
		catch (Exception ex) {
			try {
				super.doStop();
			}
			catch (Exception stopFailure) {
				ex.addSuppressed(stopFailure);
			}
			this.bound = false;
			this.socket.release();
			throw (ex instanceof IOException io) ? this.settings.startFailure("Jetty", io) : ex;
		}
	}

	/** Graceful shutdown stops accepting first: the file goes then, while Jetty still listens. */
	@Override
	public void setAccepting(boolean accepting) {
		if (!accepting) {
			this.socket.unpublish();
		}
		super.setAccepting(accepting);
	}

	@Override
	protected void doStop() throws Exception {
		if (!this.bound) {
			// Never bound (the path was refused): Jetty's stop would delete whatever is at its path.
			return;
		}
		this.socket.unpublish();
		try {
			super.doStop();
		}
		finally {
			this.bound = false;
			this.socket.release();
		}
	}

}
