package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import static io.github.unixsocket.server.ServerSupport.closeQuietly;
import static io.github.unixsocket.server.ServerSupport.join;
import static io.github.unixsocket.server.ServerSupport.sleep;

/**
 * Accepts on a thread of its own and serves each connection on a thread of its own: a
 * connection handler on a path or an abstract address. A reaper thread checks the timeouts.
 */
final class ThreadAcceptor implements StreamAcceptor {

	private final StreamServer server;

	/** Never inherited: closing it is how accepting stops. */
	private final ServerSocketChannel channel;

	private final ConnectionThreads connectionThreads;

	private @Nullable Thread acceptThread;

	private @Nullable Thread reaper;

	ThreadAcceptor(StreamServer server, ServerSocketChannel channel) {
		this.server = server;
		this.channel = channel;
		this.connectionThreads = new ConnectionThreads(server);
	}

	@Override
	public void start() {
		Thread thread = new Thread(this::acceptLoop, "unix-socket-" + this.server.name + "-accept");
		// Non-daemon: a running server keeps the JVM alive, like a web server does.
		thread.setDaemon(false);
		thread.start();
		this.acceptThread = thread;
		this.reaper = this.server.timeouts.startReaper("unix-socket-" + this.server.name + "-idle",
				() -> this.server.state == ServerState.RUNNING || this.server.state == ServerState.DRAINING);
	}

	@Override
	public void stopAccepting() {
		closeQuietly(this.channel);
		join(this.acceptThread, Duration.ofSeconds(5));
	}

	@Override
	public ServerSocketChannel channel() {
		return this.channel;
	}

	@Override
	public void release() {
		if (this.reaper != null) {
			this.reaper.interrupt();
		}
	}

	private void acceptLoop() {
		while (true) {
			SocketChannel accepted;
			try {
				accepted = this.channel.accept();
			}
			catch (ClosedChannelException ex) {
				return;
			}
			catch (IOException ex) {
				if (!this.channel.isOpen()) {
					return;
				}
				// Typically EMFILE: back off instead of spinning, the server stays up.
				this.server.acceptFailures.failed(ex);
				if (!sleep(StreamServer.ACCEPT_RETRY)) {
					return;
				}
				continue;
			}
			this.server.acceptFailures.succeeded();
			this.connectionThreads.serve(accepted);
		}
	}

}
