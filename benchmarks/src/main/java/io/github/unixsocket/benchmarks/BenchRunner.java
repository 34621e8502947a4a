package io.github.unixsocket.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs the benchmark matrix: for each scenario, the servers take turns (A B C A B C ...)
 * so that noise from other work on the machine spreads over all of them; medians are
 * reported with ratios against the scenario's baseline measured in the same run.
 *
 * <pre>
 * java -jar benchmarks.jar run --jar target/benchmarks.jar [--java25 DIR] [--epoll BIN]
 *      [--rounds 3] [--seconds 5] [--warmup 1] [--out RESULTS.md] [--quick]
 * </pre>
 */
final class BenchRunner {

	private final Map<String, String> options;

	private final Path work;

	private final StringBuilder report = new StringBuilder();

	private BenchRunner(Map<String, String> options) throws IOException {
		this.options = options;
		this.work = Files.createTempDirectory("uds-bench");
	}

	static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (int i = 0; i < args.length; i++) {
			String key = args[i].replaceFirst("^--", "");
			boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
			options.put(key, flag ? "true" : args[++i]);
		}
		new BenchRunner(options).runAll();
	}

	private void runAll() throws Exception {
		String java17 = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		String java25 = this.options.containsKey("java25") ? this.options.get("java25") + "/bin/java" : null;
		String epoll = this.options.get("epoll");
		boolean quick = this.options.containsKey("quick");
		int rounds = Integer.parseInt(this.options.getOrDefault("rounds", quick ? "1" : "3"));
		header(java17, java25, epoll, rounds);

		Server starter17 = java("starter-17", java17, "starter", false);
		Server nio17 = java("jdk-nio-17", java17, "nio", false);
		stream("Stream echo, Java 17 platform threads, 100 connections x 64 B", rounds, 100, 64, nio17, starter17);
		commands("Command socket, `ping` over 10 connections, Java 17", rounds, 10,
				java("commands-17", java17, "commands", false));
		List<Server> sinks = new ArrayList<>();
		if (this.options.containsKey("dgram-sink")) {
			sinks.add(new Server("dgram-sink-c", List.of(this.options.get("dgram-sink"))));
		}
		sinks.add(java("starter-datagram-17", java17, "datagram", false));
		datagrams("Datagram sink, one sender, 64 B, Java 17", rounds, 1, 64, sinks.toArray(Server[]::new));
		if (java25 != null) {
			Server starter25 = java("starter-25v", java25, "starter", true);
			// One platform poller thread instead of JDK 25's default: fewer hand-offs per read.
			Server starter25Poller1 = java("starter-25v pollerMode=1", java25, "starter", true,
					"-Djdk.pollerMode=1");
			Server nio25 = java("jdk-nio-25v", java25, "nio", true);
			List<Server> servers = new ArrayList<>();
			if (epoll != null) {
				servers.add(new Server("epoll-c", List.of(epoll)));
			}
			servers.add(nio25);
			servers.add(starter25);
			servers.add(starter25Poller1);
			for (int conns : quick ? new int[] { 100 } : new int[] { 1, 10, 100, 1000 }) {
				stream("Stream echo, Java 25 virtual threads, " + conns + " connections x 64 B", rounds, conns, 64,
						servers.toArray(Server[]::new));
			}
			commands("Command socket, `ping` over 10 connections, Java 25 virtual threads", rounds, 10,
					java("commands-25v", java25, "commands", true),
					java("commands-25v pollerMode=1", java25, "commands", true, "-Djdk.pollerMode=1"));
			idle(starter25, quick ? 1000 : 10_000);
			idle(starter25Poller1, quick ? 1000 : 10_000);
		}
		Path out = Path.of(this.options.getOrDefault("out", "RESULTS.md"));
		Files.writeString(out, this.report);
		System.out.println("wrote " + out.toAbsolutePath());
	}

	private void header(String java17, String java25, String epoll, int rounds)
			throws IOException, InterruptedException {
		this.report.append("# Benchmark results\n\n");
		this.report.append("- machine: ").append(machineLine()).append('\n');
		this.report.append("- java: ").append(javaVersion(java17));
		if (java25 != null) {
			this.report.append("; ").append(javaVersion(java25));
		}
		this.report.append('\n');
		this.report.append("- run: ").append(Instant.now()).append(", load average at start ")
			.append(Files.readString(Path.of("/proc/loadavg")).trim().replaceAll(" \\S+ \\S+$", ""))
			.append('\n');
		this.report.append(String.format(Locale.ROOT,
				"- method: closed-loop ping-pong (one message in flight per connection, verified byte for byte) from "
						+ "`LoadGenerator` (one NIO selector thread, in the runner's JVM) to each server in its own "
						+ "process; %ss warm-up + %ss measured; servers alternate A B C A B C over %d round(s); "
						+ "medians of the rounds; ratios are against the first server of the table, measured in "
						+ "the same run%s%n%n",
				this.options.getOrDefault("warmup", "1"), this.options.getOrDefault("seconds", "5"), rounds,
				(epoll != null) ? "" : " (no C compiler: the epoll-c limit reference was skipped)"));
	}

	private Server java(String name, String java, String kind, boolean virtual, String... jvmOptions) {
		List<String> command = new ArrayList<>(List.of(java));
		command.addAll(List.of(jvmOptions));
		command.addAll(List.of("-jar", this.options.get("jar"), "server", kind));
		return new Server(name, command, virtual ? "--virtual" : null);
	}

	private void stream(String title, int rounds, int connections, int messageBytes, Server... servers)
			throws Exception {
		closedLoop(title, rounds, (socket) -> new LoadGenerator(socket, connections, messageBytes), servers);
	}

	private void commands(String title, int rounds, int connections, Server... servers) throws Exception {
		byte[] ping = "ping\n".getBytes(StandardCharsets.UTF_8);
		byte[] pong = "{\"status\":\"ok\",\"payload\":\"pong\"}\n".getBytes(StandardCharsets.UTF_8);
		closedLoop(title, rounds, (socket) -> new LoadGenerator(socket, connections, ping, pong), servers);
	}

	private void datagrams(String title, int rounds, int senders, int messageBytes, Server... servers)
			throws Exception {
		Map<Server, List<DatagramLoad.Result>> results = new LinkedHashMap<>();
		for (int round = 0; round < rounds; round++) {
			for (Server server : servers) {
				Path socket = this.work.resolve(server.name.replaceAll("[^A-Za-z0-9-]", "_") + ".sock");
				try (Running running = server.startDatagram(socket)) {
					DatagramLoad.Result result = new DatagramLoad(socket, senders, messageBytes)
						.run(seconds("warmup", 1), seconds("seconds", 5));
					System.out.println(server.name + " " + result.line());
					results.computeIfAbsent(server, (s) -> new ArrayList<>()).add(result);
				}
			}
		}
		this.report.append("## ").append(title).append("\n\n");
		this.report.append("| server | datagrams/s | errors | ratio |\n|---|---:|---:|---:|\n");
		double base = 0;
		for (Map.Entry<Server, List<DatagramLoad.Result>> entry : results.entrySet()) {
			double rate = median(entry.getValue().stream().mapToDouble(DatagramLoad.Result::perSecond).toArray());
			base = (base == 0) ? rate : base;
			this.report.append(String.format(Locale.ROOT, "| %s | %.0f | %d | %.2f |%n", entry.getKey().name, rate,
					entry.getValue().stream().mapToLong(DatagramLoad.Result::errors).sum(), rate / base));
		}
		this.report.append('\n');
	}

	private void closedLoop(String title, int rounds, Function<Path, LoadGenerator> load, Server... servers)
			throws Exception {
		Map<Server, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
		for (int round = 0; round < rounds; round++) {
			for (Server server : servers) {
				Path socket = this.work.resolve(server.name.replaceAll("[^A-Za-z0-9-]", "_") + ".sock");
				try (Running running = server.start(socket)) {
					LoadGenerator.Result result = load.apply(socket).run(seconds("warmup", 1), seconds("seconds", 5));
					System.out.println(server.name + " " + result.line());
					results.computeIfAbsent(server, (s) -> new ArrayList<>()).add(result);
				}
			}
		}
		this.report.append("## ").append(title).append("\n\n");
		this.report.append(
				"| server | req/s | p50 µs | p99 µs | p99.9 µs | errors | req/s ratio | p99 ratio |\n"
						+ "|---|---:|---:|---:|---:|---:|---:|---:|\n");
		double baseRps = 0;
		double baseP99 = 0;
		for (Map.Entry<Server, List<LoadGenerator.Result>> entry : results.entrySet()) {
			List<LoadGenerator.Result> runs = entry.getValue();
			double rps = median(runs.stream().mapToDouble(LoadGenerator.Result::rps).toArray());
			double p99 = median(runs.stream().mapToDouble(LoadGenerator.Result::p99Micros).toArray());
			if (baseRps == 0) {
				baseRps = rps;
				baseP99 = p99;
			}
			this.report.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %.1f | %d | %.2f | %.2f |%n",
					entry.getKey().name, rps, median(runs.stream().mapToDouble(LoadGenerator.Result::p50Micros).toArray()),
					p99, median(runs.stream().mapToDouble(LoadGenerator.Result::p999Micros).toArray()),
					runs.stream().mapToLong(LoadGenerator.Result::errors).sum(), rps / baseRps, p99 / baseP99));
		}
		this.report.append('\n');
		Files.writeString(this.work.resolve("partial.md"), this.report);
	}

	private void idle(Server server, int count) throws Exception {
		Path socket = this.work.resolve("idle.sock");
		try (Running running = server.start(socket); IdleProbe probe = new IdleProbe(socket)) {
			Thread.sleep(1000);
			double[] before = probe.freshClientMicros(50);
			long rssBefore = running.rssKiB();
			probe.open(count);
			Thread.sleep(1000);
			long rssAfter = running.rssKiB();
			double[] during = probe.freshClientMicros(50);
			double perConnection = (rssAfter - rssBefore) * 1024.0 / count;
			this.report.append("## ").append(count).append(" idle connections, ").append(server.name).append("\n\n");
			this.report.append(String.format(Locale.ROOT,
					"- held: %d (each proved served by a 1-byte echo before measuring)%n"
							+ "- server RSS: %d KiB before, %d KiB with them held: **%.1f KiB per connection**%n"
							+ "- fresh client (connect + 64 B echo), 50 samples: median %.0f µs, max %.0f µs "
							+ "(without the idle ones: median %.0f µs, max %.0f µs)%n%n",
					probe.held(), rssBefore, rssAfter, perConnection / 1024, median(during), during[during.length - 1],
					median(before), before[before.length - 1]));
			System.out.println("idle " + count + ": " + perConnection / 1024 + " KiB/conn, fresh client median "
					+ median(during) + " us");
		}
	}

	private Duration seconds(String option, double fallback) {
		return Duration.ofMillis((long) (Double.parseDouble(this.options.getOrDefault(option, "" + fallback)) * 1000));
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int n = sorted.length;
		return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	}

	private static String machineLine() throws IOException {
		String cpu = Files.readAllLines(Path.of("/proc/cpuinfo"))
			.stream()
			.filter((line) -> line.startsWith("model name"))
			.findFirst()
			.map((line) -> line.replaceFirst("model name\\s*:\\s*", ""))
			.orElse("?");
		return String.format(Locale.ROOT, "nproc=%d kernel=%s cpu=\"%s\" mem=%dGiB",
				Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"), cpu,
				memTotalKiB() / 1024 / 1024);
	}

	private static long memTotalKiB() throws IOException {
		return Files.readAllLines(Path.of("/proc/meminfo"))
			.stream()
			.filter((line) -> line.startsWith("MemTotal"))
			.mapToLong((line) -> Long.parseLong(line.replaceAll("\\D", "")))
			.findFirst()
			.orElse(0);
	}

	private static String javaVersion(String java) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
		String first = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
			.readLine();
		process.waitFor();
		return first;
	}

	/** A server program: its command line gets the socket path appended. */
	private record Server(String name, List<String> command, String flag) {

		Server(String name, List<String> command) {
			this(name, command, null);
		}

		Running start(Path socket) throws IOException, InterruptedException {
			Files.deleteIfExists(socket);
			Process process = launch(socket);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			// The file exists between bind(2) and listen(2): wait until a connection is accepted.
			while (!accepts(socket)) {
				if (!process.isAlive() || System.nanoTime() > deadline) {
					process.destroyForcibly();
					throw new IOException(this.name + " did not listen on " + socket);
				}
				Thread.sleep(20);
			}
			return new Running(process);
		}

		private Process launch(Path socket) throws IOException {
			List<String> line = new ArrayList<>(this.command);
			line.add(socket.toString());
			if (this.flag != null) {
				line.add(this.flag);
			}
			return new ProcessBuilder(line).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
		}

		Running startDatagram(Path socket) throws IOException, InterruptedException {
			Files.deleteIfExists(socket);
			Process process = launch(socket);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			// A datagram socket receives as soon as it is bound, and the starter binds at the final path.
			while (!Files.exists(socket)) {
				if (!process.isAlive() || System.nanoTime() > deadline) {
					process.destroyForcibly();
					throw new IOException(this.name + " did not bind " + socket);
				}
				Thread.sleep(20);
			}
			return new Running(process);
		}

		private static boolean accepts(Path socket) {
			try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
				probe.connect(UnixDomainSocketAddress.of(socket));
				return true;
			}
			catch (IOException ex) {
				return false;
			}
		}

	}

	private record Running(Process process) implements AutoCloseable {

		long rssKiB() throws IOException {
			return Files.readAllLines(Path.of("/proc", Long.toString(this.process.pid()), "status"))
				.stream()
				.filter((line) -> line.startsWith("VmRSS"))
				.mapToLong((line) -> Long.parseLong(line.replaceAll("\\D", "")))
				.findFirst()
				.orElse(0);
		}

		@Override
		public void close() throws InterruptedException {
			this.process.destroy();
			if (!this.process.waitFor(40, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor();
			}
		}

	}

}
