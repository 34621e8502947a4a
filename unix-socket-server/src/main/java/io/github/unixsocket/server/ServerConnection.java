package io.github.unixsocket.server;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.unixsocket.server.peer.KernelPeer;
import io.github.unixsocket.server.peer.PeerCredentials;
import io.github.unixsocket.server.peer.PeerPolicy;

import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * A {@link StreamServer}'s connection, whichever way it is served: a thread each
 * ({@link ChannelConnection}) or an event loop ({@link LoopConnection}). This class keeps
 * what both have alike (identity, peer, attributes, how it was closed); the subclasses read,
 * write and count bytes, each the way its threads need.
 */
abstract class ServerConnection implements Connection {

	final StreamServer server;

	final long id;

	final SocketChannel channel;

	private final Instant openedAt = Instant.now();

	final long openedNanos = System.nanoTime();

	private volatile @Nullable Map<String, Object> attributes;

	private volatile @Nullable KernelPeer kernelPeer;

	private volatile @Nullable PeerCredentials peer;

	/** Set when this side closed the connection (idle, drain, a limit, close()), to tell it from a failure. */
	volatile boolean closedByServer;

	/** Set when the drain deadline closed the connection. */
	volatile boolean forceClosed;

	/** The descriptors passed over this connection, {@code null} unless the server passes them. */
	final @Nullable ConnectionDescriptors descriptors;

	ServerConnection(StreamServer server, long id, SocketChannel channel) {
		this.server = server;
		this.id = id;
		this.channel = channel;
		this.descriptors = (server.maxFileDescriptors() > 0 && channel instanceof AFUNIXSocketChannel unix)
				? new ConnectionDescriptors(unix, server.maxFileDescriptors()) : null;
	}

	@Override
	public final FileDescriptor[] receiveFileDescriptors() throws IOException {
		return requireDescriptors().take();
	}

	@Override
	public final void sendFileDescriptors(FileDescriptor... descriptors) throws IOException {
		requireDescriptors().send(descriptors);
	}

	private ConnectionDescriptors requireDescriptors() {
		ConnectionDescriptors descriptors = this.descriptors;
		if (descriptors == null) {
			throw ConnectionDescriptors.unsupported(this.server.name());
		}
		return descriptors;
	}

	@Override
	public final long id() {
		return this.id;
	}

	@Override
	public final String serverName() {
		return this.server.name();
	}

	@Override
	public final PeerCredentials peer() {
		PeerCredentials peer = this.peer;
		if (peer == null) {
			peer = KernelPeer.credentials(kernelPeer());
			this.peer = peer;
		}
		return peer;
	}

	/**
	 * @param policy who may connect
	 * @return whether the peer is allowed (its credentials are read only for a policy)
	 */
	final boolean isAllowedBy(PeerPolicy policy) {
		return policy.allowsAnyone() || KernelPeer.allowed(kernelPeer(), policy);
	}

	/** @return the kernel's view of the peer, {@code null} if it cannot be read */
	private @Nullable KernelPeer kernelPeer() {
		KernelPeer peer = this.kernelPeer;
		if (peer == null) {
			peer = KernelPeer.of(this.channel);
			this.kernelPeer = peer;
		}
		return peer;
	}

	@Override
	public final Map<String, Object> attributes() {
		Map<String, Object> attributes = this.attributes;
		if (attributes == null) {
			synchronized (this) {
				attributes = this.attributes;
				if (attributes == null) {
					attributes = new ConcurrentHashMap<>();
					this.attributes = attributes;
				}
			}
		}
		return attributes;
	}

	@Override
	public final <T> void setOption(SocketOption<T> option, T value) throws IOException {
		this.channel.setOption(option, value);
	}

	@Override
	public final boolean isDraining() {
		return this.server.state() == ServerState.DRAINING;
	}

	@Override
	public final Instant openedAt() {
		return this.openedAt;
	}

	final boolean isForceClosed() {
		return this.forceClosed;
	}

	/** @return whether this side closed it (idle timeout, drain, a limit, {@link #close()}) */
	final boolean isClosedByServer() {
		return this.closedByServer;
	}

	/** @return whether nothing has been received that is not answered yet */
	abstract boolean isIdleBetweenRequests();

	/** The server drains: close now if idle between requests, else once it is. */
	abstract void drain();

	/** Close at the drain deadline, whatever is in flight. */
	abstract void forceClose();

	/** @return nanoseconds since a byte was last read or written */
	abstract long idleNanos(long now);

	/** @return nanoseconds since the message in progress started, -1 if none is */
	abstract long messageNanos(long now);

	/** @return {@code true} the first time a limit cuts the connection off */
	abstract boolean markCutOff();

	/** Return the buffer budget the connection holds. */
	abstract void releaseBuffer();

	/** @return messages its message handler has returned from (or thrown); 0 for a connection handler */
	long messagesHandled() {
		return 0;
	}

	/** @return nanoseconds its message handler spent on them */
	long handlerNanos() {
		return 0;
	}

	@Override
	public String toString() {
		return "connection " + this.id + " on '" + this.server.name() + "'";
	}

}
