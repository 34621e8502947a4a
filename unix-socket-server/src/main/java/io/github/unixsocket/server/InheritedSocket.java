package io.github.unixsocket.server;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.Channel;

import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A listening socket this process inherited, for example from systemd's socket
 * activation: a server given one serves it instead of binding a path, and never creates,
 * changes or removes its file, nor closes it: it stays open for the life of the process,
 * so a stopped server leaves connections queued in it, and can start again.
 */
public final class InheritedSocket {

	private final int fd;

	private final @Nullable String name;

	private final ServerType type;

	private final @Nullable String address;

	/** The one channel on the descriptor, kept reachable (junixsocket closes a collected channel's). */
	private final Channel channel;

	private InheritedSocket(int fd, @Nullable String name, ServerType type, @Nullable String address,
			Channel channel) {
		this.fd = fd;
		this.name = name;
		this.type = type;
		this.address = address;
		this.channel = channel;
	}

	/**
	 * Adopt an inherited descriptor, reading its type and bound address from the kernel.
	 * @param fd the descriptor
	 * @param name its name ({@code FileDescriptorName=}), {@code null} if none
	 * @return the socket
	 * @throws IOException if the descriptor is not open, or not a Unix stream or datagram
	 * socket
	 */
	public static InheritedSocket adopt(int fd, @Nullable String name) throws IOException {
		NativeSockets.require(NativeSockets.libraryProblem());
		return adopt(FileDescriptorCast.unsafeUsing(fd), fd, name, null);
	}

	/**
	 * Adopt a descriptor received from another process ({@code SCM_RIGHTS}), reading its
	 * type from the kernel. The socket gets a descriptor of its own: the received one is
	 * left to whatever received it.
	 * @param descriptor the received descriptor
	 * @param name the name the sender gave it
	 * @param address the path (or {@code "@name"}) the sender served it at: the kernel knows
	 * only the name it was bound at, which may be a private one it was then linked from
	 * @return the socket
	 * @throws IOException if it is not a Unix stream or datagram socket
	 */
	public static InheritedSocket adopt(FileDescriptor descriptor, String name, String address) throws IOException {
		NativeSockets.require(NativeSockets.libraryProblem());
		// A duplicate: junixsocket closes the descriptors it received when their socket closes.
		FileDescriptorCast cast = FileDescriptorCast.duplicating(descriptor);
		return adopt(cast, cast.as(Integer.class), name, address);
	}

	private static InheritedSocket adopt(FileDescriptorCast cast, int fd, @Nullable String name,
			@Nullable String address) throws IOException {
		if (cast.isAvailable(AFUNIXServerSocketChannel.class)) {
			AFUNIXServerSocketChannel channel = keepFile(cast.as(AFUNIXServerSocketChannel.class));
			return new InheritedSocket(fd, name, ServerType.STREAM, orBound(address, channel.getLocalAddress()),
					channel);
		}
		if (cast.isAvailable(AFUNIXDatagramChannel.class)) {
			AFUNIXDatagramChannel channel = keepFile(cast.as(AFUNIXDatagramChannel.class));
			return new InheritedSocket(fd, name, ServerType.DATAGRAM, orBound(address, channel.getLocalAddress()),
					channel);
		}
		throw new IOException("descriptor " + fd + " is not a Unix stream or datagram socket");
	}

	/**
	 * junixsocket would remove the socket's file when a channel on it closes, and shut the
	 * socket down for every descriptor of it: neither is ours to do. Closing then only
	 * closes the one descriptor.
	 */
	/**
	 * Close this process's descriptor of a socket no server took: the socket itself, its
	 * file and other processes' descriptors of it are left as they are.
	 */
	public void close() {
		SocketDescriptors.closeDescriptorOnly(this.channel);
	}

	private static AFUNIXServerSocketChannel keepFile(AFUNIXServerSocketChannel channel) {
		channel.setDeleteOnClose(false);
		channel.setShutdownOnClose(false);
		return channel;
	}

	private static AFUNIXDatagramChannel keepFile(AFUNIXDatagramChannel channel) {
		channel.setDeleteOnClose(false);
		channel.setShutdownOnClose(false);
		return channel;
	}

	private static @Nullable String orBound(@Nullable String given, @Nullable SocketAddress bound) {
		return (given != null) ? given : address(bound);
	}

	private static @Nullable String address(@Nullable SocketAddress address) {
		if (!(address instanceof AFUNIXSocketAddress unix)) {
			return null;
		}
		return unix.isInAbstractNamespace() ? NativeSockets.describe(unix) : unix.getPath();
	}

	/** @return the inherited descriptor number */
	public int fd() {
		return this.fd;
	}

	/** @return its name ({@code FileDescriptorName=}), {@code null} if it has none */
	public @Nullable String name() {
		return this.name;
	}

	/** @return stream or datagram */
	public ServerType type() {
		return this.type;
	}

	/**
	 * @return the path it is bound to, {@code "@name"} in the abstract namespace, or
	 * {@code null} if it is not bound
	 */
	public @Nullable String address() {
		return this.address;
	}

	/**
	 * @return the socket's channel, to serve and never close: closing a junixsocket
	 * channel shuts the socket down for every descriptor of it, systemd's included
	 */
	AFUNIXServerSocketChannel streamChannel() {
		return (AFUNIXServerSocketChannel) this.channel;
	}

	/** @return the socket's channel, to serve and never close (see {@link #streamChannel()}) */
	AFUNIXDatagramChannel datagramChannel() {
		return (AFUNIXDatagramChannel) this.channel;
	}

	@Override
	public String toString() {
		return "inherited " + EnumNames.of(this.type) + " socket on descriptor " + this.fd
				+ ((this.name != null) ? " ('" + LogValues.escape(this.name) + "')" : "")
				+ ((this.address != null) ? " at " + LogValues.escape(this.address) : "");
	}

}
