package io.github.unixsocket.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Accepting when descriptors run out ({@code EMFILE}), in a JVM of its own whose
 * descriptor table is full: each retry failed and logged a warning (588 in 17 seconds).
 * Now an episode is one warning when it starts and one line with the count when
 * accepting works again, on both accept paths: the accept thread of a {@code raw} server
 * and the event loop's acceptor of a {@code lines} server.
 */
@Timeout(90)
class AcceptExhaustionTests {

	@TempDir
	Path dir;

	@Test
	void anEpisodeOfFailedAcceptsIsOneWarningAndOneRecoveryLineWithTheCount() throws Exception {
		OtherUser.requireOnPath("prlimit");
		Path raw = this.dir.resolve("raw.sock");
		Path lines = this.dir.resolve("lines.sock");
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		// A low hard limit, so the child can fill its table quickly (the JVM raises the soft limit to it).
		Process child = new ProcessBuilder("prlimit", "--nofile=1024:1024", java, "-Xmx128m", "-cp",
				System.getProperty("java.class.path"), Child.class.getName(), raw.toString(), lines.toString())
			.redirectErrorStream(true)
			.start();
		ChildOutput output = new ChildOutput(child.getInputStream());
		List<TestClient> clients = new ArrayList<>();
		try (OutputStream commands = child.getOutputStream()) {
			assertThat(output.await("FULL", Duration.ofSeconds(60))).as(output::tail).isTrue();
			// Queued in the backlog: accepts fail until descriptors are free again.
			clients.add(TestClient.connect(raw));
			clients.add(TestClient.connect(lines));
			assertThat(output.await("'raw' could not accept", Duration.ofSeconds(30))).as(output::tail).isTrue();
			assertThat(output.await("'lines' could not accept", Duration.ofSeconds(30))).as(output::tail).isTrue();
			// Long enough for several retries (every 50ms) on each path; more on a fast machine only.
			Thread.sleep(500);
			commands.write("free\n".getBytes(StandardCharsets.US_ASCII));
			commands.flush();
			assertThat(output.await("FREED", Duration.ofSeconds(30))).as(output::tail).isTrue();
			// Served now, and fresh clients too. (Linux takes the new descriptor before it waits for a
			// connection, so a blocking accept fails while the table is full even with none queued, and
			// the one it waits in now took its descriptor earlier: the raw server may have served the
			// first client during the episode, and ends it only with the next one.)
			assertThat(clients.get(0).exchange("raw\n")).isEqualTo("raw\n");
			assertThat(clients.get(1).exchange("line\n")).isEqualTo("line\n");
			for (Path path : new Path[] { raw, lines }) {
				try (TestClient fresh = TestClient.connect(path)) {
					assertThat(fresh.exchange("fresh\n")).isEqualTo("fresh\n");
				}
			}
			assertThat(output.await("'raw' accepts connections again", Duration.ofSeconds(30))).as(output::tail)
				.isTrue();
			assertThat(output.await("'lines' accepts connections again", Duration.ofSeconds(30))).as(output::tail)
				.isTrue();
			String log = output.toString();
			for (String server : new String[] { "raw", "lines" }) {
				assertThat(count(log, "Unix socket server '" + server + "' could not accept a connection"))
					.as("warnings for '%s' in%n%s", server, log)
					.isEqualTo(1);
				Matcher recovered = Pattern
					.compile("'" + server + "' accepts connections again: accept failed (\\d+) times? in \\d+ms "
							+ "\\(last: java\\.io\\.IOException: Too many open files\\), recovered")
					.matcher(log);
				assertThat(recovered.find()).as("recovery line for '%s' in%n%s", server, log).isTrue();
				assertThat(Integer.parseInt(recovered.group(1))).isPositive();
			}
		}
		finally {
			for (TestClient client : clients) {
				client.close();
			}
			child.destroy();
			if (!child.waitFor(20, TimeUnit.SECONDS)) {
				child.destroyForcibly();
			}
		}
	}

	private static int count(String text, String part) {
		int count = 0;
		for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
			count++;
		}
		return count;
	}


	/**
	 * Starts a raw and a lines echo server, fills its descriptor table, and frees it when
	 * told to on stdin.
	 */
	static final class Child {

		public static void main(String[] args) throws Exception {
			StreamServer raw = StreamServer.builder("raw", Path.of(args[0]))
				.handler((connection) -> connection.inputStream().transferTo(connection.outputStream()))
				.build();
			StreamServer lines = StreamServer.builder("lines", Path.of(args[1]))
				.messages(Framing.LINES, (connection, message) -> message)
				.build();
			raw.start();
			lines.start();
			BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
			// Every class of both accept paths loaded now: loading one opens its file, which needs a descriptor.
			for (String path : args) {
				try (TestClient client = TestClient.connect(Path.of(path))) {
					if (!client.exchange("warm-up\n").equals("warm-up\n")) {
						throw new IllegalStateException("no echo from " + path);
					}
				}
			}
			List<FileChannel> filler = new ArrayList<>();
			fill(filler);
			// Once more, for any descriptor a thread still held and has closed since.
			Thread.sleep(300);
			fill(filler);
			System.out.println("FULL after " + filler.size() + " descriptors");
			commands.readLine();
			for (FileChannel channel : filler) {
				channel.close();
			}
			System.out.println("FREED");
			commands.readLine();
			raw.stop();
			lines.stop();
		}

		private static void fill(List<FileChannel> filler) {
			try {
				while (filler.size() < 100_000) {
					filler.add(FileChannel.open(Path.of("/dev/null")));
				}
			}
			catch (IOException ex) {
				// the table is full
			}
		}

	}

}
