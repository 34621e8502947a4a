package io.github.unixsocket.test.app;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.MessageHandler;

@UnixSocketHandler("lines")
public class UpperCaseLines implements MessageHandler {

	@Override
	public byte[] handle(Connection connection, byte[] message) {
		return new String(message, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
	}

}
