package io.github.unixsocket.observation;

import io.github.unixsocket.observation.UnixSocketObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValues;

/**
 * Default {@link UnixSocketCommandObservationConvention}: observation
 * {@code unix.socket.command}, tags {@code server}, {@code protocol}, {@code command} and
 * {@code outcome}, the connection id as a high-cardinality key (spans only).
 */
public class DefaultUnixSocketCommandObservationConvention implements UnixSocketCommandObservationConvention {

	/** The shared instance. */
	public static final DefaultUnixSocketCommandObservationConvention INSTANCE =
			new DefaultUnixSocketCommandObservationConvention();

	@Override
	public String getName() {
		return UnixSocketObservationDocumentation.COMMAND.getName();
	}

	@Override
	public String getContextualName(UnixSocketObservationContext context) {
		return "unix-socket " + context.getServerName() + " " + context.getCommand();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(UnixSocketObservationContext context) {
		return DefaultUnixSocketHandlerObservationConvention.lowCardinalityKeyValues(context)
			.and(LowCardinalityKeys.COMMAND.withValue(String.valueOf(context.getCommand())));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(UnixSocketObservationContext context) {
		return DefaultUnixSocketHandlerObservationConvention.highCardinalityKeyValues(context);
	}

}
