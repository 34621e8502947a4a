package io.github.unixsocket.autoconfigure.web;

import io.github.unixsocket.autoconfigure.UnixSocketServers;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.server.WebFilter;
import reactor.netty.http.server.HttpServer;

/**
 * Puts a separate management server (Actuator with {@code management.server.port}
 * different from {@code server.port}) on the Unix socket of
 * {@code management.server.unix-socket.*}. Runs in the management child context, whose
 * web server the application's own customizers do not reach.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
class UnixSocketManagementChildContextConfiguration {

	static HttpUnixSockets sockets(BeanFactory beanFactory, ObjectProvider<UnixSocketServers> servers) {
		// Bound in the parent context, which a child's bean factory searches too.
		HttpUnixSocketProperties properties = beanFactory.getBean(HttpUnixSocketPropertiesConfiguration.MANAGEMENT,
				HttpUnixSocketProperties.class);
		return new HttpUnixSockets(HttpUnixSockets.MANAGEMENT_NAME, "management.server.unix-socket.", properties,
				servers);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ Tomcat.class, TomcatWebServerFactory.class })
	static class TomcatManagementUnixSocket {

		@Bean
		TomcatUnixSocketCustomizer tomcatManagementUnixSocketCustomizer(BeanFactory beanFactory,
				ObjectProvider<UnixSocketServers> servers) {
			return new TomcatUnixSocketCustomizer(sockets(beanFactory, servers));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ Server.class, UnixDomainServerConnector.class, JettyWebServerFactory.class })
	static class JettyManagementUnixSocket {

		@Bean
		JettyUnixSocketCustomizer jettyManagementUnixSocketCustomizer(BeanFactory beanFactory,
				ObjectProvider<UnixSocketServers> servers) {
			return new JettyUnixSocketCustomizer(sockets(beanFactory, servers));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ HttpServer.class, NettyReactiveWebServerFactory.class, WebFilter.class })
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	static class NettyManagementUnixSocket {

		@Bean
		NettyUnixSocketServer nettyManagementUnixSocketServer(ListableBeanFactory beanFactory,
				ObjectProvider<UnixSocketServers> servers) {
			return new NettyUnixSocketServer(sockets(beanFactory, servers), beanFactory);
		}

		@Bean
		WebFilter unixSocketManagementPeerWebFilter() {
			return new NettyUnixSocketServer.PeerWebFilter();
		}

	}

}
