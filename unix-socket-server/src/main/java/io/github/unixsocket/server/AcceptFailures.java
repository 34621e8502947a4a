package io.github.unixsocket.server;

import java.io.IOException;
import java.time.Duration;

import org.apache.commons.logging.Log;

/**
 * Logs failed accepts once per episode: when descriptors run out ({@code EMFILE}) every
 * retry fails, and a warning each time filled the log (588 lines in 17 seconds). The first
 * failure is a warning, later ones are counted (at debug level), and the first accept that
 * succeeds again logs one line with the count. Called by one accepting thread at a time.
 */
final class AcceptFailures {

	private final Log logger;

	private final String serverName;

	private final Duration retryAfter;

	/** Failures in the current episode; written only by the accepting thread. */
	private long failures;

	private long firstFailureNanos;

	private String lastFailure = "";

	AcceptFailures(Log logger, String serverName, Duration retryAfter) {
		this.logger = logger;
		this.serverName = serverName;
		this.retryAfter = retryAfter;
	}

	void failed(IOException ex) {
		if (this.failures++ == 0) {
			this.firstFailureNanos = System.nanoTime();
			this.logger.warn("Unix socket server '" + this.serverName + "' could not accept a connection: " + ex
					+ "; retrying every " + this.retryAfter.toMillis() + "ms, further failures are counted and "
					+ "logged once accepting works again");
		}
		else if (this.logger.isDebugEnabled()) {
			this.logger.debug("Unix socket server '" + this.serverName + "' could not accept a connection: " + ex);
		}
		this.lastFailure = String.valueOf(ex);
	}

	/** An accept worked: ends the episode, if there was one. */
	void succeeded() {
		if (this.failures == 0) {
			return;
		}
		Duration lasted = Duration.ofNanos(System.nanoTime() - this.firstFailureNanos);
		this.logger.warn("Unix socket server '" + this.serverName + "' accepts connections again: accept failed "
				+ this.failures + " time" + ((this.failures == 1) ? "" : "s") + " in " + lasted.toMillis()
				+ "ms (last: " + this.lastFailure + "), recovered");
		this.failures = 0;
	}

}
