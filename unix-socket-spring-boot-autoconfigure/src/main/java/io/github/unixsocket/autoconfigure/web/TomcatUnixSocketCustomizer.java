package io.github.unixsocket.autoconfigure.web;

import java.util.List;

import io.github.unixsocket.server.HttpUnixSocket;
import org.apache.catalina.connector.Connector;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.coyote.ProtocolHandler;
import org.apache.coyote.http2.Http2Protocol;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.util.LambdaSafe;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Puts a Tomcat web server (servlet or reactive) on its Unix socket: with the TCP port
 * kept, as a second connector that gets the same protocol and connector customizations
 * as the main one ({@code server.tomcat.*}); with {@code tcp-enabled: false}, as the main
 * connector itself. Runs last, so it sees the port every other customizer settled on.
 */
class TomcatUnixSocketCustomizer implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

	private static final Log logger = LogFactory.getLog(TomcatUnixSocketCustomizer.class);

	private final HttpUnixSockets sockets;

	TomcatUnixSocketCustomizer(HttpUnixSockets sockets) {
		this.sockets = sockets;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void customize(TomcatWebServerFactory factory) {
		if (!this.sockets.isConfigured(factory.getPort())) {
			logSkipped(factory.getPort());
			return;
		}
		HttpUnixSocket socket = this.sockets.create();
		if (this.sockets.isTcpEnabled()) {
			factory.addConnectorCustomizers(new AdditionalConnector(factory, socket, this.sockets));
		}
		else {
			// Tomcat always has a main connector (it would make an 8080 one otherwise): it becomes the socket's.
			factory.setProtocol(UnixSocketHttp11NioProtocol.class.getName());
			factory.addConnectorCustomizers((connector) -> use(connector, socket, this.sockets));
		}
	}

	private void logSkipped(int port) {
		if (port < 0) {
			logger.info("'" + this.sockets.prefix() + "path' is not used: the web server's port is -1, so it serves "
					+ "no HTTP at all (use '" + this.sockets.prefix() + "tcp-enabled=false' for the socket only)");
		}
	}

	static void use(Connector connector, HttpUnixSocket socket, HttpUnixSockets sockets) {
		if (!(connector.getProtocolHandler() instanceof UnixSocketHttp11NioProtocol protocol)) {
			throw new IllegalStateException("The main Tomcat connector uses " + connector.getProtocolHandler()
					+ " instead of " + UnixSocketHttp11NioProtocol.class.getName() + ": something replaced the protocol "
					+ "after '" + sockets.prefix() + "tcp-enabled=false' set it");
		}
		connector.setThrowOnFailure(true);
		protocol.use(socket, sockets);
	}

	/**
	 * Adds the socket's connector while Tomcat customizes its main one, so it can be given
	 * the same customizations (connector customizers are not applied to additional
	 * connectors).
	 */
	private static final class AdditionalConnector implements TomcatConnectorCustomizer {

		private final TomcatWebServerFactory factory;

		private final HttpUnixSocket socket;

		private final HttpUnixSockets sockets;

		private @Nullable Connector added;

		AdditionalConnector(TomcatWebServerFactory factory, HttpUnixSocket socket, HttpUnixSockets sockets) {
			this.factory = factory;
			this.socket = socket;
			this.sockets = sockets;
		}

		@Override
		@SuppressWarnings("unchecked")
		public void customize(Connector main) {
			if (main.getProtocolHandler() instanceof UnixSocketHttp11NioProtocol) {
				return;
			}
			Connector connector = new Connector(new UnixSocketHttp11NioProtocol());
			use(connector, this.socket, this.sockets);
			ProtocolHandler handler = connector.getProtocolHandler();
			LambdaSafe.callbacks(TomcatProtocolHandlerCustomizer.class, this.factory.getProtocolHandlerCustomizers(),
					handler)
				.invoke((customizer) -> customizer.customize(handler));
			for (TomcatConnectorCustomizer customizer : List.copyOf(this.factory.getConnectorCustomizers())) {
				if (customizer != this) {
					customizer.customize(connector);
				}
			}
			// What TomcatWebServerFactory sets on its main connector outside the customizers (TLS excepted).
			Object server = main.getProperty("server");
			if (server != null) {
				connector.setProperty("server", server.toString());
			}
			connector.setURIEncoding(main.getURIEncoding());
			for (var upgrade : main.findUpgradeProtocols()) {
				if (upgrade instanceof Http2Protocol) {
					connector.addUpgradeProtocol(new Http2Protocol());
				}
			}
			List<Connector> additional = this.factory.getAdditionalConnectors();
			if (this.added != null) {
				additional.remove(this.added);
			}
			additional.add(connector);
			this.added = connector;
		}

	}

}
