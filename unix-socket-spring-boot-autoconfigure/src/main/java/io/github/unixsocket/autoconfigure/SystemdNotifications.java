package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.unixsocket.server.AbstractUnixSocketServer;
import io.github.unixsocket.server.LogValues;
import io.github.unixsocket.server.ServerState;
import io.github.unixsocket.server.UnixSocketServerView;
import io.github.unixsocket.systemd.SystemdNotifier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Keeps systemd informed ({@code Type=notify} services): {@code READY=1} once the
 * application is ready (its readiness becomes {@code ACCEPTING_TRAFFIC}, after every server
 * started), {@code STOPPING=1} when shutdown begins, {@code STATUS=} with the servers and
 * open connections at those points, {@code WATCHDOG=1} at half of {@code WATCHDOG_USEC}
 * (every 100ms at most often, every hour at least: {@link SystemdNotifier#watchdogPing()})
 * while the application's liveness is {@code CORRECT} (so a broken application is
 * restarted), and {@code EXTEND_TIMEOUT_USEC=} while servers drain.
 */
public class SystemdNotifications implements ApplicationListener<ApplicationEvent>, DisposableBean {

	private static final Log logger = LogFactory.getLog(SystemdNotifications.class);

	/** How often a running drain asks systemd for more time, and how much. */
	private static final Duration EXTEND_PERIOD = Duration.ofSeconds(5);

	private final @Nullable SystemdNotifier notifier;

	private final Supplier<Collection<UnixSocketServerView>> servers;

	private final Supplier<LivenessState> liveness;

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "unix-socket-systemd");
		thread.setDaemon(true);
		return thread;
	});

	private volatile boolean ready;

	/**
	 * @param notifier where notifications go, {@code null} when systemd did not ask for
	 * them: then nothing is sent
	 * @param servers the Unix socket servers, for the status line and the drain
	 * @param liveness the application's liveness, read before each watchdog ping
	 */
	public SystemdNotifications(@Nullable SystemdNotifier notifier, Supplier<Collection<UnixSocketServerView>> servers,
			Supplier<LivenessState> liveness) {
		this.notifier = notifier;
		this.servers = servers;
		this.liveness = liveness;
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		SystemdNotifier notifier = this.notifier;
		if (notifier == null) {
			return;
		}
		if (event instanceof AvailabilityChangeEvent<?> change && change.getState() instanceof ReadinessState state) {
			readiness(notifier, state);
		}
		else if (event instanceof ContextClosedEvent) {
			stopping(notifier);
		}
	}

	private void readiness(SystemdNotifier notifier, ReadinessState state) {
		if (state == ReadinessState.ACCEPTING_TRAFFIC && !this.ready) {
			this.ready = true;
			notifier.notify("READY=1\n" + SystemdNotifier.status(status("Ready")));
			storeSockets(notifier);
			Duration ping = notifier.watchdogPing();
			if (ping != null) {
				this.scheduler.scheduleAtFixedRate(() -> watchdog(notifier), 0, ping.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		else if (state == ReadinessState.REFUSING_TRAFFIC) {
			notifier.notify(SystemdNotifier.status(status("Refusing traffic")));
		}
	}

	/**
	 * With systemd's fd store ({@code FileDescriptorStoreMax=}), push each socket a server
	 * bound ({@code FDSTORE=1}, {@code FDNAME=} the server's name) and leave it in place on
	 * stop: on the next start systemd passes it back ({@code LISTEN_FDNAMES}), and clients
	 * connecting in between wait in its backlog instead of being refused. Inherited sockets
	 * are systemd's already.
	 */
	private void storeSockets(SystemdNotifier notifier) {
		int room = notifier.fdStoreMax();
		if (room == 0) {
			return;
		}
		List<String> stored = new ArrayList<>();
		for (UnixSocketServerView view : this.servers.get()) {
			if (!(view instanceof AbstractUnixSocketServer server) || server.isInherited() || !server.isRunning()) {
				continue;
			}
			if (stored.size() >= room) {
				logger.warn("systemd's fd store is full (FDSTORE=" + room + "): Unix socket server '" + server.name()
						+ "' is not stored, so a restart refuses its clients until it binds again; raise "
						+ "FileDescriptorStoreMax=");
				continue;
			}
			if (!validFdName(server.name())) {
				notStored(server, "FDNAME= takes at most 255 printable ASCII characters without ':'");
				continue;
			}
			try {
				if (notifier.notify("FDSTORE=1\nFDNAME=" + server.name(), server.socketDescriptor())) {
					server.leaveSocketOnStop();
					stored.add(server.name());
				}
				else {
					notStored(server, "the notification was not sent");
				}
			}
			catch (IOException ex) {
				notStored(server, LogValues.escape(ex.getMessage()));
			}
		}
		if (!stored.isEmpty()) {
			logger.info("Stored the sockets of " + stored + " in systemd's fd store: a restart takes them back, "
					+ "and a stop leaves their files in place");
		}
	}

	private static void notStored(AbstractUnixSocketServer server, String why) {
		logger.warn("Unix socket server '" + LogValues.escape(server.name()) + "' is not stored in systemd's fd store: "
				+ why);
	}

	static boolean validFdName(String name) {
		return !name.isEmpty() && name.length() <= 255
				&& name.chars().allMatch((c) -> c > ' ' && c < 127 && c != ':');
	}

	private void watchdog(SystemdNotifier notifier) {
		// Silence when broken: systemd then restarts the service, as WatchdogSec= intends.
		if (this.liveness.get() == LivenessState.CORRECT) {
			notifier.notify("WATCHDOG=1");
		}
	}

	private void stopping(SystemdNotifier notifier) {
		Duration drain = this.servers.get()
			.stream()
			.filter(AbstractUnixSocketServer.class::isInstance)
			.map((server) -> ((AbstractUnixSocketServer) server).shutdownTimeout())
			.max(Duration::compareTo)
			.orElse(Duration.ZERO);
		notifier.notify("STOPPING=1\n" + extendTimeout(drain.plus(EXTEND_PERIOD)) + "\n"
				+ SystemdNotifier.status(status("Stopping")));
		this.scheduler.scheduleAtFixedRate(() -> extendWhileDraining(notifier), EXTEND_PERIOD.toMillis(),
				EXTEND_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
	}

	private void extendWhileDraining(SystemdNotifier notifier) {
		if (this.servers.get().stream().anyMatch((server) -> server.state() == ServerState.DRAINING)) {
			notifier.notify(extendTimeout(EXTEND_PERIOD.multipliedBy(2)) + "\n"
					+ SystemdNotifier.status(status("Draining")));
		}
	}

	private static String extendTimeout(Duration duration) {
		return "EXTEND_TIMEOUT_USEC=" + TimeUnit.NANOSECONDS.toMicros(duration.toNanos());
	}

	/** @return e.g. {@code Ready: 3 of 3 Unix socket servers running, 2 open connections} */
	String status(String phase) {
		List<UnixSocketServerView> all = List.copyOf(this.servers.get());
		long running = all.stream().filter(UnixSocketServerView::isRunning).count();
		int open = all.stream().mapToInt(UnixSocketServerView::openConnections).sum();
		return phase + ": " + running + " of " + all.size() + " Unix socket servers running, " + open
				+ " open connection" + ((open == 1) ? "" : "s");
	}

	/** @return whether systemd asked for notifications ({@code NOTIFY_SOCKET} is set) */
	public boolean isActive() {
		return this.notifier != null;
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
		SystemdNotifier notifier = this.notifier;
		if (notifier != null) {
			notifier.close();
		}
	}

}
