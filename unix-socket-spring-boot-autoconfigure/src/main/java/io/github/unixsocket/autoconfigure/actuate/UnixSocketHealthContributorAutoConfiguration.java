package io.github.unixsocket.autoconfigure.actuate;

import io.github.unixsocket.actuate.UnixSocketHealthContributor;
import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketServers;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Health contributor {@code unixSocket}, one component per server. Off with
 * {@code management.health.unixsocket.enabled=false}.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class)
@ConditionalOnClass(HealthContributor.class)
@ConditionalOnBean(UnixSocketServers.class)
@ConditionalOnEnabledHealthIndicator("unixsocket")
public final class UnixSocketHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "unixSocketHealthContributor")
	UnixSocketHealthContributor unixSocketHealthContributor(UnixSocketServers servers) {
		// Names asked each time: a web server's socket is registered when the web server is created.
		return new UnixSocketHealthContributor(servers::names, servers::get);
	}

}
