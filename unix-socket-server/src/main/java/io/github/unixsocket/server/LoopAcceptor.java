package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import static io.github.unixsocket.server.ServerSupport.closeQuietly;
import static io.github.unixsocket.server.ServerSupport.platformThreads;

/**
 * Accepts on one event loop and checks the timeouts there. Framed connections go to the
 * next loop of the group as {@link LoopConnection}s. A connection handler on an inherited
 * socket gets a thread per connection ({@link ConnectionThreads}): accepting on a loop is
 * what lets it stop without closing the inherited channel.
 */
final class LoopAcceptor implements StreamAcceptor, EventLoop.Ready {

	/** The server's category: what users set for the server's log lines covers these too. */
	private static final Log logger = LogFactory.getLog(StreamServer.class);

	/** Accepts per wake-up at most, so a flood cannot keep the loop from its connections. */
	private static final int ACCEPTS_PER_WAKEUP = 64;

	private final StreamServer server;

	private final ServerSocketChannel channel;

	private final EventLoopGroup loops;

	private final EventLoop loop;

	/** Frames messages of loop connections; {@code null} when they get a thread each. */
	private final @Nullable FramedMessages messages;

	/** Where handlers of {@link StreamServer.Dispatch#WORKERS} run; {@code null} on the loop. */
	private final @Nullable Executor workers;

	/** Made for {@link StreamServer.Dispatch#WORKERS} when neither an executor nor a thread factory was given. */
	private final @Nullable ThreadPoolExecutor workerPool;

	/** Serves connections a thread each; {@code null} for framed connections. */
	private final @Nullable ConnectionThreads connectionThreads;

	private @Nullable SelectionKey key;

	private LoopAcceptor(StreamServer server, ServerSocketChannel channel, EventLoop loop,
			@Nullable ThreadPoolExecutor workerPool) {
		this.server = server;
		this.channel = channel;
		this.loops = server.eventLoops;
		this.loop = loop;
		this.messages = server.messages;
		this.workerPool = workerPool;
		this.workers = (this.messages != null && server.dispatch == StreamServer.Dispatch.WORKERS)
				? workers(server, workerPool) : null;
		this.connectionThreads = (this.messages == null) ? new ConnectionThreads(server) : null;
	}

	/**
	 * Under the lifecycle lock: take the server's loops (and a worker pool if it needs one);
	 * on failure, give them back.
	 * @param server the server
	 * @param channel its bound channel
	 * @return the acceptor, to {@link #start()} once the server runs
	 * @throws IOException if the channel cannot be made non-blocking
	 */
	static LoopAcceptor open(StreamServer server, ServerSocketChannel channel) throws IOException {
		server.eventLoops.acquire();
		ThreadPoolExecutor workerPool = null;
		try {
			channel.configureBlocking(false);
			if (server.messages != null && server.dispatch == StreamServer.Dispatch.WORKERS
					&& server.workerExecutor == null && server.threadFactory == null) {
				workerPool = new ThreadPoolExecutor(server.workers, server.workers, 60, TimeUnit.SECONDS,
						new LinkedBlockingQueue<>(), platformThreads("unix-socket-" + server.name + "-worker-"));
				workerPool.allowCoreThreadTimeOut(true);
			}
			return new LoopAcceptor(server, channel, server.eventLoops.next(), workerPool);
		}
		catch (IOException | RuntimeException ex) {
			if (workerPool != null) {
				workerPool.shutdown();
			}
			server.eventLoops.release();
			throw ex;
		}
	}

	/** @return where a {@link StreamServer.Dispatch#WORKERS} connection's handler runs */
	private static Executor workers(StreamServer server, @Nullable ThreadPoolExecutor workerPool) {
		if (server.workerExecutor != null) {
			return server.workerExecutor;
		}
		if (workerPool != null) {
			return workerPool;
		}
		// Without an executor, open() made a pool unless a thread factory was given.
		ThreadFactory threads = Objects.requireNonNull(server.threadFactory, "threadFactory");
		return (task) -> threads.newThread(task).start();
	}

