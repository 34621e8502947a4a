package io.github.unixsocket.test.app;

import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.handler.UnixSocketHandler;

@UnixSocketHandler("admin")
public class AdminCommands {

	@UnixSocketCommand(name = "echo", description = "Replies with the text")
	String echo(String text) {
		return text;
	}

	@UnixSocketCommand(name = "add", description = "Adds two numbers")
	int add(int a, int b) {
		return a + b;
	}

}
