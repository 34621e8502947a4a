package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import io.github.unixsocket.handover.HandoverListener;
import io.github.unixsocket.handover.HandoverRequest;
import io.github.unixsocket.server.AbstractUnixSocketServer;
import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.LogValues;
import io.github.unixsocket.server.ServerType;
import io.github.unixsocket.server.UnixSocketServer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Socket handover ({@code unix-socket.handover.enabled}): while the servers are created,
 * take the listening sockets of the instance running with the same control socket; once
 * this application is ready (readiness {@code ACCEPTING_TRAFFIC}), tell that instance,
 * which then closes its application context and drains, and listen on the control socket
 * for the next instance. Connections arriving meanwhile wait in the shared sockets'
 * backlog, so none is refused. A taken socket is served as an inherited one: its file is
 * left in place when this instance stops (the next start reclaims it as stale).
 */
public class UnixSocketHandover implements ApplicationListener<ApplicationEvent>, DisposableBean {

	private static final Log logger = LogFactory.getLog(UnixSocketHandover.class);

	private final Path control;

	private final Duration timeout;

	private final Supplier<@Nullable UnixSocketServers> servers;

	private final ConfigurableApplicationContext context;

	private @Nullable HandoverRequest request;

	private final Set<String> taken = new LinkedHashSet<>();

	private volatile @Nullable HandoverListener listener;

	private volatile boolean ready;

	/**
	 * @param control the control socket's path
	 * @param timeout how long either side waits for the other
	 * @param servers the application's servers, once they exist
	 * @param context closed once this instance handed its sockets over
	 */
	public UnixSocketHandover(Path control, Duration timeout, Supplier<@Nullable UnixSocketServers> servers,
			ConfigurableApplicationContext context) {
		this.control = control;
		this.timeout = timeout;
		this.servers = servers;
		this.context = context;
	}

	/** @return the control socket's path */
	public Path control() {
		return this.control;
	}

	/**
	 * Take the running instance's sockets that this configuration serves: same server name,
	 * type and address, and {@code activation} not {@code off}. The others are closed here
	 * and stop with the old instance.
	 * @param properties this instance's servers
	 * @return the sockets to serve, for {@link InheritedSockets}
	 * @throws UnixSocketConfigurationException if the control socket is not a running
	 * instance of this user's
	 */
	List<InheritedSocket> takeOver(UnixSocketProperties properties) {
		HandoverRequest request;
		try {
			request = HandoverRequest.request(this.control, this.timeout);
		}
		catch (IOException ex) {
			throw new UnixSocketConfigurationException("Cannot take sockets over through the handover socket "
					+ this.control + ": " + LogValues.escape(ex.getMessage()),
					"Remove " + this.control + " if no instance of this application runs, or set "
							+ "'unix-socket.handover.path' to a path in a directory only this user can write");
		}
		if (request == null) {
			return List.of();
		}
		this.request = request;
		List<InheritedSocket> serve = new ArrayList<>();
		for (InheritedSocket socket : request.sockets()) {
			UnixSocketProperties.Server server = properties.getServers().get(socket.name());
			if (server != null && server.getActivation() != UnixSocketProperties.Activation.OFF
					&& socket.type() == ((server.getType() == UnixSocketProperties.Type.DATAGRAM) ? ServerType.DATAGRAM
							: ServerType.STREAM)
					&& InheritedSockets.sameAddress(socket.address(), server.getPath())) {
				serve.add(socket);
				this.taken.add(String.valueOf(socket.name()));
			}
			else {
				logger.info("Not taking over " + socket + ": no server of this configuration has that name, type and "
						+ "path (or its activation is off); it stops with the running instance");
				socket.close();
			}
		}
		return serve;
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof AvailabilityChangeEvent<?> change && change.getState() == ReadinessState.ACCEPTING_TRAFFIC
				&& !this.ready) {
			this.ready = true;
			ready();
		}
		else if (event instanceof ContextClosedEvent closed && closed.getApplicationContext() == this.context) {
			close();
		}
	}

	private void ready() {
		HandoverRequest request = this.request;
		this.request = null;
		if (request != null) {
			List<String> served = configured().stream()
				.filter((server) -> this.taken.contains(server.name()) && server.isRunning() && server.isInherited())
				.map(UnixSocketServer::name)
				.toList();
			if (!request.ready(served)) {
				logger.warn("The running instance did not confirm the handover: it may still serve " + served
						+ "; this instance does not listen on " + this.control + " for the next one");
				return;
			}
		}
		try {
			this.listener = HandoverListener.open(this.control, this.timeout, new Offer());
			logger.info("Listening for a new instance to hand the sockets over to on " + this.control);
		}
		catch (IOException ex) {
			logger.warn("Cannot listen on the handover socket " + this.control + ": " + LogValues.escape(ex.getMessage())
					+ "; a new instance will bind its own sockets");
		}
	}

	private List<UnixSocketServer> configured() {
		UnixSocketServers servers = this.servers.get();
		return (servers != null) ? List.copyOf(servers.configured()) : List.of();
	}

	/** The running servers' sockets, and what handing them over means here. */
	private final class Offer implements HandoverListener.Offer {

		@Override
		public List<HandoverListener.Socket> sockets() {
			List<HandoverListener.Socket> sockets = new ArrayList<>();
			for (UnixSocketServer server : configured()) {
				if (server instanceof AbstractUnixSocketServer running && running.isRunning()) {
					try {
						sockets.add(new HandoverListener.Socket(running.name(), running.address(),
								running.socketDescriptor()));
					}
					catch (IOException ex) {
						logger.warn("Unix socket server '" + running.name() + "' is not handed over: "
								+ LogValues.escape(ex.getMessage()));
					}
				}
			}
			return sockets;
		}

		@Override
		public void handedOver(Set<String> names) {
			Map<String, UnixSocketServer> byName = new LinkedHashMap<>();
			configured().forEach((server) -> byName.put(server.name(), server));
			names.forEach((name) -> {
				if (byName.get(name) instanceof AbstractUnixSocketServer server) {
					server.leaveSocketOnStop();
				}
			});
			// Off the listener's thread: closing the context waits for the servers to drain.
			Thread stop = new Thread(UnixSocketHandover.this.context::close, "unix-socket-handover-stop");
			stop.setDaemon(false);
			stop.start();
		}

	}

	private void close() {
		HandoverListener listener = this.listener;
		if (listener != null) {
			listener.close();
		}
		HandoverRequest request = this.request;
		if (request != null) {
			request.close();
		}
	}

	@Override
	public void destroy() {
		close();
	}

}
