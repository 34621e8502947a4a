package io.github.unixsocket.server;

/** Lifecycle state of a server; a stopped server can be started again. */
public enum ServerState {

	/** Built, never started. */
	NEW,

	/** Bound and accepting. */
	RUNNING,

	/** No longer accepting, waiting for open connections to finish. */
	DRAINING,

	/** Not bound. */
	STOPPED

}
