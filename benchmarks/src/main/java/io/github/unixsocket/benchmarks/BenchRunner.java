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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the benchmark matrix. For each scenario the servers take turns (A B C A B C ...)
 * so that noise from other work on the machine spreads over all of them; each server is
 * started once per round and measured at each connection count of the scenario in turn.
 * Medians of the rounds are reported with ratios against the scenario's reference,
 * measured in the same run: the faster of the C servers where there are any. A
 * measurement during which other processes took more than {@code --noisy} % of a core is
 * re-run (within {@code --retry-budget} seconds) and the quieter one kept.
 *
 * <pre>
 * java -jar benchmarks.jar run --jar target/benchmarks.jar [--java25 DIR] [--uds-load BIN]
 *      [--epoll BIN [--epoll-level]] [--dgram-sink BIN] [--baseline-jar JAR --baseline-name NAME]
 *      [--sample-jar JAR]
 *      [--rounds 3] [--seconds 4] [--warmup 1] [--noisy 25] [--retry-budget 150] [--out RESULTS.md] [--quick]
 *      [--only stream,raw,commands,dgram,idle,java-gen] [--levels 10,100,1000,1]
 * </pre>
 */
final class BenchRunner {

	private static final long CLOCK_TICKS_PER_SECOND = 100;

	private final Map<String, String> options;

	private final Path work;

	private final StringBuilder report = new StringBuilder();

	/** Per table key, per server name: the medians, for the targets. */
	private final Map<String, Map<String, Summary>> summaries = new LinkedHashMap<>();

	private final Map<String, IdleSummary> idles = new LinkedHashMap<>();

	private final String udsLoad;

	private long retryBudgetNanos;

	private long quietBudgetNanos;

