package io.github.unixsocket.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the observation of a command. Define a bean of this type to replace
 * {@link DefaultUnixSocketCommandObservationConvention}, or extend that class to add tags.
 */
public interface UnixSocketCommandObservationConvention extends ObservationConvention<UnixSocketObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof UnixSocketObservationContext unixSocket && unixSocket.getCommand() != null;
	}

}
