package io.github.unixsocket.sample;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restart through systemd's fd store, end to end with two processes of the sample app: a
 * Python harness ({@code fd-store-harness.py}) plays systemd, keeps the sockets the first
 * process pushes, connects a client while no process runs, and starts the second with the
 * sockets at descriptors 3.. as systemd passes them. The client's line, written while nothing
 * served, is answered by the second process.
 */
@Timeout(180)
@EnabledOnOs(OS.LINUX)
class SystemdFdStoreTests {

	@TempDir
	Path dir;

	@Test
	void aRestartKeepsTheSocketAndAnswersTheClientThatConnectedMeanwhile() throws Exception {
		Required.onPath("python3");
		Path harness = this.dir.resolve("harness.py");
		try (InputStream script = getClass().getResourceAsStream("/fd-store-harness.py")) {
			Files.copy(script, harness);
		}
		Process run = new ProcessBuilder(List.of("python3", harness.toString(), this.dir.resolve("notify").toString(),
				this.dir.resolve("lines.sock").toString(), this.dir.resolve("app.log").toString(),
				Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), SampleApplication.class.getName(),
				"--sample.socket-dir=" + this.dir, "--server.port=0"))
			.redirectErrorStream(true)
			.start();
		assertThat(run.waitFor(150, TimeUnit.SECONDS)).isTrue();
		String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(run.exitValue()).as(output).isZero();
		assertThat(output).contains("stored lines")
			.contains("file True")
			.contains("connected while stopped")
			.contains("reply during the restart");
		assertThat(Files.readString(this.dir.resolve("app.log.2"))).contains("inherited 'lines', descriptor");
	}

}
