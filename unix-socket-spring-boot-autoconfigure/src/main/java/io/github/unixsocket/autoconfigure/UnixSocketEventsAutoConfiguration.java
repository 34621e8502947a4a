package io.github.unixsocket.autoconfigure;

import io.github.unixsocket.event.UnixSocketEvent;
import io.github.unixsocket.event.UnixSocketEventPublisher;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

/**
 * Publishes {@link UnixSocketEvent}s: server started and stopped, connection opened,
 * closed and rejected.
 */
@AutoConfiguration(before = UnixSocketAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
public final class UnixSocketEventsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UnixSocketEventPublisher unixSocketEventPublisher(ApplicationEventPublisher publisher) {
		return new UnixSocketEventPublisher(publisher);
	}

}
