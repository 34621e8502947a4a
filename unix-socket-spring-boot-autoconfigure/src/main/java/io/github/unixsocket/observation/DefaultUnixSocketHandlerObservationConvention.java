package io.github.unixsocket.observation;

import io.github.unixsocket.observation.UnixSocketObservationDocumentation.HighCardinalityKeys;
import io.github.unixsocket.observation.UnixSocketObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValues;

/**
 * Default {@link UnixSocketHandlerObservationConvention}: observation
 * {@code unix.socket.handler}, tags {@code server}, {@code protocol} and {@code outcome},
 * the connection id as a high-cardinality key (spans only).
 */
public class DefaultUnixSocketHandlerObservationConvention implements UnixSocketHandlerObservationConvention {

	/** The shared instance. */
	public static final DefaultUnixSocketHandlerObservationConvention INSTANCE =
			new DefaultUnixSocketHandlerObservationConvention();

	@Override
	public String getName() {
		return UnixSocketObservationDocumentation.HANDLER.getName();
	}

	@Override
	public String getContextualName(UnixSocketObservationContext context) {
		return "unix-socket " + context.getServerName();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(UnixSocketObservationContext context) {
		return lowCardinalityKeyValues(context);
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(UnixSocketObservationContext context) {
		return highCardinalityKeyValues(context);
	}

	static KeyValues lowCardinalityKeyValues(UnixSocketObservationContext context) {
		return KeyValues.of(LowCardinalityKeys.SERVER.withValue(context.getServerName()),
				LowCardinalityKeys.PROTOCOL.withValue(String.valueOf(context.getProtocol())),
				LowCardinalityKeys.OUTCOME.withValue((context.getError() != null) ? "error" : "success"));
	}

	static KeyValues highCardinalityKeyValues(UnixSocketObservationContext context) {
		return (context.getConnection() != null)
				? KeyValues.of(HighCardinalityKeys.CONNECTION_ID.withValue(Long.toString(context.getConnection().id())))
				: KeyValues.empty();
	}

}
