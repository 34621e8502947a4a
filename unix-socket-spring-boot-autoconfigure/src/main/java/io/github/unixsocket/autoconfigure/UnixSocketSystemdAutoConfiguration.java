package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.util.List;

import io.github.unixsocket.server.LogValues;
import io.github.unixsocket.systemd.SystemdNotifier;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * systemd notifications ({@code sd_notify}) unless {@code unix-socket.systemd.notify} is
 * {@code false}; they are sent only when systemd asked for them ({@code NOTIFY_SOCKET}).
 * That variable is read when the bean is created, not in a condition: an AOT-processed
 * application decides its conditions at build time, where systemd is not. See
 * {@link SystemdNotifications}.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "unix-socket.systemd.notify", matchIfMissing = true)
public final class UnixSocketSystemdAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SystemdNotifications unixSocketSystemdNotifications(Environment environment,
			ObjectProvider<UnixSocketServers> servers, ObjectProvider<ApplicationAvailability> availability) {
		SystemdNotifier notifier;
		try {
			notifier = SystemdNotifier.fromEnvironment(environment::getProperty, ProcessHandle.current().pid());
		}
		catch (IOException ex) {
			throw new UnixSocketConfigurationException(
					"systemd's NOTIFY_SOCKET '" + LogValues.escape(environment.getProperty(SystemdNotifier.NOTIFY_SOCKET))
							+ "' cannot be used: " + LogValues.escape(ex.getMessage()),
					"Check the service's environment, or set 'unix-socket.systemd.notify' to false");
		}
		return new SystemdNotifications(notifier, () -> {
			UnixSocketServers registry = servers.getIfAvailable();
			return (registry != null) ? registry.all() : List.of();
		}, () -> {
			ApplicationAvailability state = availability.getIfAvailable();
			return (state != null) ? state.getLivenessState() : LivenessState.CORRECT;
		});
	}

}
