package io.github.unixsocket.autoconfigure.web;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Puts an embedded Jetty (servlet or reactive) on the Unix socket of
 * {@code server.unix-socket.*}, in addition to its TCP port or instead of it. Needs
 * {@code org.eclipse.jetty:jetty-unixdomain-server}.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class)
@ConditionalOnClass({ Server.class, UnixDomainServerConnector.class, JettyWebServerFactory.class })
@ConditionalOnWebApplication
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
@Import(HttpUnixSocketPropertiesConfiguration.class)
public final class JettyUnixSocketAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "jettyUnixSocketCustomizer")
	JettyUnixSocketCustomizer jettyUnixSocketCustomizer(
			@Qualifier(HttpUnixSocketPropertiesConfiguration.SERVER) HttpUnixSocketProperties properties,
			ObjectProvider<UnixSocketServers> servers) {
		return new JettyUnixSocketCustomizer(new HttpUnixSockets(HttpUnixSockets.SERVER_NAME, "server.unix-socket.",
				properties, servers));
	}

}
