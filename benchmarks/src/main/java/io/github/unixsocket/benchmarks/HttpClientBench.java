package io.github.unixsocket.benchmarks;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.autoconfigure.client.UnixSocketHttpClients;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.http.client.ReactorClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * Requests per second of the starter's HTTP client ({@code unix-socket.clients}) against the
 * sample app's web server on its socket, beside the same client (Reactor Netty on NIO, a pool
 * as large, its own loops) against the same web server over TCP loopback, alternated in one
 * run. Each of T threads sends {@code GET /actuator/health/ping} and waits for the reply
 * (closed loop); the sample runs as shipped except that TCP is on.
 *
 * <pre>
 * java -jar benchmarks.jar http-client sample-app/target/sample-app-*.jar [--seconds 5] [--rounds 3] [--threads 1,8]
 * </pre>
 */
final class HttpClientBench {

	private static final String PATH = "/actuator/health/ping";

	private HttpClientBench() {
	}

	static void main(String[] args) throws Exception {
		List<String> list = Arrays.asList(args);
		String sampleJar = args[0];
		long seconds = option(list, "--seconds", 5);
		long rounds = option(list, "--rounds", 3);
		int[] threads = Arrays.stream(option(list, "--threads", "1,8").split(",")).mapToInt(Integer::parseInt).toArray();
		int maxThreads = Arrays.stream(threads).max().orElse(1);
		Path dir = Files.createTempDirectory("http-client-bench");
		int port;
		try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			port = free.getLocalPort();
		}
		Process sample = new ProcessBuilder("java", "-jar", sampleJar, "--sample.socket-dir=" + dir,
				"--server.unix-socket.tcp-enabled=true", "--server.port=" + port, "--logging.level.root=warn")
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("sample.log").toFile())
			.start();
		LoopResources tcpLoops = LoopResources.create("bench-tcp", LoopResources.DEFAULT_IO_WORKER_COUNT, true);
		ConnectionProvider tcpPool = ConnectionProvider.builder("bench-tcp").maxConnections(maxThreads).build();
		UnixSocketProperties.Client properties = new UnixSocketProperties.Client();
		properties.setPath(dir.resolve("actuator.sock").toString());
		properties.setMaxConnections(maxThreads);
		UnixSocketHttpClients clients = new UnixSocketHttpClients(Map.of("bench", properties), RestClient::builder, null);
		try {
			awaitReady(dir.resolve("actuator.sock"), port);
			RestClient socket = clients.restClient("bench");
			RestClient tcp = RestClient.builder()
				.requestFactory(new ReactorClientHttpRequestFactory(HttpClient.create(tcpPool).runOn(tcpLoops, false)))
				.baseUrl("http://127.0.0.1:" + port)
				.build();
			System.out.printf(Locale.ROOT, "## HTTP client: `GET %s` on the sample's Tomcat, socket vs TCP loopback%n%n", PATH);
			System.out.printf(Locale.ROOT, "- %ds measured after 2s warm-up, %d alternated rounds, medians; load average at start %s%n%n",
					seconds, rounds, Files.readString(Path.of("/proc/loadavg")).trim().replaceAll(" \\S+ \\S+$", ""));
			System.out.println("| threads | socket req/s | TCP loopback req/s | socket / TCP |");
			System.out.println("|---:|---:|---:|---:|");
			for (int count : threads) {
				List<Double> socketRates = new ArrayList<>();
				List<Double> tcpRates = new ArrayList<>();
				for (int round = 0; round < rounds; round++) {
					socketRates.add(rate(socket, count, seconds));
					tcpRates.add(rate(tcp, count, seconds));
				}
				double socketRate = median(socketRates);
				double tcpRate = median(tcpRates);
				System.out.printf(Locale.ROOT, "| %d | %.0f | %.0f | %.2fx |%n", count, socketRate, tcpRate,
						socketRate / tcpRate);
			}
		}
		finally {
			clients.destroy();
			tcpPool.dispose();
			tcpLoops.dispose();
			sample.destroy();
			sample.waitFor(30, TimeUnit.SECONDS);
		}
	}

	/** Requests per second of {@code threads} closed loops, after a warm-up; every reply checked. */
	private static double rate(RestClient client, int threads, long seconds) throws InterruptedException {
		LongAdder requests = new LongAdder();
		long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
		long end = warmUpEnd + TimeUnit.SECONDS.toNanos(seconds);
		List<Thread> loops = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			Thread loop = new Thread(() -> {
				long now;
				while ((now = System.nanoTime()) < end) {
					String body = client.get().uri(PATH).retrieve().body(String.class);
					if (body == null || !body.contains("UP")) {
						throw new IllegalStateException("unexpected reply: " + body);
					}
					if (now >= warmUpEnd) {
						requests.increment();
					}
				}
			});
			loop.start();
			loops.add(loop);
		}
		for (Thread loop : loops) {
			loop.join();
		}
		return requests.sum() / (double) seconds;
	}

	private static void awaitReady(Path socket, int port) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < deadline) {
			if (Files.exists(socket)) {
				try (Socket tcp = new Socket()) {
					tcp.connect(new InetSocketAddress("127.0.0.1", port), 500);
					return;
				}
				catch (java.io.IOException ex) {
					// not yet
				}
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("the sample app did not start: see its log in " + socket.getParent());
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
	}

	private static long option(List<String> args, String name, long fallback) {
		int at = args.indexOf(name);
		return (at >= 0) ? Long.parseLong(args.get(at + 1)) : fallback;
	}

	private static String option(List<String> args, String name, String fallback) {
		int at = args.indexOf(name);
		return (at >= 0) ? args.get(at + 1) : fallback;
	}

}
