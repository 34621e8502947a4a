package io.github.unixsocket.server;

import io.github.unixsocket.server.peer.PeerPolicy;

/**
 * What a {@link StreamServer} needs of its connections, whichever way they are served:
 * a thread each ({@link ChannelConnection}) or an event loop ({@link LoopConnection}).
 */
interface ServerConnection extends Connection {

	/**
	 * @param policy who may connect
	 * @return whether the peer is allowed (its credentials are read only for a policy)
	 */
	boolean isAllowedBy(PeerPolicy policy);

	/** @return whether nothing has been received that is not answered yet */
	boolean isIdleBetweenRequests();

	/** The server drains: close now if idle between requests, else once it is. */
	void drain();

	/** Close at the drain deadline, whatever is in flight. */
	void forceClose();

	boolean isForceClosed();

	/** @return whether this side closed it (idle timeout, drain, a limit, {@link #close()}) */
	boolean isClosedByServer();

	/** @return nanoseconds since a byte was last read or written */
	long idleNanos(long now);

	/** @return nanoseconds since the message in progress started, -1 if none is */
	long messageNanos(long now);

	/** @return {@code true} the first time a limit cuts the connection off */
	boolean markCutOff();

	/** Return the buffer budget the connection holds. */
	void releaseBuffer();

	/** @return messages its message handler has returned from (or thrown); 0 for a connection handler */
	default long messagesHandled() {
		return 0;
	}

	/** @return nanoseconds its message handler spent on them */
	default long handlerNanos() {
		return 0;
	}

}
