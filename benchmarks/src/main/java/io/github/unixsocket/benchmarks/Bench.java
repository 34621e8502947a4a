package io.github.unixsocket.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.github.unixsocket.benchmarks.commands.StarterCommandsApplication;
import io.github.unixsocket.benchmarks.datagram.StarterDatagramApplication;
import io.github.unixsocket.benchmarks.lines.StarterLinesApplication;
import io.github.unixsocket.benchmarks.starter.StarterEchoApplication;

/**
 * Entry point of the benchmark jar.
 *
 * <pre>
 * java -jar benchmarks.jar run [options]                      # the whole matrix, see BenchRunner
 * java -jar benchmarks.jar server starter|lines|nio|commands|datagram PATH [--virtual] [--dispatch event-loop|workers]
 * java -jar benchmarks.jar load PATH CONNS MSG_BYTES SECONDS [WARMUP_S] [--lines]
 * java -jar benchmarks.jar http-client SAMPLE_JAR [--seconds 5] [--rounds 3] [--threads 1,8]
 * </pre>
 */
public final class Bench {

	private Bench() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length == 0) {
			usage();
		}
		String[] rest = Arrays.copyOfRange(args, 1, args.length);
		switch (args[0]) {
			case "run" -> BenchRunner.main(rest);
			case "server" -> server(rest);
			case "http-client" -> HttpClientBench.main(rest);
			case "load" -> {
				boolean lines = Arrays.asList(rest).contains("--lines");
				String[] numbers = Arrays.stream(rest).filter((arg) -> !arg.startsWith("--")).toArray(String[]::new);
				LoadGenerator.Result result = new LoadGenerator(Path.of(numbers[0]), Integer.parseInt(numbers[1]),
						Integer.parseInt(numbers[2]), lines)
					.run(seconds(numbers, 4, 1), seconds(numbers, 3, 5));
				System.out.println(result.line());
			}
			default -> usage();
		}
	}

	private static void server(String[] args) throws Exception {
		List<String> list = Arrays.asList(args);
		boolean virtual = list.contains("--virtual");
		int at = list.indexOf("--dispatch");
		String dispatch = (at >= 0) ? args[at + 1] : "event-loop";
		switch (args[0]) {
			case "starter" -> StarterEchoApplication.run(Path.of(args[1]), virtual);
			case "lines" -> StarterLinesApplication.run(Path.of(args[1]), virtual, dispatch);
			case "nio" -> NioEchoServer.run(Path.of(args[1]), virtual);
			case "commands" -> StarterCommandsApplication.run(Path.of(args[1]), virtual, dispatch);
			case "datagram" -> StarterDatagramApplication.run(Path.of(args[1]));
			default -> usage();
		}
	}

	private static java.time.Duration seconds(String[] args, int index, double fallback) {
		double value = (args.length > index) ? Double.parseDouble(args[index]) : fallback;
		return java.time.Duration.ofMillis((long) (value * 1000));
	}

	private static void usage() {
		System.err.println("usage: run [options] | server starter|lines|nio|commands|datagram PATH [--virtual] "
				+ "[--dispatch event-loop|workers] "
				+ "| load PATH CONNS MSG_BYTES SECONDS [WARMUP_S] [--lines] "
				+ "| http-client SAMPLE_JAR [--seconds S] [--rounds N] [--threads 1,8]");
		System.exit(2);
	}

}
