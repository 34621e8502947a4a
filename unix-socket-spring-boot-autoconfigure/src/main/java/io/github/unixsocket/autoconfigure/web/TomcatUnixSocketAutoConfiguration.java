package io.github.unixsocket.autoconfigure.web;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http11.Http11NioProtocol;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Puts an embedded Tomcat (servlet or reactive) on the Unix socket of
 * {@code server.unix-socket.*}, in addition to its TCP port or instead of it.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class)
@ConditionalOnClass({ Tomcat.class, Http11NioProtocol.class, TomcatWebServerFactory.class })
@ConditionalOnWebApplication
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
@Import(HttpUnixSocketPropertiesConfiguration.class)
public final class TomcatUnixSocketAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "tomcatUnixSocketCustomizer")
	TomcatUnixSocketCustomizer tomcatUnixSocketCustomizer(
			@Qualifier(HttpUnixSocketPropertiesConfiguration.SERVER) HttpUnixSocketProperties properties,
			ObjectProvider<UnixSocketServers> servers) {
		return new TomcatUnixSocketCustomizer(new HttpUnixSockets(HttpUnixSockets.SERVER_NAME, "server.unix-socket.",
				properties, servers));
	}

}
