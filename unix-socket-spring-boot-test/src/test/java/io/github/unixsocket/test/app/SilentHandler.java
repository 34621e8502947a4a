package io.github.unixsocket.test.app;

import java.io.IOException;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.ConnectionHandler;

/** A broken handler: reads everything, never answers. */
@UnixSocketHandler("silent")
public class SilentHandler implements ConnectionHandler {

	@Override
	public void handle(Connection connection) throws IOException {
		connection.inputStream().transferTo(java.io.OutputStream.nullOutputStream());
	}

}
