package io.github.unixsocket.client;

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
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client for the stream servers, usable without Spring: {@link #send commands},
 * {@link #sendLine lines} and {@link #sendFrame length-prefixed} request/reply. Every wait
 * is bounded: connecting by the connect timeout, every read and write by the read
 * timeout (the channel is non-blocking and waits in a {@link Selector}, since a JDK
 * {@code SocketChannel} has no read timeout). A timeout throws
 * {@link SocketTimeoutException} and closes the client, since a late reply would
 * otherwise be taken for the next one's.
 * <p>
 * Thread-safe: requests from several threads are sent one at a time, each waiting for its
 * reply. For parallel requests, open one client per thread. {@link #send} needs Jackson 3
 * ({@code tools.jackson.core:jackson-databind}) on the class path.
 *
 * <pre>
 * try (UnixSocketClient client = UnixSocketClient.connect(Path.of("/run/app/admin.sock"))) {
 *     CommandReply reply = client.send("echo", Map.of("text", "hi"));
 *     String text = reply.payload(String.class);
 * }
 * </pre>
 */
public final class UnixSocketClient implements AutoCloseable {

	private static final int PREFIX_SIZE = 4;

	private final SocketChannel channel;

	private final Selector selector;

	private final SelectionKey key;

	private final long readTimeoutNanos;

	private final int maxMessageSize;

	/** Received bytes not yet consumed are in[0, position). */
	private ByteBuffer in = ByteBuffer.allocate(8192);

	private long nextId = 1;

	private UnixSocketClient(Builder builder) throws IOException {
		this.readTimeoutNanos = builder.readTimeout.toNanos();
		this.maxMessageSize = builder.maxMessageSize;
		this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			this.channel.configureBlocking(false);
			this.selector = Selector.open();
			this.key = this.channel.register(this.selector, 0);
			connect(UnixDomainSocketAddress.of(builder.path), builder.connectTimeout.toNanos());
		}
		catch (IOException | RuntimeException ex) {
			close();
			throw ex;
		}
	}

	/**
	 * Connect with the defaults: 5s to connect, 30s per read, replies up to 16MB.
	 * @param path the socket path
	 * @return a connected client
	 * @throws IOException if the connection fails or times out
	 */
	public static UnixSocketClient connect(Path path) throws IOException {
		return builder(path).connect();
	}

	/**
	 * @param path the socket path
	 * @return a builder, to set timeouts
	 */
	public static Builder builder(Path path) {
		return new Builder(path);
	}

	/**
	 * Send a command and wait for its reply (protocol {@code commands}).
	 * @param command the command word
	 * @param args its arguments, serialised as JSON; {@code null} for none
	 * @return the reply, ok or error
	 * @throws IOException on I/O failure, a timeout, or a reply that does not match
	 */
	public synchronized CommandReply send(String command, @Nullable Map<String, ?> args) throws IOException {
		JsonMapper mapper = JsonMapper.shared();
		long id = this.nextId++;
		ObjectNode request = mapper.createObjectNode();
		request.put("id", id);
		request.put("command", command);
		request.set("args", mapper.valueToTree((args != null) ? args : Map.of()));
		String line = sendLine(mapper.writeValueAsString(request));
		JsonNode reply;
		try {
			reply = mapper.readTree(line);
		}
		catch (JacksonException ex) {
			throw new IOException("Not a command reply: " + abbreviate(line), ex);
		}
		String status = reply.path("status").asString(null);
		if (!"ok".equals(status) && !"error".equals(status)) {
			throw new IOException("Not a command reply: " + abbreviate(line));
		}
		JsonNode replyId = reply.get("id");
		if (replyId == null || !replyId.canConvertToLong() || replyId.asLong() != id) {
			throw new IOException("Expected the reply to request " + id + ", got: " + abbreviate(line));
		}
		JsonNode error = reply.get("error");
		return new CommandReply(replyId, status, reply.get("payload"), (error != null) ? error.asString() : null);
	}

	/**
	 * Send a line and wait for the reply line (protocols {@code lines} and
	 * {@code commands}).
	 * @param line the request, without a newline
	 * @return the reply, without its newline
	 * @throws IOException on I/O failure or a timeout
	 */
	public synchronized String sendLine(String line) throws IOException {
		byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
		ByteBuffer request = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
		write(request);
		return new String(readLine(), StandardCharsets.UTF_8);
	}

	/**
	 * Send a message and wait for the reply (protocol {@code length-prefixed}).
	 * @param message the message, without its prefix
	 * @return the reply, without its prefix
	 * @throws IOException on I/O failure, a timeout, or a reply over the size limit
	 */
	public synchronized byte[] sendFrame(byte[] message) throws IOException {
		write(ByteBuffer.allocate(PREFIX_SIZE + message.length).putInt(message.length).put(message).flip());
		long deadline = System.nanoTime() + this.readTimeoutNanos;
		while (this.in.position() < PREFIX_SIZE) {
			fill(deadline);
		}
		int length = this.in.getInt(0);
		if (length < 0 || length > this.maxMessageSize) {
			close();
			throw new IOException("Reply of " + Integer.toUnsignedLong(length) + " bytes exceeds the limit of "
					+ this.maxMessageSize);
		}
		while (this.in.position() < PREFIX_SIZE + length) {
			fill(deadline);
		}
		return consume(PREFIX_SIZE, PREFIX_SIZE + length);
	}

	/** @return whether the connection is open */
	public boolean isOpen() {
		return this.channel.isOpen();
	}

	@Override
	public void close() throws IOException {
		try {
			this.channel.close();
		}
		finally {
			if (this.selector != null) {
				this.selector.close();
			}
		}
	}

	private void connect(UnixDomainSocketAddress address, long timeoutNanos) throws IOException {
		if (this.channel.connect(address)) {
			return;
		}
		long deadline = System.nanoTime() + timeoutNanos;
		while (!this.channel.finishConnect()) {
			await(SelectionKey.OP_CONNECT, deadline, "connecting to " + address);
		}
	}

	private byte[] readLine() throws IOException {
		long deadline = System.nanoTime() + this.readTimeoutNanos;
		int scanned = 0;
		while (true) {
			byte[] bytes = this.in.array();
			for (int i = scanned; i < this.in.position(); i++) {
				if (bytes[i] == '\n') {
					return consume(0, (i > 0 && bytes[i - 1] == '\r') ? i - 1 : i, i + 1);
				}
			}
			scanned = this.in.position();
			if (scanned > this.maxMessageSize) {
				close();
				throw new IOException("Reply longer than the limit of " + this.maxMessageSize + " bytes");
			}
			fill(deadline);
		}
	}

	private byte[] consume(int from, int to) {
		return consume(from, to, to);
	}

	/** @return in[from, to), after dropping in[0, end) */
	private byte[] consume(int from, int to, int end) {
		byte[] message = Arrays.copyOfRange(this.in.array(), from, to);
		this.in.flip().position(end);
		this.in.compact();
		return message;
	}

	private void fill(long deadline) throws IOException {
		if (!this.in.hasRemaining()) {
			int capacity = (int) Math.min((long) this.in.capacity() * 2, (long) this.maxMessageSize + PREFIX_SIZE + 1);
			this.in = ByteBuffer.allocate(Math.max(capacity, this.in.capacity() + 1)).put(this.in.flip());
		}
		int n;
		while ((n = this.channel.read(this.in)) == 0) {
			await(SelectionKey.OP_READ, deadline, "waiting for a reply");
		}
		if (n < 0) {
			close();
			throw new EOFException("The server closed the connection");
		}
	}

	private void write(ByteBuffer buffer) throws IOException {
		long deadline = System.nanoTime() + this.readTimeoutNanos;
		while (buffer.hasRemaining()) {
			if (this.channel.write(buffer) == 0) {
				await(SelectionKey.OP_WRITE, deadline, "sending");
			}
		}
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
			throw new SocketTimeoutException("Timed out " + what);
		}
	}

	private static String abbreviate(String text) {
		return (text.length() > 200) ? text.substring(0, 200) + "..." : text;
	}

	/** Connection settings of a {@link UnixSocketClient}. */
	public static final class Builder {

		private final Path path;

		private Duration connectTimeout = Duration.ofSeconds(5);

		private Duration readTimeout = Duration.ofSeconds(30);

		private int maxMessageSize = 16 * 1024 * 1024;

		private Builder(Path path) {
			this.path = Objects.requireNonNull(path, "path");
		}

		/**
		 * @param timeout how long connecting may take (default 5s)
		 * @return this builder
		 */
		public Builder connectTimeout(Duration timeout) {
			this.connectTimeout = positive(timeout, "connectTimeout");
			return this;
		}

		/**
		 * @param timeout how long a reply, or room to send, may take (default 30s)
		 * @return this builder
		 */
		public Builder readTimeout(Duration timeout) {
			this.readTimeout = positive(timeout, "readTimeout");
			return this;
		}

		/**
		 * @param bytes largest reply accepted (default 16MB)
		 * @return this builder
		 */
		public Builder maxMessageSize(int bytes) {
			if (bytes <= 0 || bytes > Integer.MAX_VALUE - 16) {
				throw new IllegalArgumentException("maxMessageSize must be positive and below 2GB");
			}
			this.maxMessageSize = bytes;
			return this;
		}

		/**
		 * @return a connected client
		 * @throws IOException if the connection fails or times out
		 */
		public UnixSocketClient connect() throws IOException {
			return new UnixSocketClient(this);
		}

		private static Duration positive(Duration timeout, String name) {
			if (timeout == null || timeout.isNegative() || timeout.isZero()) {
				throw new IllegalArgumentException(name + " must be positive");
			}
			return timeout;
		}

	}

}
