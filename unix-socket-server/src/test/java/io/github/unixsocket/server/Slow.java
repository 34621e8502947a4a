package io.github.unixsocket.server;

/**
 * The tag of tests that take a second or more by design (thousands of connections, hundreds
 * of server starts, other processes): {@code ./mvnw verify} runs them, the mutation profile
 * ({@code -Pmutation}) leaves them out, as it would otherwise run them for every mutant
 * they cover; faster tests cover the same lines.
 */
public final class Slow {

	public static final String TAG = "slow";

	private Slow() {
	}

}
