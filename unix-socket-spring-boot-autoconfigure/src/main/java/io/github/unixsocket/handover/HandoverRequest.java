package io.github.unixsocket.handover;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.LogValues;
import io.github.unixsocket.server.peer.ProcessUser;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The new instance's side of a handover: it takes the running instance's listening
 * sockets over its control socket, serves them alongside it, and once its application is
 * {@link #ready ready} tells the old one, which then stops. Until then the old instance
 * serves on: a new instance that fails to start just closes this request.
 */
public final class HandoverRequest implements Closeable {

	private static final Log logger = LogFactory.getLog(HandoverRequest.class);

	/** Room for {@link HandoverProtocol#MAX_SOCKETS} descriptors ({@code CMSG_SPACE}) and more. */
	private static final int ANCILLARY_BUFFER = 1024;

	private final AFUNIXSocket socket;

	private final Path path;

	private final List<InheritedSocket> sockets;

	private HandoverRequest(AFUNIXSocket socket, Path path, List<InheritedSocket> sockets) {
		this.socket = socket;
		this.path = path;
		this.sockets = List.copyOf(sockets);
	}

	/**
	 * Ask the instance listening on {@code path} for its sockets.
	 * @param path the control socket
	 * @param timeout how long each reply may take
	 * @return the request, holding the sockets; {@code null} if no instance listens there
	 * (no file, or a stale one)
	 * @throws IOException if the control socket is another user's, or the reply is not a
	 * handover: every descriptor received is closed then
	 */
	public static @Nullable HandoverRequest request(Path path, Duration timeout) throws IOException {
		if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
			return null;
		}
		AFUNIXSocket socket;
		try {
			socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
		}
		catch (SocketException ex) {
			if (String.valueOf(ex.getMessage()).contains("refused")) {
				logger.info("No instance listens on the handover socket " + path + " (a stale file): binding anew");
				return null;
			}
			throw ex;
		}
		List<InheritedSocket> sockets = new ArrayList<>();
		try {
			long uid = socket.getPeerCredentials().getUid();
			if (uid != ProcessUser.uid()) {
				throw new IOException("it is served by uid " + uid + ", not by this process's user, "
						+ ProcessUser.describe());
			}
			socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
			socket.setAncillaryReceiveBufferSize(ANCILLARY_BUFFER);
			HandoverProtocol.write(socket.getOutputStream(), HandoverProtocol.HELLO);
			String line = HandoverProtocol.readLine(socket.getInputStream());
			FileDescriptor[] received = socket.getReceivedFileDescriptors();
			List<String> names = HandoverProtocol.names(line, HandoverProtocol.SOCKETS);
			int count = (received != null) ? received.length : 0;
			for (int i = 0; i < count; i++) {
				String[] entry = (names != null && i < names.size()) ? HandoverProtocol.socket(names.get(i)) : null;
				try {
					if (entry == null) {
						throw new IOException("not named");
					}
					sockets.add(InheritedSocket.adopt(received[i], entry[0], entry[1]));
				}
				catch (IOException ex) {
					closeQuietly(received[i]);
				}
			}
			if (names == null || names.size() != count || sockets.size() != count) {
				throw new IOException("the reply is not a handover: '" + LogValues.escape(line) + "' with " + count
						+ " descriptor(s)");
			}
		}
		catch (IOException | RuntimeException ex) {
			sockets.forEach(InheritedSocket::close);
			socket.close();
			throw ex;
		}
		logger.info("Took " + sockets + " over from the running instance (pid "
				+ socket.getPeerCredentials().getPid() + ") through " + path);
		return new HandoverRequest(socket, path, sockets);
	}

	/** @return the sockets taken over, named after the old instance's servers */
	public List<InheritedSocket> sockets() {
		return this.sockets;
	}

	/**
	 * Tell the old instance this one serves these sockets now; it stops using them and
	 * frees the control socket.
	 * @param served the names of the servers this instance serves taken-over sockets with
	 * @return whether the old instance confirmed; if not it may still be serving
	 */
	public boolean ready(Collection<String> served) {
		try {
			List<String> line = new ArrayList<>();
			line.add(HandoverProtocol.READY);
			line.addAll(served);
			HandoverProtocol.write(this.socket.getOutputStream(), String.join(" ", line));
			return HandoverProtocol.DONE.equals(HandoverProtocol.readLine(this.socket.getInputStream()));
		}
		catch (IOException ex) {
			logger.warn("The running instance did not confirm the handover on " + this.path + ": "
					+ LogValues.escape(ex.getMessage()));
			return false;
		}
		finally {
			close();
		}
	}

	/** End the request: an old instance not told {@link #ready} goes on serving. */
	@Override
	public void close() {
		try {
			this.socket.close();
		}
		catch (IOException ex) {
			// Closed already.
		}
	}

	private static void closeQuietly(FileDescriptor descriptor) {
		try {
			new FileInputStream(descriptor).close();
		}
		catch (IOException ex) {
			// Nothing more to do for a descriptor that is not a socket.
		}
	}

}
