package io.github.unixsocket.test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * A raw connection to a stream server, for handlers that read and write bytes as they
 * please ({@code protocol: raw}), or to send a framed server bytes no client library
 * would: write bytes, read bytes, shut down the output (half-close). Every call waits at
 * most the timeout it was opened with, then throws {@link SocketTimeoutException} and
 * closes the connection, so a handler that never answers fails the test instead of
 * hanging it. Obtained from {@link UnixSocketTestClients#connect(String)}. Not thread-safe.
 *
 * <pre>
 * try (RawConnection echo = sockets.connect("echo")) {
 *     echo.write("one\n");
 *     assertThat(echo.readLine()).isEqualTo("one");
 *     assertThat(echo.write("two").shutdownOutput().readAll()).isEqualTo("two");
 * }
 * </pre>
 */
public final class RawConnection implements AutoCloseable {

	/** Most bytes {@link #readAllBytes()} and {@link #readLine()} take: a test's replies are small. */
	private static final int MAX_READ = 16 * 1024 * 1024;

	private final SocketChannel channel;

	private final Selector selector;

	private final SelectionKey key;

	private final Duration timeout;

	/** Received bytes not yet consumed are in[0, position). */
	private ByteBuffer in = ByteBuffer.allocate(8192);

	private boolean endOfInput;

	private RawConnection(Path path, Duration timeout) throws IOException {
		this.timeout = timeout;
		this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		Selector selector = null;
		try {
			// Non-blocking, waiting in a selector: a JDK SocketChannel has no read timeout.
			this.channel.configureBlocking(false);
			selector = Selector.open();
			this.key = this.channel.register(selector, 0);
			this.selector = selector;
			long deadline = deadline();
			if (!this.channel.connect(UnixDomainSocketAddress.of(path))) {
				while (!this.channel.finishConnect()) {
					await(SelectionKey.OP_CONNECT, deadline, "connecting to " + path);
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			this.channel.close();
			if (selector != null) {
				selector.close();
			}
			throw ex;
		}
	}

	static RawConnection connect(Path path, Duration timeout) throws IOException {
		return new RawConnection(path, timeout);
	}

	/**
	 * Write all the bytes.
	 * @param bytes what to send
	 * @return this connection
	 * @throws IOException on failure, or a {@link SocketTimeoutException} if the server
	 * does not take them in time
	 */
	public RawConnection write(byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		long deadline = deadline();
		while (buffer.hasRemaining()) {
			if (this.channel.write(buffer) == 0) {
				await(SelectionKey.OP_WRITE, deadline, "sending");
			}
		}
		return this;
	}

	/**
	 * Write text as UTF-8, adding nothing (no newline).
	 * @param text what to send
	 * @return this connection
	 * @throws IOException on failure or timeout
	 */
	public RawConnection write(String text) throws IOException {
		return write(text.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Shut down the output: the server reads end of input, while this connection can still
	 * read its reply (what {@code nc -N} does).
	 * @return this connection
	 * @throws IOException on failure
	 */
	public RawConnection shutdownOutput() throws IOException {
		this.channel.shutdownOutput();
		return this;
	}

	/**
	 * Read exactly {@code length} bytes.
	 * @param length how many
	 * @return the bytes
	 * @throws EOFException if the server closes the connection before
	 * @throws IOException on failure, or a {@link SocketTimeoutException} if they do not
	 * arrive in time
	 */
	public byte[] readNBytes(int length) throws IOException {
		long deadline = deadline();
		while (this.in.position() < length) {
			if (!fill(deadline, length)) {
				throw new EOFException("The server closed the connection after " + this.in.position() + " of "
						+ length + " bytes");
			}
		}
		return consume(length, length);
	}

	/**
	 * Read a line of UTF-8 text.
	 * @return the line, without its {@code \n} (nor a {@code \r} before it)
	 * @throws EOFException if the server closes the connection before a {@code \n}
	 * @throws IOException on failure, or a {@link SocketTimeoutException} if no line
	 * arrives in time
	 */
	public String readLine() throws IOException {
		long deadline = deadline();
		int scanned = 0;
		while (true) {
			byte[] bytes = this.in.array();
			for (int i = scanned; i < this.in.position(); i++) {
				if (bytes[i] == '\n') {
					int end = (i > 0 && bytes[i - 1] == '\r') ? i - 1 : i;
					return new String(consume(end, i + 1), StandardCharsets.UTF_8);
				}
			}
			scanned = this.in.position();
			if (!fill(deadline, MAX_READ)) {
				throw new EOFException("The server closed the connection before the end of a line");
			}
		}
	}

	/**
	 * Read until the server closes the connection (or shuts down its output).
	 * @return every byte received until then
	 * @throws IOException on failure, or a {@link SocketTimeoutException} if the server
	 * does not close the connection in time
	 */
	public byte[] readAllBytes() throws IOException {
		long deadline = deadline();
		while (fill(deadline, MAX_READ)) {
			// until end of input
		}
		return consume(this.in.position(), this.in.position());
	}

	/**
	 * Read UTF-8 text until the server closes the connection (or shuts down its output).
	 * @return the text received until then
	 * @throws IOException on failure, or a {@link SocketTimeoutException} if the server
	 * does not close the connection in time
	 */
	public String readAll() throws IOException {
		return new String(readAllBytes(), StandardCharsets.UTF_8);
	}

	/** @return whether the connection is open: not closed, nor timed out */
	public boolean isOpen() {
		return this.channel.isOpen();
	}

	@Override
	public void close() throws IOException {
		try {
			this.channel.close();
		}
		finally {
			this.selector.close();
		}
	}

	@Override
	public String toString() {
		return "RawConnection to " + this.channel;
	}

	private long deadline() {
		return System.nanoTime() + this.timeout.toNanos();
	}

	/**
	 * Read what arrives next.
	 * @return {@code false} at end of input
	 */
	private boolean fill(long deadline, int limit) throws IOException {
		if (this.endOfInput) {
			return false;
		}
		if (!this.in.hasRemaining()) {
			if (this.in.capacity() >= limit) {
				close();
				throw new IOException("More than " + limit + " bytes without an end");
			}
			this.in = ByteBuffer.allocate((int) Math.min((long) this.in.capacity() * 2, limit)).put(this.in.flip());
		}
		int n;
		while ((n = this.channel.read(this.in)) == 0) {
			await(SelectionKey.OP_READ, deadline, "waiting for bytes");
		}
		if (n < 0) {
			this.endOfInput = true;
			return false;
		}
		return true;
	}

	/** @return in[0, to), after dropping in[0, end) */
	private byte[] consume(int to, int end) {
		byte[] bytes = Arrays.copyOf(this.in.array(), to);
		this.in.flip().position(end);
		this.in.compact();
		return bytes;
	}

	private void await(int operation, long deadline, String what) throws IOException {
		long remaining = deadline - System.nanoTime();
		if (remaining > 0) {
			this.key.interestOps(operation);
			this.selector.select(Math.max(1, remaining / 1_000_000));
			this.key.interestOps(0);
			this.selector.selectedKeys().clear();
		}
		if (deadline - System.nanoTime() <= 0) {
			close();
			throw new SocketTimeoutException("Timed out " + what + " after " + this.timeout.toMillis() + "ms");
		}
	}

}
