package io.github.unixsocket.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.client.UnixDatagramClient;
import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.test.UnixSocketTest;
import io.github.unixsocket.test.UnixSocketTestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** Drives the sample's {@code events.sock} with real command-line clients, and the Java client. */
@UnixSocketTest(handlers = EventsHandler.class)
@Timeout(60)
class EventsSocketTests {

	@Autowired
	UnixSocketTestClients sockets;

	@Autowired
	EventsHandler handler;

	@Autowired
	UnixSocketServers servers;

	private Path events() {
		return this.sockets.path("events");
	}

	@Test
	void eventsSocketIsADatagramSocketWithTheDocumentedMode() throws IOException {
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(events()))).isEqualTo("rw-rw----");
		assertThat(this.servers.get("events")).isInstanceOf(DatagramServer.class);
	}

	@Test
	void loggerDeliversToTheEventsSocket() throws Exception {
		Required.onPath("logger");
		long before = this.handler.received();
		// -d: datagram socket; --socket-errors=on: fail instead of silently dropping the message.
		run("", "logger", "-u", events().toString(), "-d", "--socket-errors=on", "hello from logger");
		awaitCondition(() -> this.handler.received() > before);
	}

	@Test
	void javaDatagramClientGetsAReply() throws Exception {
		try (UnixDatagramClient client = this.sockets.datagram("events")) {
			assertThat(client.request("from java", Duration.ofSeconds(5))).matches("ok \\d+");
		}
	}

	@Test
	void socatWithABoundAddressGetsAReply(@TempDir Path clientDir) throws Exception {
		Required.onPath("socat");
		Path client = clientDir.resolve("socat.sock");
		String reply = run("hello from socat\n", "socat", "-t", "3", "-",
				"UNIX-SENDTO:" + events() + ",bind=" + client);
		assertThat(reply).matches("ok \\d+");
		long n = Long.parseLong(reply.substring(3));
		assertThat(n).isPositive().isLessThanOrEqualTo(this.handler.received());
	}

	private static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition met within 20s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	private static String run(String input, String... command) throws Exception {
		Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
		process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().close();
		assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.exitValue()).as("%s exit status (output: %s)", command[0], output).isZero();
		return output;
	}

}
