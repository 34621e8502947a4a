package io.github.unixsocket.server;

import java.nio.channels.ServerSocketChannel;

/**
 * How a {@link StreamServer} takes its connections: {@link ThreadAcceptor} (a thread that
 * accepts, a thread per connection) or {@link LoopAcceptor} (accepting on an event loop).
 * The server makes one each time it binds.
 */
interface StreamAcceptor {

	/** Under the lifecycle lock, once {@code RUNNING}: accept, and check the timeouts. */
	void start();

	/**
	 * Once {@code DRAINING}: return once no more connections will be accepted. Closes the
	 * listening channel unless it is inherited.
	 */
	void stopAccepting();

	/** @return the listening channel */
	ServerSocketChannel channel();

	/** After the drain: stop checking the timeouts, release the threads, pools and loops taken. */
	void release();

}
