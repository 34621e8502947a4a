package io.github.unixsocket.server;

/** Why a connection was closed before its handler ran. */
public enum RejectReason {

	/** {@code max-connections} were already open. */
	MAX_CONNECTIONS("max-connections"),

	/** The peer's credentials are not in the server's {@link PeerPolicy}. */
	UNAUTHORIZED("unauthorized"),

	/** The connection customizer threw, or no thread could be started for it. */
	SETUP_FAILED("setup-failed");

	private final String tag;

	RejectReason(String tag) {
		this.tag = tag;
	}

	/** @return the value used in logs and metric tags */
	public String tag() {
		return this.tag;
	}

}
