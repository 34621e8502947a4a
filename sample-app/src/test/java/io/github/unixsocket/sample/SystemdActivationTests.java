package io.github.unixsocket.sample;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app started the way systemd starts a socket-activated {@code Type=notify}
 * service, by systemd's own {@code systemd-socket-activate}: it binds {@code lines.sock},
 * starts the app when the first client connects and passes the socket as descriptor 3 with
 * {@code LISTEN_FDNAMES=lines}; a datagram socket of the test stands in for systemd's
 * {@code NOTIFY_SOCKET}.
 */
@Timeout(180)
@EnabledOnOs(OS.LINUX)
class SystemdActivationTests {

	@TempDir
	Path dir;

	@Test
	void servesThePassedSocketNotifiesAndLeavesTheSocketAsItWas() throws Exception {
		Required.onPath("systemd-socket-activate");
		Path lines = this.dir.resolve("lines.sock");
		Path notify = this.dir.resolve("notify");
		try (AFUNIXDatagramChannel systemd = AFUNIXDatagramChannel.open()) {
			systemd.bind(AFUNIXSocketAddress.of(notify));
			Process app = new ProcessBuilder(List.of("systemd-socket-activate", "-l", lines.toString(), "--fdname=lines",
					"-E", "NOTIFY_SOCKET=" + notify, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-cp", System.getProperty("java.class.path"), SampleApplication.class.getName(),
					"--sample.socket-dir=" + this.dir, "--server.port=0",
					// A connection its client closed once stayed open here: 20 of them refused everyone after.
					"--unix-socket.servers.lines.max-connections=20"))
				.redirectErrorStream(true)
				.redirectOutput(this.dir.resolve("app.log").toFile())
				.start();
			try {
				await(() -> Files.exists(lines));
				Object inode = fileKey(lines);
				String mode = mode(lines);
				// The first client starts the app; its line waits in the socket until the app accepts it.
				assertThat(exchange(lines, "hello systemd\n")).isEqualTo("hello systemd\n");
				for (int i = 0; i < 100; i++) {
					assertThat(exchange(lines, "line " + i + "\n")).isEqualTo("line " + i + "\n");
				}
				assertThat(receive(systemd)).matches("READY=1\nSTATUS=Ready: (\\d+) of \\1 Unix socket servers running, .*");
				assertThat(log()).contains("Unix socket server 'lines' listening on " + lines)
					.contains("inherited 'lines', descriptor 3");
				assertThat(this.dir.resolve("echo.sock")).as("the other servers bind their own paths").exists();
				app.destroy();
				assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
				// Boot turns readiness to REFUSING_TRAFFIC first: a status line, then STOPPING=1.
				String message = receive(systemd);
				for (int i = 0; i < 5 && message.startsWith("STATUS="); i++) {
					message = receive(systemd);
				}
				assertThat(message).startsWith("STOPPING=1\nEXTEND_TIMEOUT_USEC=");
				assertThat(this.dir.resolve("echo.sock")).as("a socket it bound is removed").doesNotExist();
				assertThat(lines).as("the passed socket is systemd's: never removed").exists();
				assertThat(fileKey(lines)).isEqualTo(inode);
				assertThat(mode(lines)).as("nor its mode changed").isEqualTo(mode);
			}
			finally {
				app.destroyForcibly();
			}
		}
	}

	/** Connects, sends a line, reads its reply whole (or up to the end of input) and closes. */
	private static String exchange(Path socket, String line) throws IOException {
		try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			client.connect(UnixDomainSocketAddress.of(socket));
			client.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
			ByteBuffer reply = ByteBuffer.allocate(line.length());
			while (reply.hasRemaining() && client.read(reply) >= 0) {
				// until the whole line is back
			}
			return new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8);
		}
	}

	private String log() throws IOException {
		return Files.readString(this.dir.resolve("app.log"));
	}

	private static String receive(AFUNIXDatagramChannel systemd) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(4096);
		systemd.receive(buffer);
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
	}

	private static Object fileKey(Path path) throws IOException {
		return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
	}

	private static String mode(Path path) throws IOException {
		return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
	}

	private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition met within 30s").isLessThan(deadline);
			Thread.sleep(20);
		}
	}

}
