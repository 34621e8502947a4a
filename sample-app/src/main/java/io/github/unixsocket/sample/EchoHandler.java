package io.github.unixsocket.sample;

import java.io.IOException;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.StreamConnection;

/** {@code echo.sock}: every byte goes back until the client closes. */
@UnixSocketHandler("echo")
class EchoHandler implements ConnectionHandler {

	@Override
	public void handle(StreamConnection connection) throws IOException {
		connection.inputStream().transferTo(connection.outputStream());
	}

}
