package io.github.unixsocket.test;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of a {@link UnixSocketTest @UnixSocketTest}: servers whose handler
 * is not part of the test are not started. Imported by the slice only.
 */
@AutoConfiguration(before = UnixSocketAutoConfiguration.class)
public final class UnixSocketTestAutoConfiguration {

	@Bean
	static SliceServers unixSocketTestSliceServers() {
		return new SliceServers();
	}

}
