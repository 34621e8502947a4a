package io.github.unixsocket.sample;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.github.unixsocket.client.CommandReply;
import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.test.UnixSocketTest;
import io.github.unixsocket.test.UnixSocketTestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drives the sample's {@code admin.sock} with socat and with the Java client. Every handler
 * runs ({@code status} lists all servers), each server on a socket of this test context.
 */
@UnixSocketTest
@Timeout(60)
class AdminSocketTests {

	@Autowired
	UnixSocketTestClients sockets;

	@Autowired
	LoggingSystem loggingSystem;

	private Path admin() {
		return this.sockets.path("admin");
	}

	@Test
	void adminSocketIsForTheOwnerOnly() throws IOException {
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(admin()))).isEqualTo("rw-------");
	}

	@Test
	void socatStatusAsInTheReadme() throws Exception {
		Required.onPath("socat");
		String reply = run("status\n", "socat", "-", "UNIX-CONNECT:" + admin());
		assertThat(reply).startsWith("{\"status\":\"ok\",\"payload\":{\"servers\":{\"echo\":{\"path\":\""
				+ this.sockets.path("echo") + "\",\"type\":\"stream\"").endsWith("\"datagramsReceived\":0}}\n");
	}

	@Test
	void goldenTranscriptOverSocat() throws Exception {
		Required.onPath("socat");
		String socketDir = admin().getParent().toString();
		List<String> requests = new ArrayList<>();
		List<String> expected = new ArrayList<>();
		try (InputStream in = getClass().getResourceAsStream("/transcripts/admin.txt")) {
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				if (line.startsWith(">")) {
					requests.add(line.substring(1).stripLeading());
				}
				else if (line.startsWith("<")) {
					expected.add(line.substring(1).stripLeading().replace("<dir>", socketDir));
				}
			}
		}
		// -t: wait for the replies after sending; the server closes once it has answered everything.
		String output = run(String.join("\n", requests) + "\n", "socat", "-t", "20", "-",
				"UNIX-CONNECT:" + admin());
		List<String> replies = output.lines().toList();
		assertThat(replies).hasSameSizeAs(expected);
		for (int i = 0; i < expected.size(); i++) {
			assertThat(replies.get(i)).matches(
					Pattern.compile(Pattern.quote(expected.get(i)).replace("<number>", "\\E\\d+\\Q")));
		}
		assertThat(this.loggingSystem.getLoggerConfiguration("sample.transcript").getEffectiveLevel())
			.isEqualTo(LogLevel.WARN);
	}

	@Test
	void javaClientAgainstTheSample() throws Exception {
		try (UnixSocketClient client = this.sockets.withTimeout(Duration.ofSeconds(20)).commands("admin")) {
			assertThat(client.send("ping", Map.of()).payload(String.class)).isEqualTo("pong");
			assertThat(client.send("echo", Map.of("text", "héllo wörld")).payload(String.class))
				.isEqualTo("héllo wörld");
			CommandReply level = client.send("log-level", Map.of("logger", "sample.client", "level", "debug"));
			assertThat(level.payload().path("effectiveLevel").asString()).isEqualTo("DEBUG");
			assertThat(this.loggingSystem.getLoggerConfiguration("sample.client").getEffectiveLevel())
				.isEqualTo(LogLevel.DEBUG);
			assertThat(client.send("nope", Map.of()).error()).isEqualTo("unknown command 'nope' (try 'help')");
			try (UnixSocketClient echo = this.sockets.lines("echo")) {
				assertThat(echo.sendLine("raw bytes come back")).isEqualTo("raw bytes come back");
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					JsonNode status = client.send("status", Map.of()).payload();
					assertThat(status.path("servers").path("echo").path("openConnections").asInt()).isEqualTo(1);
					assertThat(status.path("servers").path("admin").path("path").asString())
						.isEqualTo(admin().toString());
					assertThat(status.path("datagramsReceived").asLong()).isZero();
				});
			}
		}
	}

	private static String run(String input, String... command) throws Exception {
		Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
		process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().close();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
		return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
	}

}
