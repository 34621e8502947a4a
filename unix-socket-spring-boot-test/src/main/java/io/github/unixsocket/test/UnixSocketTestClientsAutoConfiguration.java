package io.github.unixsocket.test;

import java.util.Set;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.UnixSocketServers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of {@link UnixSocketTestClients}, imported by
 * {@link AutoConfigureUnixSocketTestClients @AutoConfigureUnixSocketTestClients}.
 */
@AutoConfiguration(after = { UnixSocketAutoConfiguration.class, UnixSocketTestAutoConfiguration.class })
public final class UnixSocketTestClientsAutoConfiguration {

	@Bean(destroyMethod = "closeAll")
	@ConditionalOnMissingBean
	UnixSocketTestClients unixSocketTestClients(ObjectProvider<UnixSocketServers> servers,
			ObjectProvider<UnixSocketProperties> properties, ObjectProvider<SliceServers> sliceServers) {
		SliceServers slice = sliceServers.getIfAvailable();
		return new UnixSocketTestClients(servers.getIfAvailable(), properties.getIfAvailable(),
				(slice != null) ? slice.notStarted() : Set.of(), UnixSocketTestClients.DEFAULT_TIMEOUT);
	}

}
