package io.github.unixsocket.autoconfigure.actuate;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ConnectionHandler;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** A server named {@code echo} that echoes every byte. */
@Configuration(proxyBeanMethods = false)
class EchoHandlerConfiguration {

	@Bean
	@UnixSocketHandler("echo")
	ConnectionHandler echoHandler() {
		return (connection) -> connection.inputStream().transferTo(connection.outputStream());
	}

}
