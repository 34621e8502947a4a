package io.github.unixsocket.autoconfigure.web;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.web.WebEndpointsSupplier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The properties of the web server sockets, shared by the Tomcat, Jetty and Reactor
 * Netty auto-configurations (imported by each, registered once), and the warning about
 * socket-protected Actuator data served on TCP as well.
 */
@Configuration(proxyBeanMethods = false)
class HttpUnixSocketPropertiesConfiguration {

	/** Bean name of {@code server.unix-socket.*}. */
	static final String SERVER = "serverUnixSocketProperties";

	/** Bean name of {@code management.server.unix-socket.*}. */
	static final String MANAGEMENT = "managementServerUnixSocketProperties";

	@Bean(SERVER)
	@ConfigurationProperties("server.unix-socket")
	HttpUnixSocketProperties serverUnixSocketProperties() {
		return new HttpUnixSocketProperties();
	}

	@Bean(MANAGEMENT)
	@ConfigurationProperties("management.server.unix-socket")
	HttpUnixSocketProperties managementServerUnixSocketProperties() {
		return new HttpUnixSocketProperties();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ManagementPortType.class, WebEndpointsSupplier.class })
	static class ActuatorOverTcp {

		@Bean
		ActuatorOverTcpWarning unixSocketActuatorOverTcpWarning(Environment environment,
				@Qualifier(SERVER) HttpUnixSocketProperties server,
				@Qualifier(MANAGEMENT) HttpUnixSocketProperties management,
				ObjectProvider<WebEndpointsSupplier> endpoints) {
			return new ActuatorOverTcpWarning(environment, server, management, endpoints);
		}

	}

}
