package io.github.unixsocket.sample;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.autoconfigure.client.UnixSocketConnectException;
import io.github.unixsocket.command.CommandException;
import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.UnixSocketServerView;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * {@code admin.sock}: a command socket to inspect and adjust the running application
 * ({@code help} and {@code ping} are built in).
 */
@UnixSocketHandler("admin")
class AdminCommands {

	private final UnixSocketServers servers;

	private final LoggingSystem loggingSystem;

	private final RestClient self;

	AdminCommands(UnixSocketServers servers, LoggingSystem loggingSystem, @Qualifier("self") RestClient self) {
		this.servers = servers;
		this.loggingSystem = loggingSystem;
		this.self = self;
	}

	@UnixSocketCommand(name = "echo", description = "Replies with the text: echo text=...")
	String echo(String text) {
		return text;
	}

	@UnixSocketCommand(name = "status", description = "The Unix socket servers and their counters")
	Map<String, Object> status() {
		Map<String, Object> servers = new LinkedHashMap<>();
		long datagrams = 0;
		for (UnixSocketServerView server : this.servers.all()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("path", server.address());
			entry.put("type", EnumNames.of(server.type()));
			entry.put("state", EnumNames.of(server.state()));
			entry.put("openConnections", server.openConnections());
			entry.put("acceptedConnections", server.acceptedConnections());
			entry.put("rejectedConnections", server.rejectedConnections());
			entry.put("bytesReceived", server.bytesReceived());
			entry.put("bytesSent", server.bytesSent());
			entry.put("datagramsReceived", server.datagramsReceived());
			servers.put(server.name(), entry);
			datagrams += server.datagramsReceived();
		}
		Map<String, Object> status = new LinkedHashMap<>();
		status.put("servers", servers);
		status.put("datagramsReceived", datagrams);
		return status;
	}

	@UnixSocketCommand(name = "self-health",
			description = "The application's /actuator/health, fetched over actuator.sock by the 'self' HTTP client")
	Map<String, Object> selfHealth() {
		try {
			Map<String, Object> health = this.self.get()
				.uri("/actuator/health")
				.retrieve()
				// A DOWN health is a 503 with the same body: the payload says it.
				.onStatus((status) -> status.value() == 503, (request, response) -> {
				})
				.body(new ParameterizedTypeReference<Map<String, Object>>() {
				});
			if (health == null) {
				throw new CommandException("actuator.sock sent no health");
			}
			return health;
		}
		catch (ResourceAccessException ex) {
			// A UnixSocketConnectException names the client, the socket and the fix.
			Throwable cause = (ex.getCause() instanceof UnixSocketConnectException connect) ? connect : ex;
			throw new CommandException(String.valueOf(cause.getMessage()), ex);
		}
	}

	@UnixSocketCommand(name = "log-level",
			description = "Sets a logger's level at runtime: log-level logger=com.example level=debug")
	Map<String, Object> logLevel(String logger, LogLevel level) {
		this.loggingSystem.setLogLevel(logger, level);
		LoggerConfiguration configuration = this.loggingSystem.getLoggerConfiguration(logger);
		if (configuration == null) {
			throw new CommandException("no logger '" + logger + "'");
		}
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("logger", configuration.getName());
		result.put("configuredLevel", configuration.getConfiguredLevel());
		result.put("effectiveLevel", configuration.getEffectiveLevel());
		return result;
	}

}
