package io.github.unixsocket.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restart by handover, end to end with two processes of the sample app (without its web
 * server, whose socket is not handed over): clients connect to {@code lines.sock} without
 * pause, a new connection per line, while the second process takes the sockets and the first
 * one drains and exits by itself. Not one connection is refused, not one reply lost. The
 * counts go to the output ({@code benchmarks/RESULTS.md} quotes a run).
 */
@Timeout(240)
@EnabledOnOs(OS.LINUX)
class SocketHandoverTests {

	private static final int CLIENTS = 4;

	@TempDir
	Path dir;

	@Test
	void aNewProcessTakesTheSocketsAndTheOldOneExitsWithoutRefusingAClient() throws Exception {
		Path lines = this.dir.resolve("lines.sock");
		Path control = this.dir.resolve("echo.sock.handover");
		Process old = start("old");
		try {
			awaitFile(control, old);
			List<Client> clients = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				clients.add(Client.start(lines, i));
			}
			Thread.sleep(1000);
			Process fresh = start("new");
			try {
				assertThat(old.waitFor(120, TimeUnit.SECONDS)).as("the old process exits by itself").isTrue();
				assertThat(old.exitValue()).isZero();
				Thread.sleep(1000);
				Totals totals = Totals.stop(clients, "Handover");
				assertThat(totals.refused()).as("refused connections").isZero();
				assertThat(totals.lost()).as("replies lost").isZero();
				assertThat(totals.attempted()).isGreaterThan(CLIENTS * 10);
				assertThat(Files.readString(this.dir.resolve("new.log"))).contains("over from the running instance")
					.contains("inherited 'lines'");
				assertThat(Files.readString(this.dir.resolve("old.log"))).contains("this instance stops");
				assertThat(control).as("the new process listens for the next one").exists();
			}
			finally {
				fresh.destroy();
				assertThat(fresh.waitFor(60, TimeUnit.SECONDS)).isTrue();
			}
		}
		finally {
			old.destroyForcibly();
		}
	}

	/** The baseline the handover is measured against: stop, then start, as a restart without it does. */
	@Test
	void aPlainRestartRefusesTheClientsThatConnectMeanwhile() throws Exception {
		Path lines = this.dir.resolve("lines.sock");
		Process old = start("old", false);
		awaitFile(lines, old);
		List<Client> clients = new ArrayList<>();
		for (int i = 0; i < CLIENTS; i++) {
			clients.add(Client.start(lines, i));
		}
		Thread.sleep(1000);
		old.destroy();
		assertThat(old.waitFor(60, TimeUnit.SECONDS)).isTrue();
		Process fresh = start("new", false);
		try {
			awaitFile(lines, fresh);
			Thread.sleep(1000);
			Totals totals = Totals.stop(clients, "Plain restart");
			assertThat(totals.refused()).as("the window a handover closes").isPositive();
		}
		finally {
			fresh.destroy();
			assertThat(fresh.waitFor(60, TimeUnit.SECONDS)).isTrue();
		}
	}

	private Process start(String name) throws IOException {
		return start(name, true);
	}

	private Process start(String name, boolean handover) throws IOException {
		return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), SampleApplication.class.getName(),
				"--sample.socket-dir=" + this.dir, "--spring.main.web-application-type=none",
				"--unix-socket.handover.enabled=" + handover))
			.redirectErrorStream(true)
			.redirectOutput(this.dir.resolve(name + ".log").toFile())
			.start();
	}

	private static void awaitFile(Path path, Process process) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
		while (!Files.exists(path) && process.isAlive() && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(path).as("the process is ready").exists();
	}

	/** What the clients saw, once stopped; printed for RESULTS.md. */
	record Totals(int attempted, int refused, int lost) {

		static Totals stop(List<Client> clients, String restart) throws InterruptedException {
			for (Client client : clients) {
				client.stop();
			}
			Totals totals = new Totals(clients.stream().mapToInt((c) -> c.attempted.get()).sum(),
					clients.stream().mapToInt((c) -> c.refused.get()).sum(),
					clients.stream().mapToInt((c) -> c.lost.get()).sum());
			System.out.println(restart + " of the sample app under load (" + CLIENTS + " clients, a connection per "
					+ "line): " + totals.attempted() + " connections attempted, " + totals.refused() + " refused, "
					+ totals.lost() + " replies lost");
			return totals;
		}

	}

	/** One client thread: connect, one line, its reply, close; again until stopped (at most 150s). */
	static final class Client {

		final AtomicInteger attempted = new AtomicInteger();

		final AtomicInteger refused = new AtomicInteger();

		final AtomicInteger lost = new AtomicInteger();

		private final AtomicBoolean stopped = new AtomicBoolean();

		private final Thread thread;

		private Client(Path path, int id) {
			this.thread = new Thread(() -> run(path, id), "handover-client-" + id);
		}

		static Client start(Path path, int id) {
			Client client = new Client(path, id);
			client.thread.start();
			return client;
		}

		private void run(Path path, int id) {
			long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
			for (int i = 0; !this.stopped.get() && System.nanoTime() < deadline; i++) {
				this.attempted.incrementAndGet();
				String line = "client " + id + " line " + i;
				SocketChannel channel;
				try {
					channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
				}
				catch (IOException ex) {
					// Refused, or no file to connect to: either way the client is turned away.
					this.refused.incrementAndGet();
					continue;
				}
				try (channel) {
					channel.write(StandardCharsets.UTF_8.encode(line + "\n"));
					String reply = new BufferedReader(
							new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))
						.readLine();
					if (!line.equals(reply)) {
						this.lost.incrementAndGet();
					}
				}
				catch (IOException ex) {
					this.lost.incrementAndGet();
				}
			}
		}

		void stop() throws InterruptedException {
			this.stopped.set(true);
			this.thread.join(10_000);
		}

	}

}
