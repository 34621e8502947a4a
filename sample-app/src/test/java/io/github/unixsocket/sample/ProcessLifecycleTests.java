package io.github.unixsocket.sample;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The sample app as a real child process: crash recovery and shutdown under load. */
@Timeout(180)
class ProcessLifecycleTests {

	@TempDir
	Path dir;

	@Test
	void restartAfterKill9ReclaimsTheStaleSocket() throws Exception {
		Path echo = this.dir.resolve("echo.sock");
		Process first = startApp("first.log");
		awaitServing(echo, first);
		first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
		assertThat(echo).as("a crashed process leaves its socket file behind").exists();

		Process second = startApp("second.log");
		try {
			awaitServing(echo, second);
			assertThat(Files.readString(this.dir.resolve("second.log"))).contains("Removed stale socket file " + echo);
		}
		finally {
			second.destroy();
			assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(echo).as("a clean stop removes the file").doesNotExist();
	}

	@Test
	void sigtermUnderLoadDrainsPoliteClientsAndClosesStragglersInTime() throws Exception {
		Path echo = this.dir.resolve("echo.sock");
		Process app = startApp("app.log", "--unix-socket.servers.echo.shutdown-timeout=5s");
		awaitServing(echo, app);
		AtomicBoolean stopping = new AtomicBoolean();
		CountDownLatch exchanging = new CountDownLatch(100);
		ExecutorService threads = Executors.newFixedThreadPool(100);
		List<Future<String>> clients = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			boolean polite = i % 2 == 0;
			int id = i;
			clients.add(threads.submit(() -> exchangeUntilStopped(echo, id, polite, stopping, exchanging)));
		}
		assertThat(exchanging.await(60, TimeUnit.SECONDS)).as("all clients exchanging").isTrue();
		long start = System.nanoTime();
		app.destroy();
		while (Files.exists(echo)) {
			Thread.sleep(1);
		}
		stopping.set(true);
		assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
		long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		List<String> outcomes = new ArrayList<>();
		for (Future<String> client : clients) {
			outcomes.add(client.get(30, TimeUnit.SECONDS));
		}
		threads.shutdown();
		assertThat(outcomes.subList(0, 100).stream().filter((o) -> o.startsWith("corrupt"))).isEmpty();
		for (int i = 0; i < 100; i += 2) {
			assertThat(outcomes.get(i)).as("polite client %d", i).isEqualTo("finished");
		}
		for (int i = 1; i < 100; i += 2) {
			assertThat(outcomes.get(i)).as("straggler %d", i).isEqualTo("closed by server");
		}
		// 5 s drain budget plus the JVM's own shutdown: nothing hangs.
		assertThat(stopMillis).isLessThan(30_000);
		Matcher stopped = Pattern.compile("'echo' stopped: (\\d+) connection\\(s\\) drained, (\\d+) force-closed")
			.matcher(Files.readString(this.dir.resolve("app.log")));
		assertThat(stopped.find()).isTrue();
		assertThat(Integer.parseInt(stopped.group(1))).isEqualTo(50);
		assertThat(Integer.parseInt(stopped.group(2))).isEqualTo(50);
	}

	/**
	 * Echo 1 KiB messages until told to stop (polite) or until the server closes
	 * (straggler). Every reply must be exact; a reply cut short by the close must be a
	 * prefix of the message.
	 */
	private static String exchangeUntilStopped(Path socket, int id, boolean polite, AtomicBoolean stopping,
			CountDownLatch exchanging) {
		byte[] message = new byte[1024];
		Arrays.fill(message, (byte) id);
		try (SocketChannel channel = connect(socket)) {
			for (long n = 0;; n++) {
				if (polite && stopping.get()) {
					return "finished";
				}
				message[0] = (byte) n;
				channel.write(ByteBuffer.wrap(message));
				ByteBuffer reply = ByteBuffer.allocate(message.length);
				while (reply.hasRemaining()) {
					if (channel.read(reply) < 0) {
						return isPrefix(reply, message) ? "closed by server" : "corrupt";
					}
				}
				if (!Arrays.equals(reply.array(), message)) {
					return "corrupt reply";
				}
				if (n == 0) {
					exchanging.countDown();
				}
			}
		}
		catch (EOFException ex) {
			return "closed by server";
		}
		catch (IOException ex) {
			// A reset or broken pipe from the force-close is a close too, never corrupt data.
			return "closed by server";
		}
	}

	private static boolean isPrefix(ByteBuffer reply, byte[] message) {
		for (int i = 0; i < reply.position(); i++) {
			if (reply.get(i) != message[i]) {
				return false;
			}
		}
		return true;
	}

	private Process startApp(String log, String... extraArgs) throws IOException {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), SampleApplication.class.getName(),
				"--sample.socket-dir=" + this.dir, "--server.port=0"));
		command.addAll(List.of(extraArgs));
		return new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.dir.resolve(log).toFile())
			.start();
	}

	private static void awaitServing(Path socket, Process process) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (true) {
			assertThat(process.isAlive()).as("sample app is running").isTrue();
			try (SocketChannel channel = connect(socket)) {
				channel.write(ByteBuffer.wrap(new byte[] { 42 }));
				ByteBuffer reply = ByteBuffer.allocate(1);
				if (channel.read(reply) == 1 && reply.get(0) == 42) {
					return;
				}
			}
			catch (IOException ex) {
				// not (yet) served by this process
			}
			assertThat(System.nanoTime()).as("served within 60s").isLessThan(deadline);
			Thread.sleep(50);
		}
	}

	private static SocketChannel connect(Path socket) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(socket));
			return channel;
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
	}

}
