package io.github.unixsocket.server;

import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Serves each connection whole on a thread of its own, with the server's
 * {@link ConnectionHandler} and blocking streams; for connections accepted on a thread
 * ({@link ThreadAcceptor}) or on a loop ({@link LoopAcceptor}, for an inherited socket).
 */
final class ConnectionThreads {

	/** The server's category: what users set for the server's log lines covers these too. */
	private static final Log logger = LogFactory.getLog(StreamServer.class);

	private final StreamServer server;

	private final ConnectionHandler handler;

	private final ThreadFactory threads;

	ConnectionThreads(StreamServer server) {
		this.server = server;
		// A thread per connection serves a connection handler: build() required one.
		this.handler = Objects.requireNonNull(server.handler, "handler");
		this.threads = server.connectionThreadFactory;
	}

	/**
	 * Serve an accepted channel in blocking mode, unless {@code max-connections} are open.
	 * @param channel the accepted channel
	 */
	void serve(SocketChannel channel) {
		if (this.server.rejectIfFull(channel)) {
			return;
		}
		ChannelConnection connection = new ChannelConnection(this.server, this.server.connections.nextId(),
				channel);
		this.server.connections.add(connection);
		try {
			Thread thread = this.threads.newThread(() -> run(connection));
			connection.thread = thread;
			thread.start();
		}
		catch (Throwable ex) {
			logger.error("Unix socket server '" + this.server.name + "' could not start a thread for " + connection,
					ex);
			connection.closeChannel();
			this.server.unregister(connection);
			this.server.reject(RejectReason.SETUP_FAILED);
		}
	}

	private void run(ChannelConnection connection) {
		try {
			if (!this.server.admit(connection)) {
				connection.closeChannel();
				return;
			}
			this.server.connections.countAccepted();
			this.server.fire((listener) -> listener.connectionOpened(connection));
			long started = System.nanoTime();
			try {
				this.handler.handle(connection);
			}
			catch (Throwable ex) {
				this.server.handlerFailed(connection, ex);
			}
			finally {
				this.server.connections.handlerRan(System.nanoTime() - started);
				connection.closeChannel();
				this.server.fire((listener) -> listener.connectionClosed(connection));
			}
		}
		finally {
			this.server.unregister(connection);
		}
	}

}
