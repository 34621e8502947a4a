package io.github.unixsocket.autoconfigure.web;

import io.github.unixsocket.server.HttpUnixSocket;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;

import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Puts a Jetty web server (servlet or reactive) on its Unix socket: beside its TCP
 * connector, or in its place with {@code tcp-enabled: false}. The socket's connector
 * takes a copy of the main connector's HTTP configuration. Runs last, so it sees the
 * port every other customizer settled on.
 */
class JettyUnixSocketCustomizer implements WebServerFactoryCustomizer<JettyWebServerFactory>, Ordered {

	private static final Log logger = LogFactory.getLog(JettyUnixSocketCustomizer.class);

	private final HttpUnixSockets sockets;

	JettyUnixSocketCustomizer(HttpUnixSockets sockets) {
		this.sockets = sockets;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void customize(JettyWebServerFactory factory) {
		if (!this.sockets.isConfigured(factory.getPort())) {
			if (factory.getPort() < 0) {
				logger.info("'" + this.sockets.prefix() + "path' is not used: the web server's port is -1, so it "
						+ "serves no HTTP at all");
			}
			return;
		}
		HttpUnixSocket socket = this.sockets.create();
		factory.addServerCustomizers((server) -> addConnector(server, socket));
	}

	private void addConnector(Server server, HttpUnixSocket socket) {
		HttpConfiguration main = mainConfiguration(server);
		UnixSocketJettyConnector connector = new UnixSocketJettyConnector(server, socket, this.sockets);
		connector.addConnectionFactory(new HttpConnectionFactory(connector.withPeer(main)));
		if (this.sockets.isTcpEnabled()) {
			server.addConnector(connector);
		}
		else {
			server.setConnectors(new Connector[] { connector });
		}
	}

	private static HttpConfiguration mainConfiguration(Server server) {
		for (Connector connector : server.getConnectors()) {
			HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
			if (http != null) {
				return http.getHttpConfiguration();
			}
		}
		HttpConfiguration configuration = new HttpConfiguration();
		configuration.setSendServerVersion(false);
		return configuration;
	}

}
