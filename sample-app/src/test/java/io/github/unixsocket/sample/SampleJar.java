package io.github.unixsocket.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repackaged sample jar in {@code target/}, run with {@code java -jar} on the JDK
 * running the build, its output in a log file: what {@link FatJarIT} and {@link AotIT}
 * start.
 */
final class SampleJar implements AutoCloseable {

	private final Process process;

	private final Path log;

	private SampleJar(Process process, Path log) {
		this.process = process;
		this.log = log;
	}

	/**
	 * @param socketDir the sockets' directory; the log goes there too
	 * @param jvmArguments options before {@code -jar}
	 * @param arguments the application's arguments, after {@code --sample.socket-dir}
	 */
	static SampleJar start(Path socketDir, List<String> jvmArguments, String... arguments) throws IOException {
		Path log = socketDir.resolve("app.log");
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmArguments);
		command.addAll(List.of("-jar", fatJar().toString(), "--sample.socket-dir=" + socketDir));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new SampleJar(process, log);
	}

	/** Wait (up to 90s) until the application has created the socket, failing if it exits. */
	void awaitSocket(Path socket) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (!Files.exists(socket)) {
			assertThat(this.process.isAlive()).as("app running; log:%n%s", log()).isTrue();
			assertThat(System.nanoTime()).as(socket + " within 90s").isLessThan(deadline);
			Thread.sleep(100);
		}
	}

	/** @return what the application has logged so far */
	String log() throws IOException {
		return Files.exists(this.log) ? Files.readString(this.log, StandardCharsets.UTF_8) : "";
	}

	/** Stop the application as a service manager would (SIGTERM), and wait for it. */
	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
		}
	}

	private static Path fatJar() throws IOException {
		try (Stream<Path> files = Files.list(Path.of("target"))) {
			List<Path> jars = files.filter((file) -> file.getFileName().toString().matches("sample-app-.*\\.jar"))
				.toList();
			assertThat(jars).as("the repackaged jar in target/").hasSize(1);
			return jars.get(0);
		}
	}

}
