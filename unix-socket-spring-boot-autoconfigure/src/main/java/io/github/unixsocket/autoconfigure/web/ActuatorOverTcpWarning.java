package io.github.unixsocket.autoconfigure.web;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.ExposableEndpoint;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.web.WebEndpointsSupplier;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Warns once at startup when Actuator is put on a Unix socket
 * ({@code server.unix-socket.path} with Actuator on the application's web server, or
 * {@code management.server.unix-socket.path}) while the web server that serves Actuator
 * also listens on TCP and exposes more than a bare health status: every local user can
 * reach a TCP port, loopback included, and the socket's mode and peer allow-list do not
 * apply to it. Listens in the application context, which also gets the events of the
 * management child context.
 */
class ActuatorOverTcpWarning implements ApplicationListener<WebServerInitializedEvent> {

	private static final Log logger = LogFactory.getLog(ActuatorOverTcpWarning.class);

	private static final String MANAGEMENT_NAMESPACE = "management";

	private final Environment environment;

	private final HttpUnixSocketProperties server;

	private final HttpUnixSocketProperties management;

	private final ObjectProvider<WebEndpointsSupplier> endpoints;

	ActuatorOverTcpWarning(Environment environment, HttpUnixSocketProperties server,
			HttpUnixSocketProperties management, ObjectProvider<WebEndpointsSupplier> endpoints) {
		this.environment = environment;
		this.server = server;
		this.management = management;
		this.endpoints = endpoints;
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		String warning = warning(event.getApplicationContext().getServerNamespace(), event.getWebServer().getPort());
		if (warning != null) {
			logger.warn(warning);
		}
	}

	/**
	 * @param namespace the started web server's namespace ({@code "management"} for the
	 * management server)
	 * @param port its TCP port, -1 (or 0) if it has none
	 * @return the warning, or {@code null} if this web server does not put socket-protected
	 * Actuator data on TCP
	 */
	@Nullable String warning(@Nullable String namespace, int port) {
		ManagementPortType type = ManagementPortType.get(this.environment);
		boolean separate = type == ManagementPortType.DIFFERENT;
		if (type == ManagementPortType.DISABLED || separate != MANAGEMENT_NAMESPACE.equals(namespace)) {
			return null; // this web server does not serve Actuator
		}
		HttpUnixSocketProperties own = separate ? this.management : this.server;
		if (port <= 0 || !own.isTcpEnabled()) {
			return null;
		}
		String socket;
		String fix;
		if (separate) {
			if (!hasPath(this.management)) {
				return null;
			}
			socket = "as well as on the management server's Unix socket " + this.management.getPath();
			fix = "set 'management.server.unix-socket.tcp-enabled=false'";
		}
		else if (hasPath(this.server)) {
			socket = "as well as on the web server's Unix socket " + this.server.getPath();
			fix = "set 'server.unix-socket.tcp-enabled=false' (the web server then listens on the socket only), "
					+ "or give Actuator a management server of its own on a socket only ('management.server.port' "
					+ "different from 'server.port', 'management.server.unix-socket.path' and "
					+ "'management.server.unix-socket.tcp-enabled=false')";
		}
		else if (hasPath(this.management)) {
			socket = "by the application's web server, not on 'management.server.unix-socket.path' ("
					+ this.management.getPath() + "), which only a management server of its own uses";
			fix = "set 'management.server.port' to a port other than 'server.port', with "
					+ "'management.server.unix-socket.tcp-enabled=false'";
		}
		else {
			return null;
		}
		List<String> exposed = sensitiveEndpoints();
		if (exposed.isEmpty()) {
			return null;
		}
		return "Actuator endpoints " + exposed + " are served on TCP port " + port + " " + socket + ": whoever can reach that port, every local user at least (loopback included), reads them over "
				+ "TCP, where the socket's mode and peer allow-list do not apply. To keep them on the socket only, " + fix;
	}

	/** @return the endpoints exposed over HTTP that show more than an overall health status */
	private List<String> sensitiveEndpoints() {
		List<String> sensitive = new ArrayList<>();
		this.endpoints.orderedStream()
			.flatMap((supplier) -> supplier.getEndpoints().stream())
			.map(ExposableEndpoint::getEndpointId)
			.forEach((id) -> {
				String name = id.toLowerCaseString();
				if (!"health".equals(name)) {
					sensitive.add(name);
				}
				else if (healthShowsMore()) {
					sensitive.add(0, "health (details or components shown)");
				}
			});
		return sensitive;
	}

	private boolean healthShowsMore() {
		Binder binder = Binder.get(this.environment);
		Show details = binder.bind("management.endpoint.health.show-details", Show.class).orElse(Show.NEVER);
		Show components = binder.bind("management.endpoint.health.show-components", Show.class).orElse(details);
		return details == Show.ALWAYS || components == Show.ALWAYS;
	}

	private static boolean hasPath(HttpUnixSocketProperties properties) {
		return properties.getPath() != null && !properties.getPath().isBlank();
	}

}