	private BenchRunner(Map<String, String> options) throws IOException {
		this.options = options;
		this.work = Files.createTempDirectory("uds-bench");
		this.udsLoad = options.get("uds-load");
		this.retryBudgetNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(options.getOrDefault("retry-budget",
				options.containsKey("quick") ? "0" : "120")));
		this.quietBudgetNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(options.getOrDefault("quiet-budget",
				options.containsKey("quick") ? "20" : "300")));
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
		long started = System.nanoTime();
		String java17 = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		String java25 = this.options.containsKey("java25") ? this.options.get("java25") + "/bin/java" : null;
		boolean quick = this.options.containsKey("quick");
		int rounds = Integer.parseInt(this.options.getOrDefault("rounds", quick ? "1" : "3"));
		header(java17, java25, rounds);

		List<Server> c = new ArrayList<>();
		String epoll = this.options.get("epoll");
		if (epoll != null) {
			c.add(Server.reference("epoll-c edge", List.of(epoll)));
			if (this.options.containsKey("epoll-level")) {
				c.add(Server.reference("epoll-c level", List.of(epoll, "-l")));
			}
		}
		Server linesLoop17 = java("lines loop 17", java17, "lines", "--dispatch", "event-loop");
		Server linesWorkers17 = java("lines workers 17", java17, "lines", "--dispatch", "workers");
		Server raw17 = java("raw 17", java17, "starter");
		Server commandsLoop17 = java("commands loop 17", java17, "commands", "--dispatch", "event-loop");
		Server linesLoop25 = null;
		Server linesWorkers25 = null;
		Server raw25 = null;
		Server commandsLoop25 = null;
		if (java25 != null) {
			linesLoop25 = java("lines loop 25", java25, "lines", "--dispatch", "event-loop");
			linesWorkers25 = java("lines workers 25v", java25, "lines", "--virtual", "--dispatch", "workers");
			raw25 = java("raw 25v", java25, "starter", "--virtual");
			commandsLoop25 = java("commands loop 25", java25, "commands", "--dispatch", "event-loop");
		}
		// The sample app as shipped (Actuator on): what a user gets, beside the bare benchmark apps.
		String sampleJar = this.options.get("sample-jar");
		Server sampleLines17 = (sampleJar != null) ? sample("sample lines.sock 17", java17, sampleJar, "lines.sock")
				: null;
		Server sampleAdmin17 = (sampleJar != null)
				? sample("sample admin.sock 17 (workers)", java17, sampleJar, "admin.sock") : null;
		Server sampleLines25 = (sampleJar != null && java25 != null)
				? sample("sample lines.sock 25", java25, sampleJar, "lines.sock") : null;
		Server sampleAdmin25 = (sampleJar != null && java25 != null)
				? sample("sample admin.sock 25 (workers)", java25, sampleJar, "admin.sock") : null;
		boolean c1 = this.udsLoad != null;

		// 1. Lines echo: the event-loop core against C, and workers against today's raw echo.
		List<Server> stream = new ArrayList<>(c);
		if (quick) {
			stream.addAll((java25 != null) ? present(linesLoop25, linesWorkers25, raw25, sampleLines25)
					: present(linesLoop17, linesWorkers17, raw17, sampleLines17));
		}
		else {
			stream.addAll(present(linesLoop17, linesLoop25, linesWorkers17, linesWorkers25, raw17, raw25,
					sampleLines17, sampleLines25));
		}
		int[] streamLevels = quick ? new int[] { 100 } : levels("10,100,1000,1");
		matrix("stream", "Lines echo, 64 B (63 + newline), " + (c1 ? "`uds-load -n`" : "`LoadGenerator` line mode"),
				rounds, streamLevels, stream, this::linesLoad);

		// 2. The raw thread-per-connection echo against the same server built from an earlier commit.
		String baselineJar = this.options.get("baseline-jar");
		if (baselineJar != null && !quick && (only("raw") || only("lines-baseline"))) {
			String base = this.options.getOrDefault("baseline-name", "baseline");
			List<Server> raw = new ArrayList<>();
			raw.add(raw17);
			raw.add(javaFromJar("raw 17 @" + base, java17, baselineJar, "starter"));
			if (java25 != null) {
				raw.add(raw25);
				raw.add(javaFromJar("raw 25v @" + base, java25, baselineJar, "starter", "--virtual"));
			}
			matrix("raw", "Raw echo (thread per connection), this build and `" + base + "`, 64 B, "
					+ (c1 ? "`uds-load`" : "`LoadGenerator`"), rounds, new int[] { 100 }, raw, this::echoLoad);
			// The event loop's path (accept, framing, replies) of both builds too, and the hand-off to workers.
			List<Server> loop = new ArrayList<>();
			loop.add(linesLoop17);
			loop.add(javaFromJar("lines loop 17 @" + base, java17, baselineJar, "lines", "--dispatch", "event-loop"));
			loop.add(linesWorkers17);
			loop.add(javaFromJar("lines workers 17 @" + base, java17, baselineJar, "lines", "--dispatch", "workers"));
			if (java25 != null) {
				loop.add(linesLoop25);
				loop.add(javaFromJar("lines loop 25 @" + base, java25, baselineJar, "lines", "--dispatch", "event-loop"));
			}
			matrix("lines-baseline", "Lines echo on the loop (and with workers), this build and `" + base + "`, 64 B, "
					+ (c1 ? "`uds-load -n`" : "`LoadGenerator` line mode"), rounds, new int[] { 100 }, loop,
					this::linesLoad);
		}

		// 3. Commands: ping on the loop against the C echo server answering "ping\n" with "ping\n".
		List<Server> commands = new ArrayList<>(c);
		commands.addAll(quick ? present((java25 != null) ? commandsLoop25 : commandsLoop17)
				: present(commandsLoop17, commandsLoop25, sampleAdmin17, sampleAdmin25));
		matrix("commands", "Command `ping` (the C servers echo `ping\\n`), `LoadGenerator` request mode", rounds,
				quick ? new int[] { 100 } : new int[] { 10, 100 }, commands, this::pingLoad);

		// 4. Datagrams.
		List<Server> sinks = new ArrayList<>();
		if (this.options.containsKey("dgram-sink")) {
			sinks.add(Server.reference("sink-c", List.of(this.options.get("dgram-sink"))).datagram());
		}
		if (!quick || java25 == null) {
			sinks.add(java("datagram 17", java17, "datagram").datagram());
		}
		if (java25 != null) {
			sinks.add(java("datagram 25", java25, "datagram").datagram());
		}
		matrix("dgram", "Datagram sink, one sender, 64 B, " + (c1 ? "`uds-load --dgram` (bound sender)"
				: "`DatagramLoad` (unbound sender)"), rounds, new int[] { 1 }, sinks,
				c1 ? this::udsDatagramLoad : this::javaDatagramLoad);
		if (c1 && !quick && only("dgram")) {
			matrix("dgram-java", "Datagram sink, cross-check with `DatagramLoad` (junixsocket sender, unbound)", 1,
					new int[] { 1 }, sinks, this::javaDatagramLoad);
		}

		// 5. Idle connections on a lines server.
		int idle = quick ? 1000 : 10_000;
		for (Server server : !only("idle") ? List.<Server>of() : quick
				? present((java25 != null) ? linesLoop25 : linesLoop17) : present(linesLoop17, linesLoop25)) {
			idle(server, idle);
		}

		// 6. Cross-check of the C load generator with the Java one.
		if (c1 && !quick && only("java-gen")) {
			List<Server> cross = new ArrayList<>(c);
			cross.addAll(present(linesLoop17, linesLoop25, raw17, raw25));
			matrix("java-gen", "Cross-check: the same servers under `LoadGenerator` (line mode), 64 B", 2,
					new int[] { 100 }, cross, this::javaLinesLoad);
		}

		targets();
		this.report.append(String.format(Locale.ROOT, "Run took %.0f s.%n",
				(System.nanoTime() - started) / 1e9));
		Path out = Path.of(this.options.getOrDefault("out", "RESULTS.md"));
		Files.writeString(out, this.report + keptAnalysis(out));
		System.out.println("wrote " + out.toAbsolutePath());
		try (Stream<Path> files = Files.walk(this.work)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
	}

	/** What people wrote below {@link #ANALYSIS_MARKER} in the previous report: the profiles behind the numbers. */
	private static String keptAnalysis(Path out) throws IOException {
		String previous = Files.exists(out) ? Files.readString(out) : "";
		int marker = previous.indexOf(ANALYSIS_MARKER);
		return (marker >= 0) ? "\n" + previous.substring(marker) : "";
	}

	private static final String ANALYSIS_MARKER = "<!-- written by hand, kept by the runner -->";

	private void header(String java17, String java25, int rounds) throws IOException, InterruptedException {
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
				"- method: closed-loop ping-pong (one message in flight per connection, every reply checked byte "
						+ "for byte) from %s, each server in its own process; per measurement %ss warm-up + %ss "
						+ "measured; servers alternate A B C A B C over %d round(s), each started once per round "
						+ "(a JVM primed for 3 s) and measured at each connection count of the table in turn; "
						+ "medians of the rounds; *ratio* = against the faster C server of the same table, "
						+ "measured in the same run (else the first server)%s%n",
				(this.udsLoad != null) ? "`uds-load` (C, one epoll thread, a process of its own)"
						: "`LoadGenerator` (one NIO selector thread, in the runner's JVM)",
				this.options.getOrDefault("warmup", "1"), this.options.getOrDefault("seconds", "4"), rounds,
				this.options.containsKey("epoll") ? "" : " (no C compiler: the C references were skipped)"));
		this.report.append(String.format(Locale.ROOT,
				"- CPU columns: %% of one core over the measurement (warm-up included); *other* = everything on "
						+ "the machine that is neither this server nor this client (other sessions, builds, kernel "
						+ "threads, steal); before each measurement the runner waits (up to %2$s s, %3$d s in all) "
						+ "for *other* to drop below %1$s%%, and a measurement with *other* > %1$s%% is re-run once "
						+ "(%4$d s in all) and the quieter kept (*tries*)%n%n",
				this.options.getOrDefault("noisy", "25"), this.options.getOrDefault("quiet-wait", "10"),
				TimeUnit.NANOSECONDS.toSeconds(this.quietBudgetNanos),
				TimeUnit.NANOSECONDS.toSeconds(this.retryBudgetNanos)));
	}

	private Server java(String name, String java, String kind, String... flags) {
		return javaFromJar(name, java, this.options.get("jar"), kind, flags);
	}

	private static Server javaFromJar(String name, String java, String jar, String kind, String... flags) {
		return new Server(name, List.of(java, "-jar", jar, "server", kind), List.of(flags), false, false, true, null);
	}

	/** The sample app's jar: it takes a socket directory and names the sockets itself. */
	private static Server sample(String name, String java, String jar, String socketName) {
		return new Server(name, List.of(java, "-jar", jar, "--server.port=0"), List.of(), false, false, true,
				socketName);
	}

	private static List<Server> present(Server... servers) {
		return Arrays.stream(servers).filter((server) -> server != null).toList();
	}

	// --- Loads ----------------------------------------------------------------------------

	/** One measurement of a load at a connection count. */
	@FunctionalInterface
	private interface Load {

		Sample run(Path socket, int connections, Duration warmup, Duration measure) throws Exception;

	}

	private Sample linesLoad(Path socket, int connections, Duration warmup, Duration measure) throws Exception {
		return (this.udsLoad != null) ? udsLoad(socket, connections, warmup, measure, "-n")
				: javaLinesLoad(socket, connections, warmup, measure);
	}

	private Sample echoLoad(Path socket, int connections, Duration warmup, Duration measure) throws Exception {
		return (this.udsLoad != null) ? udsLoad(socket, connections, warmup, measure)
				: Sample.of(new LoadGenerator(socket, connections, 64).run(warmup, measure));
	}

	private Sample javaLinesLoad(Path socket, int connections, Duration warmup, Duration measure) throws Exception {
		return Sample.of(new LoadGenerator(socket, connections, 64, true).run(warmup, measure));
	}

	private Sample pingLoad(Path socket, int connections, Duration warmup, Duration measure, Server server)
			throws Exception {
		byte[] ping = "ping\n".getBytes(StandardCharsets.UTF_8);
		byte[] reply = server.reference() ? ping
				: "{\"status\":\"ok\",\"payload\":\"pong\"}\n".getBytes(StandardCharsets.UTF_8);
		return Sample.of(new LoadGenerator(socket, connections, ping, reply).run(warmup, measure));
	}

	private Sample udsLoad(Path socket, int connections, Duration warmup, Duration measure, String... extra)
			throws Exception {
		List<String> command = new ArrayList<>(List.of(this.udsLoad, "-s", socket.toString(), "-c",
				Integer.toString(connections), "-m", "64", "-d", seconds(measure), "-w", seconds(warmup)));
		command.addAll(List.of(extra));
		Map<String, String> result = runUdsLoad(command, warmup.plus(measure));
		return new Sample(Double.parseDouble(result.get("rps")), Double.parseDouble(result.get("p50_us")),
				Double.parseDouble(result.get("p99_us")), Double.parseDouble(result.get("p999_us")),
				Long.parseLong(result.get("errors")), Double.parseDouble(result.get("client_cpu_s")));
	}

	private Sample udsDatagramLoad(Path socket, int senders, Duration warmup, Duration measure) throws Exception {
		List<String> command = List.of(this.udsLoad, "--dgram", "-s", socket.toString(), "-c",
				Integer.toString(senders), "-m", "64", "-d", seconds(measure), "-w", seconds(warmup));
		Map<String, String> result = runUdsLoad(command, warmup.plus(measure));
		return new Sample(Double.parseDouble(result.get("pps")), Double.NaN, Double.NaN, Double.NaN,
				Long.parseLong(result.get("errors")) + Long.parseLong(result.get("blocked")),
				Double.parseDouble(result.get("client_cpu_s")));
	}

	private Sample javaDatagramLoad(Path socket, int senders, Duration warmup, Duration measure) throws Exception {
		DatagramLoad.Result result = new DatagramLoad(socket, senders, 64).run(warmup, measure);
		return new Sample(result.perSecond(), Double.NaN, Double.NaN, Double.NaN, result.errors(), Double.NaN);
	}

	/** Run {@code uds-load}, bounded; @return the fields of its RESULT line */
	private Map<String, String> runUdsLoad(List<String> command, Duration expected) throws Exception {
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		String line;
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			line = reader.lines().filter((l) -> l.startsWith("RESULT ")).findFirst().orElse(null);
		}
		if (!process.waitFor(expected.toSeconds() + 30, TimeUnit.SECONDS)) {
			process.destroyForcibly().waitFor();
		}
		if (line == null) {
			throw new IOException("no RESULT line from " + String.join(" ", command));
		}
		Map<String, String> fields = new HashMap<>();
		for (String field : line.split(" ")) {
			int eq = field.indexOf('=');
			if (eq > 0) {
				fields.put(field.substring(0, eq), field.substring(eq + 1));
			}
		}
		return fields;
	}

	private static String seconds(Duration duration) {
		return String.format(Locale.ROOT, "%.3f", duration.toMillis() / 1000.0);
	}

	// --- The matrix -----------------------------------------------------------------------

	private void matrix(String key, String title, int rounds, int[] levels, List<Server> servers, Load load)
			throws Exception {
		matrix(key, title, rounds, levels, servers, (socket, connections, warmup, measure, server) -> load
			.run(socket, connections, warmup, measure));
	}

	@FunctionalInterface
	private interface ServerLoad {

		Sample run(Path socket, int connections, Duration warmup, Duration measure, Server server) throws Exception;

	}

	private void matrix(String key, String title, int rounds, int[] levels, List<Server> servers, ServerLoad load)
			throws Exception {
		if (!only(key.replaceFirst("-java$", ""))) {
			return;
		}
		Duration warmup = duration("warmup", 1);
		Duration measure = duration("seconds", 4);
		Map<Integer, Map<Server, List<Sample>>> results = new LinkedHashMap<>();
		for (int level : levels) {
			results.put(level, new LinkedHashMap<>());
		}
		for (int round = 0; round < rounds; round++) {
			for (Server server : servers) {
				Path socket = server.socket(this.work);
				try (Running running = server.start(socket, this.work)) {
					if (server.jvm()) {
						// Primed: the first measurement should not pay for the JIT alone (C2 is still busy for
						// ~3 s of load after a Spring Boot start; measured per thread on this machine).
						load.run(socket, Math.min(100, levels[0]), Duration.ZERO, Duration.ofSeconds(3), server);
					}
					for (int level : levels) {
						Sample sample = measure(running,
								() -> load.run(socket, level, warmup, measure, server));
						System.out.printf(Locale.ROOT, "%s %s conns=%d %s%n", key, server.name(), level,
								sample.line());
						results.get(level).computeIfAbsent(server, (s) -> new ArrayList<>()).add(sample);
					}
				}
			}
		}
		for (int level : levels) {
			table(key + "-" + level, title + ((levels.length > 1 || level > 1) ? ", " + level + " connection"
					+ ((level > 1) ? "s" : "") : ""), results.get(level), key.startsWith("dgram"));
		}
		Files.writeString(this.work.resolve("partial.md"), this.report);
	}

	@FunctionalInterface
	private interface Measurement {

		Sample run() throws Exception;

	}

	/** Measure with CPU accounting; once more if the machine was busy with something else. */
	private Sample measure(Running running, Measurement measurement) throws Exception {
		double noisy = Double.parseDouble(this.options.getOrDefault("noisy", "25"));
		long self = ProcessHandle.current().pid();
		Sample best = null;
		int attempts = 0;
		while (true) {
			attempts++;
			awaitQuiet(running, noisy);
			long start = System.nanoTime();
			long busy0 = busyTicks();
			long server0 = running.cpuTicks();
			long self0 = processTicks(self);
			Sample sample = measurement.run();
			long busy1 = busyTicks();
			long server1 = running.cpuTicks();
			long self1 = processTicks(self);
			double seconds = (System.nanoTime() - start) / 1e9;
			double busyCpu = (busy1 - busy0) / (double) CLOCK_TICKS_PER_SECOND;
			double serverCpu = (server1 - server0) / (double) CLOCK_TICKS_PER_SECOND;
			double selfCpu = (self1 - self0) / (double) CLOCK_TICKS_PER_SECOND;
			// The Java generators run in this JVM; uds-load reports its own CPU, and this JVM only waits.
			boolean inProcess = Double.isNaN(sample.clientCpuSeconds());
			double clientCpu = inProcess ? selfCpu : sample.clientCpuSeconds();
			double otherCpu = busyCpu - serverCpu - clientCpu - (inProcess ? 0 : selfCpu);
			sample = sample.withCpu(100 * serverCpu / seconds, 100 * clientCpu / seconds,
					Math.max(0, 100 * otherCpu / seconds), attempts);
			if (best == null || sample.otherPercent() < best.otherPercent()) {
				best = sample;
			}
			if (sample.otherPercent() <= noisy || attempts >= 2 || this.retryBudgetNanos <= 0) {
				break;
			}
			System.out.printf(Locale.ROOT, "  other CPU %.0f%% > %.0f%%: measuring again%n", sample.otherPercent(),
					noisy);
			Thread.sleep(500);
			this.retryBudgetNanos -= System.nanoTime() - start;
		}
		return best.withCpu(best.serverPercent(), best.clientPercent(), best.otherPercent(), attempts);
	}

	/**
	 * Wait while other processes take more than {@code noisy} % of a core (1 s samples), at most
	 * {@code --quiet-wait} seconds (10) per measurement and {@code --quiet-budget} seconds in all.
	 */
	private void awaitQuiet(Running running, double noisy) throws Exception {
		long self = ProcessHandle.current().pid();
		long deadline = System.nanoTime()
				+ Math.min(this.quietBudgetNanos, TimeUnit.SECONDS.toNanos(Long.parseLong(
						this.options.getOrDefault("quiet-wait", "10"))));
		long started = System.nanoTime();
		while (System.nanoTime() < deadline) {
			long busy0 = busyTicks();
			long server0 = running.cpuTicks();
			long self0 = processTicks(self);
			long t0 = System.nanoTime();
			Thread.sleep(1000);
			double seconds = (System.nanoTime() - t0) / 1e9;
			double other = ((busyTicks() - busy0) - (running.cpuTicks() - server0) - (processTicks(self) - self0))
					/ (double) CLOCK_TICKS_PER_SECOND / seconds * 100;
			if (other <= noisy) {
				break;
			}
		}
		this.quietBudgetNanos -= System.nanoTime() - started;
	}

	private void table(String key, String title, Map<Server, List<Sample>> results, boolean datagrams)
			throws IOException {
		Map<String, Summary> summary = new LinkedHashMap<>();
		for (Map.Entry<Server, List<Sample>> entry : results.entrySet()) {
			summary.put(entry.getKey().name(), Summary.of(entry.getKey(), entry.getValue()));
		}
		this.summaries.put(key, summary);
		Summary base = reference(summary);
		this.report.append("## ").append(title).append("\n\n");
		if (datagrams) {
			this.report.append("| server | datagrams/s | errors | server CPU % | client CPU % | other CPU % | tries "
					+ "| ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
		}
		else {
			this.report.append("| server | req/s | p50 µs | p99 µs | p99.9 µs | errors | server CPU % | client CPU % "
					+ "| other CPU % | tries | req/s ratio | p99 ratio |\n"
					+ "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		}
		for (Summary row : summary.values()) {
			if (datagrams) {
				this.report.append(String.format(Locale.ROOT, "| %s | %.0f | %d | %.0f | %.0f | %.0f | %s | %.2f |%n",
						row.name, row.rps, row.errors, row.server, row.client, row.other, row.tries,
						row.rps / base.rps));
			}
			else {
				this.report.append(String.format(Locale.ROOT,
						"| %s | %.0f | %.1f | %.1f | %.1f | %d | %.0f | %.0f | %.0f | %s | %.2f | %.2f |%n", row.name,
						row.rps, row.p50, row.p99, row.p999, row.errors, row.server, row.client, row.other, row.tries,
						row.rps / base.rps, row.p99 / base.p99));
			}
		}
		this.report.append('\n');
	}

	/** @return the faster reference (C) server, else the first */
	private static Summary reference(Map<String, Summary> summary) {
		return summary.values()
			.stream()
			.filter(Summary::reference)
			.max(Comparator.comparingDouble(Summary::rps))
			.orElse(summary.values().iterator().next());
	}

	// --- Idle connections -----------------------------------------------------------------

	private void idle(Server server, int count) throws Exception {
		Path socket = this.work.resolve("idle.sock");
		try (Running running = server.start(socket, this.work)) {
			Thread.sleep(1000);
			// Accept, frame and echo once at scale first, so the measured growth is the connections' own.
			try (IdleProbe warm = new IdleProbe(socket, true)) {
				warm.open(Math.min(1000, count));
			}
			Thread.sleep(1000);
			IdleProbe probe = new IdleProbe(socket, true);
			double[] before = probe.freshClientMicros(50);
			long rssBefore = running.rssKiB();
			long opening = System.nanoTime();
			long heapWith;
			long heapWithout;
			double[] during;
			long rssAfter;
			try {
				probe.open(count);
				double openSeconds = (System.nanoTime() - opening) / 1e9;
				Thread.sleep(1000);
				rssAfter = running.rssKiB();
				during = probe.freshClientMicros(50);
				this.report.append("## ").append(count).append(" idle connections, ").append(server.name())
					.append("\n\n");
				this.report.append(String.format(Locale.ROOT,
						"- held: %d, opened in %.1f s, each proved served by an empty line echoed before measuring%n",
						probe.held(), openSeconds));
				heapWith = liveHeapBytes(server, running);
			}
			finally {
				probe.close();
			}
			Thread.sleep(1000);
			heapWithout = liveHeapBytes(server, running);
			double perConnectionKiB = (rssAfter - rssBefore) / (double) count;
			double heapPerConnectionKiB = (heapWith - heapWithout) / 1024.0 / count;
			IdleSummary summary = new IdleSummary(count, probe.held(), perConnectionKiB, median(during),
					during[during.length - 1]);
			this.idles.put(server.name(), summary);
			this.report.append(String.format(Locale.ROOT,
					"- server RSS: %d KiB before, %d KiB with them held: **%.2f KiB per connection**%s%n"
							+ "- fresh client (connect + 64 B line echoed), 50 samples: median %.0f µs, max %.0f µs "
							+ "(without the idle ones: median %.0f µs, max %.0f µs)%n%n",
					rssBefore, rssAfter, perConnectionKiB,
					(heapWith > 0 && heapWithout > 0) ? String.format(Locale.ROOT,
							"; live heap after a full GC (`jcmd GC.class_histogram`) %.1f MiB with them, %.1f MiB "
									+ "once closed: %.2f KiB per connection",
							heapWith / 1048576.0, heapWithout / 1048576.0, heapPerConnectionKiB) : "",
					median(during), during[during.length - 1], median(before), before[before.length - 1]));
			System.out.printf(Locale.ROOT,
					"idle %d on %s: %.2f KiB RSS/conn, %.2f KiB heap/conn, fresh client median %.0f us max %.0f us%n",
					count, server.name(), perConnectionKiB, heapPerConnectionKiB, median(during),
					during[during.length - 1]);
		}
	}

	/** @return the server's live heap after a full GC, from {@code jcmd GC.class_histogram}; 0 if unknown */
	private static long liveHeapBytes(Server server, Running running) {
		Path jcmd = Path.of(server.command().get(0)).resolveSibling("jcmd");
		if (!server.jvm() || !Files.isExecutable(jcmd)) {
			return 0;
		}
		try {
			Process process = new ProcessBuilder(jcmd.toString(), Long.toString(running.process().pid()),
					"GC.class_histogram").redirectErrorStream(true).start();
			String total;
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				total = reader.lines().filter((line) -> line.startsWith("Total")).findFirst().orElse("");
			}
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				return 0;
			}
			String[] fields = total.trim().split("\\s+");
			return (fields.length >= 3) ? Long.parseLong(fields[2]) : 0;
		}
		catch (IOException | RuntimeException | InterruptedException ex) {
			return 0;
		}
	}

	// --- Targets (issue 11) ---------------------------------------------------------------

	private void targets() {
		List<String[]> rows = new ArrayList<>();
		for (String java : List.of("25", "17")) {
			for (int level : new int[] { 10, 100, 1000 }) {
				Map<String, Summary> table = this.summaries.get("stream-" + level);
				Summary loop = (table != null) ? table.get("lines loop " + java) : null;
				if (loop == null) {
					continue;
				}
				Summary c = reference(table);
				double min = (level == 10) ? 0.7 : 0.85;
				double ratio = loop.rps / c.rps;
				double p99 = loop.p99 / c.p99;
				rows.add(new String[] {
						String.format(Locale.ROOT, "lines echo on the loop, Java %s, %d conns: ≥ %.2fx the faster C, "
								+ "p99 ≤ 2x its p99", java, level, min),
						String.format(Locale.ROOT, "%.2fx %s, p99 %.2fx", ratio, c.name, p99),
						verdict(ratio >= min && p99 <= 2 && c.reference) });
			}
		}
		for (String[] pair : new String[][] { { "lines workers 17", "raw 17" }, { "lines workers 25v", "raw 25v" } }) {
			for (int level : new int[] { 10, 100, 1000 }) {
				Map<String, Summary> table = this.summaries.get("stream-" + level);
				if (table == null || table.get(pair[0]) == null || table.get(pair[1]) == null) {
					continue;
				}
				double ratio = table.get(pair[0]).rps / table.get(pair[1]).rps;
				rows.add(new String[] { pair[0] + ", " + level + " conns: ≥ " + pair[1] + " (today's echo.sock)",
						String.format(Locale.ROOT, "%.2fx", ratio), verdict(ratio >= 1) });
			}
		}
		for (String java : List.of("17", "25")) {
			for (int level : new int[] { 100, 1000 }) {
				Map<String, Summary> table = this.summaries.get("stream-" + level);
				Summary sample = (table != null) ? table.get("sample lines.sock " + java) : null;
				if (sample == null) {
					continue;
				}
				Summary c = reference(table);
				double ratio = sample.rps / c.rps;
				double p99 = sample.p99 / c.p99;
				rows.add(new String[] {
						String.format(Locale.ROOT, "sample lines.sock as shipped (Actuator on), Java %s, %d conns: "
								+ "≥ 0.85x the faster C, p99 ≤ 2x (issue 21)", java, level),
						String.format(Locale.ROOT, "%.2fx %s, p99 %.2fx", ratio, c.name, p99),
						verdict(ratio >= 0.85 && p99 <= 2 && c.reference) });
			}
		}
		Map<String, Summary> commands = this.summaries.get("commands-100");
		if (commands != null) {
			Summary c = reference(commands);
			for (Summary row : commands.values()) {
				if (row.name.startsWith("sample")) {
					double ratio = row.rps / c.rps;
					rows.add(new String[] { row.name + " `ping` as shipped, 100 conns: ≥ 0.7x the C echo (issue 21)",
							String.format(Locale.ROOT, "%.2fx %s", ratio, c.name), verdict(ratio >= 0.7 && c.reference) });
				}
				else if (!row.reference) {
					double ratio = row.rps / c.rps;
					rows.add(new String[] { row.name + " `ping`, 100 conns: ≥ 0.6x the C echo",
							String.format(Locale.ROOT, "%.2fx %s", ratio, c.name), verdict(ratio >= 0.6 && c.reference) });
				}
			}
		}
		Map<String, Summary> raw = this.summaries.get("raw-100");
		if (raw != null) {
			for (Summary row : raw.values()) {
				Summary before = raw.get(row.name + " @" + this.options.getOrDefault("baseline-name", "baseline"));
				if (before != null) {
					double ratio = row.rps / before.rps;
					rows.add(new String[] { row.name + ", 100 conns: ≥ 0.95x " + before.name,
							String.format(Locale.ROOT, "%.2fx", ratio), verdict(ratio >= 0.95) });
				}
			}
		}
		for (Map.Entry<String, IdleSummary> entry : this.idles.entrySet()) {
			IdleSummary idle = entry.getValue();
			rows.add(new String[] {
					String.format(Locale.ROOT, "%s: %d idle connections served, ≤ 4 KiB RSS each, fresh client < 10 ms",
							entry.getKey(), idle.count),
					String.format(Locale.ROOT, "%d served, %.2f KiB each, fresh client median %.0f µs, max %.0f µs",
							idle.held, idle.kibPerConnection, idle.medianMicros, idle.maxMicros),
					verdict(idle.held == idle.count && idle.kibPerConnection <= 4 && idle.maxMicros < 10_000) });
		}
		Map<String, Summary> dgram = this.summaries.get("dgram-1");
		if (dgram != null) {
			Summary c = reference(dgram);
			for (Summary row : dgram.values()) {
				if (!row.reference) {
					double ratio = row.rps / c.rps;
					rows.add(new String[] { row.name + " sink, 64 B, one sender: ≥ 0.7x the C sink",
							String.format(Locale.ROOT, "%.2fx", ratio), verdict(ratio >= 0.7 && c.reference) });
				}
			}
		}
		this.report.append("## Targets (issues 11 and 21), this run\n\n| target | measured | verdict |\n|---|---|---|\n");
		for (String[] row : rows) {
			this.report.append("| ").append(String.join(" | ", row)).append(" |\n");
		}
		this.report.append('\n');
	}

	private static String verdict(boolean met) {
		return met ? "met" : "**missed**";
	}

	// --- Helpers --------------------------------------------------------------------------

	/** @return whether {@code --only} (comma-separated: stream, raw, commands, dgram, idle, java-gen) includes it */
	private boolean only(String key) {
		String only = this.options.get("only");
		return only == null || Arrays.asList(only.split(",")).contains(key);
	}

	/** @return the {@code --levels} option (connection counts, comma-separated) or the default */
	private int[] levels(String fallback) {
		return Arrays.stream(this.options.getOrDefault("levels", fallback).split(",")).mapToInt(Integer::parseInt)
			.toArray();
	}

	private Duration duration(String option, double fallback) {
		return Duration.ofMillis((long) (Double.parseDouble(this.options.getOrDefault(option, "" + fallback)) * 1000));
	}

	static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int n = sorted.length;
		return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	}

	/** @return user + nice + system + irq + softirq + steal of all CPUs, in clock ticks */
	private static long busyTicks() throws IOException {
		String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
		long busy = 0;
		for (int i : new int[] { 1, 2, 3, 6, 7, 8 }) {
			busy += Long.parseLong(cpu[i]);
		}
		return busy;
	}

	/** @return user + system time of a process, all its threads, in clock ticks; 0 once it is gone */
	static long processTicks(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
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

	/** One measurement. */
	record Sample(double rps, double p50, double p99, double p999, long errors, double clientCpuSeconds,
			double serverPercent, double clientPercent, double otherPercent, int tries) {

		Sample(double rps, double p50, double p99, double p999, long errors, double clientCpuSeconds) {
			this(rps, p50, p99, p999, errors, clientCpuSeconds, Double.NaN, Double.NaN, Double.NaN, 1);
		}

		static Sample of(LoadGenerator.Result result) {
			return new Sample(result.rps(), result.p50Micros(), result.p99Micros(), result.p999Micros(),
					result.errors(), Double.NaN);
		}

		Sample withCpu(double server, double client, double other, int tries) {
			return new Sample(this.rps, this.p50, this.p99, this.p999, this.errors, this.clientCpuSeconds, server,
					client, other, tries);
		}

		String line() {
			return String.format(Locale.ROOT,
					"rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f errors=%d server_cpu=%.0f%% client_cpu=%.0f%% "
							+ "other_cpu=%.0f%% tries=%d",
					this.rps, this.p50, this.p99, this.p999, this.errors, this.serverPercent, this.clientPercent,
					this.otherPercent, this.tries);
		}

	}

	/** Medians of a server's samples in one table. */
	record Summary(String name, boolean reference, double rps, double p50, double p99, double p999, long errors,
			double server, double client, double other, String tries) {

		static Summary of(Server server, List<Sample> samples) {
			return new Summary(server.name(), server.reference(), median(samples, Sample::rps),
					median(samples, Sample::p50), median(samples, Sample::p99), median(samples, Sample::p999),
					samples.stream().mapToLong(Sample::errors).sum(), median(samples, Sample::serverPercent),
					median(samples, Sample::clientPercent), median(samples, Sample::otherPercent),
					samples.stream().map((s) -> Integer.toString(s.tries())).reduce((a, b) -> a + "," + b).orElse(""));
		}

		private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value) {
			return BenchRunner.median(samples.stream().mapToDouble(value).toArray());
		}

	}

	record IdleSummary(int count, int held, double kibPerConnection, double medianMicros, double maxMicros) {
	}

	/**
	 * A server program: its command line gets the socket path appended, then its flags.
	 * A reference is a C limit server; a JVM is primed before it is measured.
	 */
	record Server(String name, List<String> command, List<String> flags, boolean reference, boolean isDatagram,
			boolean jvm, String sampleSocket) {

		static Server reference(String name, List<String> command) {
			return new Server(name, command, List.of(), true, false, false, null);
		}

		Server datagram() {
			return new Server(this.name, this.command, this.flags, this.reference, true, this.jvm, this.sampleSocket);
		}

		/** @return where it listens: a path of its own, or the sample's socket in a directory of its own */
		Path socket(Path work) {
			String file = this.name.replaceAll("[^A-Za-z0-9-]", "_");
			return (this.sampleSocket != null) ? work.resolve(file + "-dir").resolve(this.sampleSocket)
					: work.resolve(file + ".sock");
		}

		Running start(Path socket, Path logs) throws IOException, InterruptedException {
			Files.deleteIfExists(socket);
			List<String> line = new ArrayList<>(this.command);
			if (this.sampleSocket != null) {
				Files.createDirectories(socket.getParent());
				line.add("--sample.socket-dir=" + socket.getParent());
			}
			else {
				line.add(socket.toString());
			}
			line.addAll(this.flags);
			Process process = new ProcessBuilder(line).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect
					.appendTo(logs.resolve(this.name.replaceAll("[^A-Za-z0-9-]", "_") + ".log").toFile()))
				.start();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			// A stream socket's file exists between bind(2) and listen(2): wait until a connection is
			// accepted. A datagram socket receives once bound, and the starter binds at the final path.
			while (this.isDatagram ? !Files.exists(socket) : !accepts(socket)) {
				if (!process.isAlive() || System.nanoTime() > deadline) {
					process.destroyForcibly();
					throw new IOException(this.name + " did not listen on " + socket + " (see " + logs + ")");
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

		long cpuTicks() {
			return processTicks(this.process.pid());
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
