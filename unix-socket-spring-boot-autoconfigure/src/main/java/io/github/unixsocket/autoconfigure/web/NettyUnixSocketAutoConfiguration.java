package io.github.unixsocket.autoconfigure.web;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketServers;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.server.WebFilter;

/**
 * Puts an embedded Reactor Netty server (WebFlux) on the Unix socket of
 * {@code server.unix-socket.*}, in addition to its TCP port or instead of it.
 */
@AutoConfiguration(after = UnixSocketAutoConfiguration.class)
@ConditionalOnClass({ HttpServer.class, NettyReactiveWebServerFactory.class, WebFilter.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnBooleanProperty(name = "unix-socket.enabled", matchIfMissing = true)
@Import(HttpUnixSocketPropertiesConfiguration.class)
public final class NettyUnixSocketAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "nettyUnixSocketServer")
	NettyUnixSocketServer nettyUnixSocketServer(
			@Qualifier(HttpUnixSocketPropertiesConfiguration.SERVER) HttpUnixSocketProperties properties,
			ObjectProvider<UnixSocketServers> servers, ListableBeanFactory beanFactory) {
		return new NettyUnixSocketServer(
				new HttpUnixSockets(HttpUnixSockets.SERVER_NAME, "server.unix-socket.", properties, servers),
				beanFactory);
	}

	@Bean
	@ConditionalOnMissingBean(name = "unixSocketPeerWebFilter")
	WebFilter unixSocketPeerWebFilter() {
		return new NettyUnixSocketServer.PeerWebFilter();
	}

}
