package io.github.unixsocket.observation;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.MessageHandler;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Creates the observations of Unix socket handlers and commands. The engine knows nothing
 * of Micrometer: the Spring side wraps each server's handler with
 * {@link #observe(String, String, ConnectionHandler)}.
 */
public class UnixSocketObservations {

	/** Observes nothing: for when there is no {@link ObservationRegistry}. */
	public static final UnixSocketObservations NOOP = new UnixSocketObservations(ObservationRegistry.NOOP, null,
			null);

	private final ObservationRegistry registry;

	private final @Nullable UnixSocketHandlerObservationConvention handlerConvention;

	private final @Nullable UnixSocketCommandObservationConvention commandConvention;

	/**
	 * @param registry where observations go
	 * @param handlerConvention replaces {@link DefaultUnixSocketHandlerObservationConvention},
	 * may be {@code null}
	 * @param commandConvention replaces {@link DefaultUnixSocketCommandObservationConvention},
	 * may be {@code null}
	 */
	public UnixSocketObservations(ObservationRegistry registry,
			@Nullable UnixSocketHandlerObservationConvention handlerConvention,
			@Nullable UnixSocketCommandObservationConvention commandConvention) {
		this.registry = registry;
		this.handlerConvention = handlerConvention;
		this.commandConvention = commandConvention;
	}

	/**
	 * Observe every connection a connection handler serves.
	 * @param serverName the server's name
	 * @param protocol the server's protocol, {@code null} if unknown
	 * @param handler the handler
	 * @return a handler that runs the given one inside a {@code unix.socket.handler}
	 * observation
	 */
	public ConnectionHandler observe(String serverName, @Nullable String protocol, ConnectionHandler handler) {
		return (connection) -> UnixSocketObservationDocumentation.HANDLER
			.observation(this.handlerConvention, DefaultUnixSocketHandlerObservationConvention.INSTANCE,
					() -> new UnixSocketObservationContext(serverName, protocol, connection, null), this.registry)
			.observeChecked(() -> handler.handle(connection));
	}

	/**
	 * Observe every message a handler gets.
	 * @param serverName the server's name
	 * @param protocol the server's protocol, {@code null} if unknown
	 * @param handler the message handler
	 * @return a handler that handles each message inside a {@code unix.socket.handler}
	 * observation
	 */
	public MessageHandler observe(String serverName, @Nullable String protocol, MessageHandler handler) {
		return new MessageHandler() {

			@Override
			public byte @Nullable [] handle(Connection connection, byte[] message) throws Exception {
				return UnixSocketObservationDocumentation.HANDLER
					.observation(UnixSocketObservations.this.handlerConvention,
							DefaultUnixSocketHandlerObservationConvention.INSTANCE,
							() -> new UnixSocketObservationContext(serverName, protocol, connection, null),
							UnixSocketObservations.this.registry)
					.observeChecked(() -> handler.handle(connection, message));
			}

			@Override
			public byte @Nullable [] messageTooLarge(Connection connection, int maxMessageSize) {
				return handler.messageTooLarge(connection, maxMessageSize);
			}

		};
	}

	/**
	 * An observation of one command, not started yet; for example
	 * {@code command(connection, "commands", "ping").observe(() -> ...)}, or
	 * {@code start()}, {@code error(ex)} for an error reply and {@code stop()}.
	 * @param connection the connection the command came on
	 * @param protocol the server's protocol
	 * @param command the command's name: becomes a metric tag, so pass a registered
	 * command's name and a fixed word such as {@code unknown} for anything else
	 * @return a {@code unix.socket.command} observation
	 */
	public Observation command(Connection connection, String protocol, String command) {
		return UnixSocketObservationDocumentation.COMMAND.observation(this.commandConvention,
				DefaultUnixSocketCommandObservationConvention.INSTANCE,
				() -> new UnixSocketObservationContext(connection.serverName(), protocol, connection, command),
				this.registry);
	}

}
