package io.github.unixsocket.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the repackaged jar with {@code java -jar} on the JDK running the build: its sockets
 * come up, and junixsocket's native library loads without JDK 22+'s restricted-method
 * warning (the manifest's {@code Enable-Native-Access}).
 */
@Timeout(120)
class FatJarIT {

	@TempDir
	Path socketDir;

	@Test
	void runsWithoutTheRestrictedNativeAccessWarning() throws Exception {
		Path log = this.socketDir.resolve("app.log");
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process app = new ProcessBuilder(java, "-jar", fatJar().toString(), "--sample.socket-dir=" + this.socketDir)
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		try {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
			while (!Files.exists(this.socketDir.resolve("events.sock"))) {
				assertThat(app.isAlive()).as("app running; log:%n%s", read(log)).isTrue();
				assertThat(System.nanoTime()).as("events.sock within 90s").isLessThan(deadline);
				Thread.sleep(100);
			}
		}
		finally {
			app.destroy();
			if (!app.waitFor(30, TimeUnit.SECONDS)) {
				app.destroyForcibly();
			}
		}
		String output = read(log);
		assertThat(output).contains("Unix socket server 'events' receiving on")
			.doesNotContain("restricted method")
			.doesNotContain("enable-native-access");
		assertThat(this.socketDir.resolve("events.sock")).doesNotExist();
	}

	private static Path fatJar() throws IOException {
		try (Stream<Path> files = Files.list(Path.of("target"))) {
			List<Path> jars = files.filter((file) -> file.getFileName().toString().matches("sample-app-.*\\.jar"))
				.toList();
			assertThat(jars).as("the repackaged jar in target/").hasSize(1);
			return jars.get(0);
		}
	}

	private static String read(Path log) throws IOException {
		return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
	}

}
