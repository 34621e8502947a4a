package io.github.unixsocket.sample;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.MessageHandler;

/**
 * {@code lines.sock}: replies every line unchanged. It never blocks, so it runs on the
 * event loop ({@code dispatch: event-loop}): the fastest path, and the benchmark target.
 */
@UnixSocketHandler("lines")
class LinesHandler implements MessageHandler {

	@Override
	public byte[] handle(Connection connection, byte[] message) {
		return message;
	}

}
