package io.github.unixsocket.test.app;

import java.io.IOException;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.StreamConnection;

@UnixSocketHandler("echo")
public class EchoHandler implements ConnectionHandler {

	@Override
	public void handle(StreamConnection connection) throws IOException {
		connection.inputStream().transferTo(connection.outputStream());
	}

}
