package io.github.unixsocket.test.app;

import java.io.IOException;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.StreamConnection;

/** A broken handler: reads everything, never answers. */
@UnixSocketHandler("silent")
public class SilentHandler implements ConnectionHandler {

	@Override
	public void handle(StreamConnection connection) throws IOException {
		connection.inputStream().transferTo(java.io.OutputStream.nullOutputStream());
	}

}
