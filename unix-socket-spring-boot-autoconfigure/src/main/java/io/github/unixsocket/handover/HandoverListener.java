package io.github.unixsocket.handover;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.unixsocket.server.LogValues;
import io.github.unixsocket.server.file.SocketFile;
import io.github.unixsocket.server.file.SocketFileOptions;
import io.github.unixsocket.server.peer.ProcessUser;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * The running instance's side of a handover: a control socket, bound like a server's
 * socket (mode {@code 0600}, no permission race, a stale file reclaimed), where a new
 * instance of the same user takes the listening sockets ({@link HandoverProtocol}). One
 * request at a time, on one daemon thread. A peer of another uid is refused before
 * anything is sent; a new instance that closes, times out or says anything unexpected
 * leaves this one serving as before, and listening for the next request.
 */
public final class HandoverListener implements Closeable {

	private static final Log logger = LogFactory.getLog(HandoverListener.class);

	/** What the running instance hands over. */
	public interface Offer {

		/** @return the sockets to pass, in order */
		List<Socket> sockets();

		/**
		 * The new instance serves these sockets now; called once, after this listener
		 * closed: leave those sockets in place and retire.
		 * @param names the servers whose sockets the new instance serves
		 */
		void handedOver(Set<String> names);

	}

	/**
	 * A socket to pass.
	 * @param name its server's name
	 * @param address the path (or {@code "@name"}) it is served at
	 * @param descriptor its descriptor in this process
	 */
	public record Socket(String name, String address, FileDescriptor descriptor) {
	}

	private final AFUNIXServerSocketChannel channel;

	private final SocketFile file;

	private final Duration timeout;

	private final Offer offer;

	private final Thread thread;

	private volatile boolean closed;

	/** The request being served, closed with the listener. */
	private volatile @Nullable AFUNIXSocketChannel current;

	private HandoverListener(AFUNIXServerSocketChannel channel, SocketFile file, Duration timeout, Offer offer) {
		this.channel = channel;
		this.file = file;
		this.timeout = timeout;
		this.offer = offer;
		this.thread = new Thread(this::listen, "unix-socket-handover");
		this.thread.setDaemon(true);
	}

	/**
	 * Bind the control socket and listen for a new instance.
	 * @param path the control socket's path
	 * @param timeout how long a new instance may take to be ready once it has the sockets
	 * @param offer the sockets, and what to do once they are handed over
	 * @return the listener, listening
	 * @throws IOException if the path cannot be bound (a {@code SocketFileException} says why)
	 */
	public static HandoverListener open(Path path, Duration timeout, Offer offer) throws IOException {
		return open(SocketFileOptions.of(path), timeout, offer);
	}

	/** With other file options: tests open it to every user, to reach the peer check. */
	static HandoverListener open(SocketFileOptions options, Duration timeout, Offer offer) throws IOException {
		AFUNIXServerSocketChannel channel = AFUNIXServerSocketChannel.open();
		// The file is SocketFile's to remove.
		channel.setDeleteOnClose(false);
		SocketFile file;
		try (SocketFile.StreamBinding binding = SocketFile.prepareStream(options)) {
			channel.bind(AFUNIXSocketAddress.of(binding.bindPath()), 4);
			// junixsocket stops accepting once the name it was bound at is gone: it is kept until close.
			file = binding.publish(true);
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
		HandoverListener listener = new HandoverListener(channel, file, timeout, offer);
		listener.thread.start();
		return listener;
	}

	/** @return the control socket's path */
	public Path path() {
		return this.file.path();
	}

	private void listen() {
		while (!this.closed) {
			try (AFUNIXSocketChannel connection = this.channel.accept()) {
				this.current = connection;
				if (serve((AFUNIXSocket) connection.socket())) {
					return;
				}
			}
			catch (ClosedChannelException ex) {
				return;
			}
			catch (IOException | RuntimeException ex) {
				if (this.closed) {
					return;
				}
				logger.warn("Socket handover on " + path() + " failed: " + LogValues.escape(ex.getMessage())
						+ "; this instance goes on serving");
			}
		}
	}

	/** @return whether the sockets were handed over: this listener is closed then */
	private boolean serve(AFUNIXSocket connection) throws IOException {
		long uid = connection.getPeerCredentials().getUid();
		if (uid != ProcessUser.uid()) {
			logger.warn("Refused a socket handover on " + path() + " to uid " + uid + ": only this process's user, "
					+ ProcessUser.describe() + ", may take its sockets");
			return false;
		}
		connection.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, this.timeout.toMillis())));
		InputStream in = connection.getInputStream();
		OutputStream out = connection.getOutputStream();
		if (!HandoverProtocol.HELLO.equals(HandoverProtocol.readLine(in))) {
			logger.warn("Ignored a request on the handover socket " + path() + " that is not '" + HandoverProtocol.HELLO
					+ "'");
			return false;
		}
		Map<String, Socket> sockets = new LinkedHashMap<>();
		for (Socket socket : this.offer.sockets()) {
			if (HandoverProtocol.validName(socket.name()) && sockets.size() < HandoverProtocol.MAX_SOCKETS) {
				sockets.put(socket.name(), socket);
			}
			else {
				logger.warn("Unix socket server '" + LogValues.escape(socket.name()) + "' is not handed over: its "
						+ "name is not printable ASCII without spaces, or more than " + HandoverProtocol.MAX_SOCKETS
						+ " servers are");
			}
		}
		connection.setOutboundFileDescriptors(
				sockets.values().stream().map(Socket::descriptor).toArray(FileDescriptor[]::new));
		HandoverProtocol.write(out, HandoverProtocol.sockets(sockets.values()));
		logger.info("Passed the sockets of " + sockets.keySet() + " to a new instance (pid "
				+ connection.getPeerCredentials().getPid() + "); serving on until it is ready");
		List<String> ready;
		try {
			ready = HandoverProtocol.names(HandoverProtocol.readLine(in), HandoverProtocol.READY);
		}
		catch (IOException ex) {
			// A timeout, typically (junixsocket reports EAGAIN).
			ready = null;
		}
		if (ready == null) {
			logger.warn("The new instance did not become ready within " + this.timeout + " (or closed the handover): "
					+ "this instance goes on serving");
			return false;
		}
		Set<String> servedThere = new LinkedHashSet<>(ready);
		servedThere.retainAll(sockets.keySet());
		unbind();
		HandoverProtocol.write(out, HandoverProtocol.DONE);
		logger.info("The new instance is ready and serves " + servedThere + ": this instance stops");
		this.offer.handedOver(servedThere);
		return true;
	}

	/** Stop listening, abandon a handover in progress, and remove the control socket if it is still ours. */
	@Override
	public void close() {
		unbind();
		AFUNIXSocketChannel connection = this.current;
		if (connection != null) {
			try {
				connection.close();
			}
			catch (IOException ex) {
				// Closed already.
			}
		}
	}

	private synchronized void unbind() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		this.file.deleteIfOurs();
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// Nothing is left to release.
		}
		this.file.close();
	}

}
