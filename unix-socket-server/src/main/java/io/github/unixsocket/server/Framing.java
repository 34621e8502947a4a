package io.github.unixsocket.server;

/** How a stream is cut into messages for a {@link MessageHandler}. */
public enum Framing {

	/** Messages end with {@code \n} (a {@code \r} before it is dropped); replies get one. */
	LINES,

	/** Each message and reply is preceded by its length, a 4-byte big-endian integer. */
	LENGTH_PREFIXED

}
