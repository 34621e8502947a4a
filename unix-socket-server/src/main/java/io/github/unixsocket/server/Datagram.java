package io.github.unixsocket.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * One datagram as a {@link DatagramHandler} sees it: its payload (at most the server's
 * max message size), the sender's address when the sender bound one, and a way to reply.
 * <p>
 * <b>What a handler may keep.</b> With {@link DatagramServer.Dispatch#RECEIVER} (the
 * default) the receiver reuses one {@code Datagram} and one buffer for every datagram, so
 * receiving allocates nothing per datagram: a {@code Datagram} and its {@link #payload()}
 * are valid only until the handler returns, and using them afterwards throws
 * {@link IllegalStateException}. Keep {@link #bytes()} or {@link #text()} (copies)
 * instead. With {@link DatagramServer.Dispatch#WORKERS} each datagram is copied for its
 * worker and stays valid.
 */
public final class Datagram {

	private final DatagramServer server;

	/** Read-only, position 0; the receive buffer itself when reused. */
	private final ByteBuffer payload;

	private final boolean reused;

	private @Nullable AFUNIXSocketAddress sender;

	private long receivedAtMillis;

	private boolean valid;

	private Datagram(DatagramServer server, ByteBuffer payload, boolean reused) {
		this.server = server;
		this.payload = payload;
		this.reused = reused;
	}

	/** A datagram that the receiver refills for each datagram it receives into {@code buffer}. */
	static Datagram reusing(DatagramServer server, ByteBuffer buffer) {
		return new Datagram(server, buffer.asReadOnlyBuffer(), true);
	}

	/** A datagram of its own: a copy of {@code received}'s remaining bytes. */
	static Datagram copyOf(DatagramServer server, ByteBuffer received, @Nullable AFUNIXSocketAddress sender) {
		byte[] copy = new byte[received.remaining()];
		received.get(copy);
		Datagram datagram = new Datagram(server, ByteBuffer.wrap(copy).asReadOnlyBuffer(), false);
		datagram.received(copy.length, sender);
		return datagram;
	}

	/** Refill: the payload is the buffer's first {@code size} bytes. */
	void received(int size, @Nullable AFUNIXSocketAddress sender) {
		this.payload.clear().limit(size);
		this.sender = sender;
		this.receivedAtMillis = System.currentTimeMillis();
		this.valid = true;
	}

	/** The handler returned: a reused datagram is no longer valid. */
	void handled() {
		if (this.reused) {
			this.valid = false;
			this.sender = null;
		}
	}

	private ByteBuffer checkedPayload() {
		if (!this.valid) {
			throw new IllegalStateException("A datagram is valid only until its handler returns (dispatch 'receiver' "
					+ "reuses it for the next one): keep datagram.bytes() or datagram.text() instead");
		}
		return this.payload;
	}

	/** @return the name of the server that received it */
	public String serverName() {
		return this.server.name();
	}

	/**
	 * @return the payload, a read-only view from position 0 (with dispatch
	 * {@code receiver}, of the reused receive buffer: valid until the handler returns)
	 */
	public ByteBuffer payload() {
		return checkedPayload().duplicate();
	}

	/** @return a copy of the payload, which the handler may keep */
	public byte[] bytes() {
		ByteBuffer payload = checkedPayload();
		byte[] bytes = new byte[payload.limit()];
		payload.get(0, bytes);
		return bytes;
	}

	/** @return the payload decoded as UTF-8 */
	public String text() {
		return new String(bytes(), StandardCharsets.UTF_8);
	}

	/** @return the payload's size in bytes */
	public int size() {
		return checkedPayload().limit();
	}

	/** @return when the server received it, to the millisecond */
	public Instant receivedAt() {
		checkedPayload();
		return Instant.ofEpochMilli(this.receivedAtMillis);
	}

	/**
	 * @return the sender's socket path ({@code "@name"} in the abstract namespace), or
	 * {@code null} when the sender did not bind its socket and cannot get a reply
	 */
	public @Nullable String sender() {
		checkedPayload();
		return NativeSockets.describe(this.sender);
	}

	/** @return whether the sender has an address to reply to */
	public boolean hasSender() {
		checkedPayload();
		return this.sender != null;
	}

	/**
	 * Send a datagram back to the sender, from the server's own address. Never blocks: a
	 * sender that does not read its replies does not stall the server. A reply goes only
	 * to a socket that could be the sender's: never to this application's own datagram
	 * sockets, never through a symbolic link, never into a directory others control, and
	 * never to an abstract address (whose exact name is not known); such replies are
	 * refused and counted ({@link DatagramServer#datagramRepliesRefused()}).
	 * @param reply the reply
	 * @return {@code true} if it was sent; {@code false} if the sender is unbound or gone,
	 * its receive queue is full, or the reply was refused
	 */
	public boolean reply(ByteBuffer reply) {
		checkedPayload();
		return this.sender != null && this.server.send(reply, this.sender);
	}

	/**
	 * @param reply the reply
	 * @return see {@link #reply(ByteBuffer)}
	 */
	public boolean reply(byte[] reply) {
		return reply(ByteBuffer.wrap(reply));
	}

	/**
	 * @param reply the reply, sent as UTF-8
	 * @return see {@link #reply(ByteBuffer)}
	 */
	public boolean reply(String reply) {
		return reply(reply.getBytes(StandardCharsets.UTF_8));
	}

	@Override
	public String toString() {
		if (!this.valid) {
			return "datagram on '" + this.server.name() + "' (handled)";
		}
		return "datagram of " + this.payload.limit() + " bytes on '" + this.server.name() + "' from "
				+ ((this.sender != null) ? LogValues.escape(NativeSockets.describe(this.sender)) : "an unbound sender");
	}

}
