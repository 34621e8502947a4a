package io.github.unixsocket.client;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;

import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Sends datagrams to a Unix datagram server, and receives its replies. To get replies the
 * client binds its own socket in a private (0700) temporary directory, removed on
 * {@link #close()}; a server only sees that address. Needs junixsocket's native library
 * (the JDK has no Unix datagram sockets). Not thread-safe: use one client per thread.
 *
 * <pre>
 * try (UnixDatagramClient client = UnixDatagramClient.connect(Path.of("/run/app/events.sock"))) {
 *     String reply = client.request("disk almost full", Duration.ofSeconds(1)); // "ok 1"
 * }
 * </pre>
 */
public final class UnixDatagramClient implements AutoCloseable {

	private static final int MAX_REPLY_SIZE = 64 * 1024;

	private final AFUNIXDatagramSocket socket;

	private final Path privateDirectory;

	private UnixDatagramClient(AFUNIXDatagramSocket socket, Path privateDirectory) {
		this.socket = socket;
		this.privateDirectory = privateDirectory;
	}

	/**
	 * A client bound to a fresh private address, connected to the server.
	 * @param server the server's socket path
	 * @return the client
	 * @throws IOException if the socket cannot be created, bound or connected
	 */
	public static UnixDatagramClient connect(Path server) throws IOException {
		Path directory = Files.createTempDirectory("uds-client",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		AFUNIXDatagramSocket socket = AFUNIXDatagramSocket.newInstance();
		try {
			socket.bind(AFUNIXSocketAddress.of(directory.resolve("c.sock")));
			socket.connect(AFUNIXSocketAddress.of(server));
			return new UnixDatagramClient(socket, directory);
		}
		catch (IOException ex) {
			socket.close();
			deleteQuietly(directory);
			throw ex;
		}
	}

	/**
	 * Send one datagram; blocks while the server's queue is full.
	 * @param payload the datagram
	 * @throws IOException if it cannot be sent (e.g. the server is gone)
	 */
	public void send(byte[] payload) throws IOException {
		this.socket.send(new DatagramPacket(payload, payload.length));
	}

	/**
	 * Wait for the next datagram from the server.
	 * @param timeout how long to wait
	 * @return the datagram's bytes
	 * @throws SocketTimeoutException if none arrives in time
	 * @throws IOException on other failures
	 */
	public byte[] receive(Duration timeout) throws IOException {
		this.socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
		DatagramPacket packet = new DatagramPacket(new byte[MAX_REPLY_SIZE], MAX_REPLY_SIZE);
		this.socket.receive(packet);
		return Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
	}

	/**
	 * Send a UTF-8 text datagram and wait for the reply.
	 * @param text the request
	 * @param timeout how long to wait for the reply
	 * @return the reply as UTF-8 text
	 * @throws IOException on failure or timeout ({@link SocketTimeoutException})
	 */
	public String request(String text, Duration timeout) throws IOException {
		send(text.getBytes(StandardCharsets.UTF_8));
		return new String(receive(timeout), StandardCharsets.UTF_8);
	}

	@Override
	public void close() {
		this.socket.close();
		deleteQuietly(this.privateDirectory);
	}

	private static void deleteQuietly(Path directory) {
		try {
			Files.deleteIfExists(directory.resolve("c.sock"));
			Files.deleteIfExists(directory);
		}
		catch (IOException ex) {
			// a temporary directory: nothing else to do
		}
	}

}
