package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.github.unixsocket.server.UnixSocketServer;

import org.springframework.context.SmartLifecycle;

/**
 * Starts every Unix socket server when the context starts and drains them, in parallel,
 * when it stops. Runs in {@link #PHASE}, the phase of the web server's graceful shutdown,
 * so both drain at once and share {@code spring.lifecycle.timeout-per-shutdown-phase}; a
 * drain still running when that budget ends is cut short when the context closes.
 */
public class UnixSocketServersLifecycle implements SmartLifecycle {

	/** {@code SmartLifecycle.DEFAULT_PHASE - 1024}: the web server graceful shutdown phase. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

	private final UnixSocketServers servers;

	public UnixSocketServersLifecycle(UnixSocketServers servers) {
		this.servers = servers;
	}

	@Override
	public void start() {
		List<UnixSocketServer> started = new ArrayList<>();
		for (UnixSocketServer server : this.servers.configured()) {
			if (server.isRunning()) {
				continue;
			}
			try {
				server.start();
				started.add(server);
			}
			catch (IOException | RuntimeException ex) {
				started.forEach(UnixSocketServer::close);
				throw UnixSocketConfigurationException.startFailure(server, this.servers.configured(), ex);
			}
		}
	}

	@Override
	public void stop() {
		CountDownLatch done = new CountDownLatch(1);
		stop(done::countDown);
		try {
			done.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void stop(Runnable callback) {
		List<UnixSocketServer> running = this.servers.configured().stream().filter(UnixSocketServer::isRunning).toList();
		if (running.isEmpty()) {
			callback.run();
			return;
		}
		CountDownLatch drained = new CountDownLatch(running.size());
		for (UnixSocketServer server : running) {
			Thread drain = new Thread(() -> {
				try {
					server.stop();
				}
				finally {
					drained.countDown();
				}
			}, "unix-socket-" + server.name() + "-drain");
			drain.setDaemon(true);
			drain.start();
		}
		Thread waiter = new Thread(() -> {
			try {
				drained.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				callback.run();
			}
		}, "unix-socket-drain");
		waiter.setDaemon(true);
		waiter.start();
	}

	@Override
	public boolean isRunning() {
		return this.servers.configured().stream().anyMatch(UnixSocketServer::isRunning);
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
