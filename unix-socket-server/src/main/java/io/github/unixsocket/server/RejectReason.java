package io.github.unixsocket.server;

import io.github.unixsocket.server.peer.PeerPolicy;

/**
 * Why the server refused a connection: closed before its handler ran (the first three),
 * or cut off while it ran because it went over one of the server's limits for
 * unfinished messages (the last two; such a connection was also counted as accepted).
 */
public enum RejectReason {

	/** {@code max-connections} were already open. */
	MAX_CONNECTIONS("max-connections"),

	/** The peer's credentials are not in the server's {@link PeerPolicy}. */
	UNAUTHORIZED("unauthorized"),

	/** The connection customizer threw, or no thread could be started for it. */
	SETUP_FAILED("setup-failed"),

	/**
	 * Its read buffer would have grown past the server's {@link BufferBudget} and it held
	 * the largest share of it: closed without a reply.
	 */
	BUFFER_BUDGET("buffer-budget"),

	/**
	 * A framed message had started arriving but was not complete within the server's
	 * message timeout: closed without a reply.
	 */
	MESSAGE_TIMEOUT("message-timeout");

	private final String tag;

	RejectReason(String tag) {
		this.tag = tag;
	}

	/** @return the value used in logs and metric tags */
	public String tag() {
		return this.tag;
	}

}
