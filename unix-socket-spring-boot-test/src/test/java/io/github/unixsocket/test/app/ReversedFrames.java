package io.github.unixsocket.test.app;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.MessageHandler;

@UnixSocketHandler("frames")
public class ReversedFrames implements MessageHandler {

	@Override
	public byte[] handle(Connection connection, byte[] message) {
		byte[] reply = new byte[message.length];
		for (int i = 0; i < message.length; i++) {
			reply[i] = message[message.length - 1 - i];
		}
		return reply;
	}

}
