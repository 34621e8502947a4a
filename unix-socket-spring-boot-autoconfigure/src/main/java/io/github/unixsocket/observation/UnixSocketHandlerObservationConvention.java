package io.github.unixsocket.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the observation of a handler invocation. Define a bean of this type to
 * replace {@link DefaultUnixSocketHandlerObservationConvention}, or extend that class to
 * add tags.
 */
public interface UnixSocketHandlerObservationConvention extends ObservationConvention<UnixSocketObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof UnixSocketObservationContext unixSocket && unixSocket.getCommand() == null;
	}

}
