package io.github.unixsocket.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * One datagram as a {@link DatagramHandler} sees it: its payload (at most the server's
 * max message size), the sender's address when the sender bound one, and a way to reply.
 */
public final class Datagram {

	private final DatagramServer server;

	private final byte[] payload;

	private final @Nullable AFUNIXSocketAddress sender;

	private final Instant receivedAt = Instant.now();

	Datagram(DatagramServer server, byte[] payload, @Nullable AFUNIXSocketAddress sender) {
		this.server = server;
		this.payload = payload;
		this.sender = sender;
	}

	/** @return the name of the server that received it */
	public String serverName() {
		return this.server.name();
	}

	/** @return the payload, read-only */
	public ByteBuffer payload() {
		return ByteBuffer.wrap(this.payload).asReadOnlyBuffer();
	}

	/** @return a copy of the payload */
	public byte[] bytes() {
		return this.payload.clone();
	}

	/** @return the payload decoded as UTF-8 */
	public String text() {
		return new String(this.payload, StandardCharsets.UTF_8);
	}

	/** @return the payload's size in bytes */
	public int size() {
		return this.payload.length;
	}

	/** @return when the server received it */
	public Instant receivedAt() {
		return this.receivedAt;
	}

	/**
	 * @return the sender's socket path ({@code "@name"} in the abstract namespace), or
	 * {@code null} when the sender did not bind its socket and cannot get a reply
	 */
	public @Nullable String sender() {
		return NativeSockets.describe(this.sender);
	}

	/** @return whether the sender has an address to reply to */
	public boolean hasSender() {
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
		return "datagram of " + this.payload.length + " bytes on '" + this.server.name() + "' from "
				+ (hasSender() ? sender() : "an unbound sender");
	}

}
