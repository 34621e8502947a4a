package io.github.unixsocket.autoconfigure.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The properties of the web server sockets, shared by the Tomcat, Jetty and Reactor
 * Netty auto-configurations (imported by each, registered once).
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

}
