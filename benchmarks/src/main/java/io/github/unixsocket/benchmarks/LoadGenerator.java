package io.github.unixsocket.benchmarks;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * Closed-loop ping-pong load over N stream connections on one selector thread: each
 * connection sends one request, waits for the whole reply, verifies it byte for byte,
 * records the round trip and sends the next. In echo mode every message carries its
 * connection and sequence number, so a reply from the wrong connection or a stale one is
 * an error; in request mode the same request always expects the same reply (e.g. a
 * {@code ping} command).
 */
public final class LoadGenerator {

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private final Path path;

	private final int connections;

	private final int messageBytes;

	/** Fixed request and expected reply, or {@code null} in echo mode. */
	private final byte[] request;

	private final byte[] reply;

	/** Echo mode with messages that are lines. */
	private final boolean lines;

	/** Echo mode: messages of {@code messageBytes} with a 16-byte header. */
	public LoadGenerator(Path path, int connections, int messageBytes) {
		this(path, connections, messageBytes, false);
	}

	/**
	 * Echo mode.
	 * @param path the server's socket
	 * @param connections how many
	 * @param messageBytes bytes per message, its 16-byte header (and newline) included
	 * @param lines whether each message is a line: printable bytes, the last one {@code \n}
	 */
	public LoadGenerator(Path path, int connections, int messageBytes, boolean lines) {
		if (messageBytes < (lines ? 17 : 16)) {
			throw new IllegalArgumentException("messages carry a 16-byte header" + (lines ? " and a newline" : "")
					+ ": use at least " + (lines ? 17 : 16) + " bytes");
		}
		this.path = path;
		this.connections = connections;
		this.messageBytes = messageBytes;
		this.request = null;
		this.reply = null;
		this.lines = lines;
	}

	/** Request mode: the same request, the same expected reply. */
	public LoadGenerator(Path path, int connections, byte[] request, byte[] reply) {
		this.path = path;
		this.connections = connections;
		this.messageBytes = request.length;
		this.request = request.clone();
		this.reply = reply.clone();
		this.lines = false;
	}

	/**
	 * Run the load; ends by itself after warm-up plus measurement.
	 * @param warmup not recorded
	 * @param measure recorded
	 * @return what was measured
	 */
	public Result run(Duration warmup, Duration measure) throws IOException {
		Histogram histogram = new Histogram(3_600_000_000_000L, 2);
		long errors = 0;
		long requests = 0;
		try (Selector selector = Selector.open()) {
			List<Client> clients = new ArrayList<>();
			for (int i = 0; i < this.connections; i++) {
				SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
				channel.connect(UnixDomainSocketAddress.of(this.path));
				channel.configureBlocking(false);
				Client client = new Client(i, channel);
				client.key = channel.register(selector, SelectionKey.OP_READ, client);
				clients.add(client);
			}
			long start = System.nanoTime();
			long measureFrom = start + warmup.toNanos();
			long end = measureFrom + measure.toNanos();
			for (Client client : clients) {
				client.send(System.nanoTime());
			}
			long now = start;
			while (now < end) {
				selector.select(100);
				now = System.nanoTime();
				for (SelectionKey key : selector.selectedKeys()) {
					Client client = (Client) key.attachment();
					try {
						if (key.isWritable()) {
							client.flush();
						}
						if (key.isReadable() && client.receive()) {
							if (client.sentAt >= measureFrom) {
								histogram.recordValue(Math.max(1, now - client.sentAt));
								requests++;
							}
							if (!client.verify()) {
								errors++;
							}
							client.send(now);
						}
					}
					catch (IOException ex) {
						errors++;
						key.cancel();
						client.channel.close();
					}
				}
				selector.selectedKeys().clear();
			}
			for (Client client : clients) {
				client.channel.close();
			}
			double seconds = (now - measureFrom) / 1e9;
			return new Result(this.connections, this.messageBytes, requests, requests / seconds,
					histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
					histogram.getValueAtPercentile(99.9) / 1e3, errors, mode());
		}
	}

	private String mode() {
		return (this.reply != null) ? "request" : this.lines ? "lines" : "echo";
	}

	/** One line, {@code RESULT key=value ...}, and the parsed figures. */
	public record Result(int connections, int messageBytes, long requests, double rps, double p50Micros,
			double p99Micros, double p999Micros, long errors, String mode) {

		public String line() {
			return String.format(Locale.ROOT,
					"RESULT conns=%d msg=%d requests=%d rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f errors=%d "
							+ "mode=%s",
					this.connections, this.messageBytes, this.requests, this.rps, this.p50Micros, this.p99Micros,
					this.p999Micros, this.errors, this.mode);
		}

	}

	private final class Client {

		private final int id;

		private final SocketChannel channel;

		private final ByteBuffer out = ByteBuffer.allocateDirect(LoadGenerator.this.messageBytes);

		private final ByteBuffer expected;

		private final ByteBuffer in;

		private SelectionKey key;

		private long sequence;

		private long sentAt;

		Client(int id, SocketChannel channel) {
			this.id = id;
			this.channel = channel;
			byte[] reply = LoadGenerator.this.reply;
			if (reply == null && LoadGenerator.this.lines) {
				for (int i = 16; i < this.out.capacity() - 1; i++) {
					this.out.put(i, (byte) ('!' + Math.floorMod(i * 31 + id, 94)));
				}
				this.out.put(this.out.capacity() - 1, (byte) '\n');
				this.expected = this.out;
			}
			else if (reply == null) {
				for (int i = 16; i < this.out.capacity(); i++) {
					this.out.put(i, (byte) (i * 31 + id));
				}
				this.expected = this.out;
			}
			else {
				this.out.put(0, LoadGenerator.this.request);
				this.expected = ByteBuffer.allocateDirect(reply.length).put(0, reply);
			}
			this.in = ByteBuffer.allocateDirect(this.expected.capacity());
		}

		void send(long now) throws IOException {
			this.sequence++;
			this.out.clear();
			if (LoadGenerator.this.lines) {
				putHex(this.out, 0, this.id);
				putHex(this.out, 8, (int) this.sequence);
			}
			else if (LoadGenerator.this.reply == null) {
				this.out.putLong(0, this.id);
				this.out.putLong(8, this.sequence);
			}
			this.in.clear();
			this.sentAt = now;
			flush();
		}

		void flush() throws IOException {
			this.channel.write(this.out);
			this.key.interestOps(this.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
					: SelectionKey.OP_READ);
		}

		/** @return whether the whole echo has arrived */
		boolean receive() throws IOException {
			if (this.channel.read(this.in) < 0) {
				throw new IOException("server closed connection " + this.id);
			}
			return !this.in.hasRemaining();
		}

		/** Eight hex digits of {@code value} at {@code index}: text, never a newline. */
		private static void putHex(ByteBuffer buffer, int index, int value) {
			for (int i = 7; i >= 0; i--) {
				buffer.put(index + i, (byte) HEX[value & 0xF]);
				value >>>= 4;
			}
		}

		boolean verify() {
			this.expected.clear();
			this.in.flip();
			return this.in.equals(this.expected);
		}

	}

}