	@Override
	public void start() {
		this.loop.execute(this::register);
	}

	private void register() {
		try {
			this.key = this.channel.register(this.loop.selector(), SelectionKey.OP_ACCEPT, this);
		}
		catch (IOException ex) {
			logger.error("Unix socket server '" + this.server.name + "' could not accept connections", ex);
			return;
		}
		this.server.timeouts.checkOn(this.loop,
				() -> this.server.state != ServerState.STOPPED && this.channel.isOpen());
	}

	/**
	 * The key is cancelled on the loop before the channel closes: closing a junixsocket
	 * channel shuts the socket down for every descriptor of it, which an inherited or
	 * handed-over socket must survive ({@link AbstractUnixSocketServer#closeSocket}).
	 */
	@Override
	public void stopAccepting() {
		CountDownLatch stopped = new CountDownLatch(1);
		this.loop.execute(() -> {
			if (this.key != null) {
				this.key.cancel();
			}
			stopped.countDown();
		});
		try {
			stopped.await(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.server.closeSocket(this.channel);
	}

	@Override
	public ServerSocketChannel channel() {
		return this.channel;
	}

	@Override
	public void release() {
		if (this.workerPool != null) {
			// Handlers still running are abandoned with their connections; their threads end when they return.
			this.workerPool.shutdown();
		}
		this.loops.release();
	}

	@Override
	public void ready(SelectionKey key) {
		for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
			SocketChannel accepted;
			try {
				accepted = this.channel.accept();
			}
			catch (IOException ex) {
				if (this.channel.isOpen()) {
					// Typically EMFILE: stop accepting for a moment instead of spinning; the server stays up.
					this.server.acceptFailures.failed(ex);
					key.interestOps(0);
					this.loop.tick(StreamServer.ACCEPT_RETRY, (now) -> {
						if (key.isValid()) {
							key.interestOps(SelectionKey.OP_ACCEPT);
						}
						return false;
					});
				}
				return;
			}
			if (accepted == null) {
				return;
			}
			this.server.acceptFailures.succeeded();
			FramedMessages messages = this.messages;
			if (messages != null) {
				serveOnLoop(messages, accepted);
			}
			else {
				serveOnThread(Objects.requireNonNull(this.connectionThreads, "connectionThreads"), accepted);
			}
		}
	}

	private void serveOnLoop(FramedMessages messages, SocketChannel channel) {
		if (this.server.rejectIfFull(channel)) {
			return;
		}
		EventLoop loop = this.loops.next();
		LoopConnection connection = new LoopConnection(this.server, messages, loop, channel,
				this.server.connections.nextId(), this.workers);
		this.server.connections.add(connection);
		if (loop.inLoop()) {
			open(connection);
		}
		else {
			loop.execute(() -> open(connection));
		}
	}

	/** On the connection's loop: check and set it up, then start reading. */
	private void open(LoopConnection connection) {
		try {
			connection.socketChannel().configureBlocking(false);
		}
		catch (IOException ex) {
			connection.closeNow();
			return;
		}
		if (!this.server.admit(connection)) {
			connection.closeNow();
			return;
		}
		try {
			connection.register();
		}
		catch (IOException ex) {
			connection.closeNow();
			return;
		}
		this.server.connections.countAccepted();
		connection.opened();
		this.server.fire((listener) -> listener.connectionOpened(connection));
	}

	/** A connection handler needs a thread of its own, and blocking I/O. */
	private static void serveOnThread(ConnectionThreads connectionThreads, SocketChannel channel) {
		try {
			channel.configureBlocking(true);
		}
		catch (IOException ex) {
			closeQuietly(channel);
			return;
		}
		connectionThreads.serve(channel);
	}

	@Override
	public String toString() {
		return "acceptor of '" + this.server.name + "'";
	}

}
