package io.github.unixsocket.test.app;

import java.io.IOException;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.ConnectionHandler;

@UnixSocketHandler("echo")
public class EchoHandler implements ConnectionHandler {

	@Override
	public void handle(Connection connection) throws IOException {
		connection.inputStream().transferTo(connection.outputStream());
	}

}
