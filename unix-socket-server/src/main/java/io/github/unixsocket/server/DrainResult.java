package io.github.unixsocket.server;

/**
 * How a stop went: connections that finished within the drain budget, and those closed
 * at its deadline.
 *
 * @param drained connections that ended by themselves while draining
 * @param forceClosed connections closed at the deadline
 */
public record DrainResult(int drained, int forceClosed) {

	/** Nothing was open. */
	public static final DrainResult NONE = new DrainResult(0, 0);

}
