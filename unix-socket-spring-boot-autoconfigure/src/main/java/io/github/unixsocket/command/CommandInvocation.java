package io.github.unixsocket.command;

import java.util.Map;

import io.github.unixsocket.server.Connection;
import org.jspecify.annotations.Nullable;

/** One command invocation, as a {@link CommandInterceptor} sees it. */
public interface CommandInvocation {

	/** @return the name of the server the request arrived on */
	String serverName();

	/** @return the command's name */
	String command();

	/** @return the request's arguments, as sent (see {@link CommandRequest#args()}) */
	Map<String, Object> args();

	/** @return the caller's connection */
	Connection connection();

	/**
	 * Continue with the next interceptor, or bind the arguments and invoke the command.
	 * @return the payload, {@code null} for none
	 * @throws Exception what the command or a later interceptor threw
	 */
	@Nullable Object proceed() throws Exception;

}
