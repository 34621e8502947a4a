package io.github.unixsocket.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000,000 echo round trips over 100 connections, byte for byte. Heavy: runs only with
 * {@code ./mvnw verify -Psoak} (virtual threads on Java 21+).
 */
@EnabledIfSystemProperty(named = "soak", matches = "true")
@Timeout(900)
class SoakTests {

	@TempDir
	Path dir;

	@Test
	void millionEchoRoundTripsOverHundredConnections() throws Exception {
		int connections = 100;
		int perConnection = 10_000;
		Path path = this.dir.resolve("soak.sock");
		try (StreamServer server = StreamServer.builder("soak", path)
			.handler((connection) -> connection.inputStream().transferTo(connection.outputStream()))
			.threadFactory(virtualThreadsIfAvailable())
			.build()) {
			server.start();
			long start = System.nanoTime();
			List<CompletableFuture<Long>> clients = new ArrayList<>();
			ExecutorService threads = Executors.newFixedThreadPool(connections);
			for (int c = 0; c < connections; c++) {
				int seed = c;
				clients.add(CompletableFuture.supplyAsync(() -> exchange(path, seed, perConnection), threads));
			}
			threads.shutdown();
			long errors = 0;
			for (CompletableFuture<Long> client : clients) {
				errors += client.get(600, TimeUnit.SECONDS);
			}
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			long total = (long) connections * perConnection;
			System.out.printf("SOAK round trips=%d connections=%d errors=%d duration=%.1fs (%.0f/s) "
					+ "bytes received by server=%d%n", total, connections, errors, took.toMillis() / 1e3,
					total / (took.toMillis() / 1e3), server.bytesReceived());
			assertThat(errors).isZero();
			assertThat(server.acceptedConnections()).isEqualTo(connections);
			assertThat(server.handlerErrors()).isZero();
		}
	}

	private static long exchange(Path path, int seed, int count) {
		Random random = new Random(seed);
		long errors = 0;
		try (TestClient client = TestClient.connect(path)) {
			for (int i = 0; i < count; i++) {
				byte[] message = new byte[1 + random.nextInt(1024)];
				random.nextBytes(message);
				client.write(message);
				if (!Arrays.equals(client.readBytes(message.length), message)) {
					errors++;
				}
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException("client " + seed + " failed", ex);
		}
		return errors;
	}

	private static ThreadFactory virtualThreadsIfAvailable() {
		try {
			Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
			return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
		}
		catch (ReflectiveOperationException ex) {
			return null;
		}
	}

}
