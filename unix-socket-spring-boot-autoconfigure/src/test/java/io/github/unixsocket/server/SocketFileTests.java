package io.github.unixsocket.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** What the socket path may be: its length limit to the byte, and what is left alone there, named. */
@Timeout(60)
class SocketFileTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	@Test
	void aPathOfExactlyTheLimitIsTakenAndOneByteMoreIsRefusedBeforeAnythingIsCreated() throws Exception {
		Path longest = pathOfBytes(SocketFile.MAX_PATH_BYTES);
		DatagramServer fits = DatagramServer.builder("longest", longest).handler((datagram) -> {
		}).build();
		this.servers.start(fits);
		assertThat(fits.isSocketFileOurs()).isTrue();
		fits.stop(Duration.ZERO);
		Path tooLong = pathOfBytes(SocketFile.MAX_PATH_BYTES + 1);
		for (UnixSocketServer server : List.of(
				DatagramServer.builder("too-long", tooLong).handler((datagram) -> {
				}).build(), StreamServer.builder("too-long", tooLong).handler((connection) -> {
				}).build())) {
			this.servers.add(server);
			assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.PATH_TOO_LONG))
				.withMessage("Socket path " + tooLong + " is " + (SocketFile.MAX_PATH_BYTES + 1)
						+ " bytes long; the limit on this platform is " + SocketFile.MAX_PATH_BYTES + " bytes");
			assertThat(tooLong.getParent()).isEmptyDirectory();
		}
	}

	@Test
	void whatIsNotASocketIsNamedAndLeftAlone() throws Exception {
		Path file = Files.writeString(this.servers.path("file.sock"), "mine");
		Path directory = Files.createDirectory(this.servers.path("directory.sock"));
		Path link = Files.createSymbolicLink(this.servers.path("link.sock"), file);
		assertNotASocket(file, "a regular file");
		assertNotASocket(directory, "a directory");
		assertNotASocket(link, "a symbolic link");
		assertThat(file).hasContent("mine");
		assertThat(directory).isEmptyDirectory();
		assertThat(Files.readSymbolicLink(link)).isEqualTo(file);
	}

	private void assertNotASocket(Path path, String what) {
		StreamServer server = StreamServer.builder("taken", path).handler((connection) -> {
		}).build();
		this.servers.add(server);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(server::start)
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.NOT_A_SOCKET))
			.withMessage(path + " exists and is " + what + ", not a socket; it was left untouched");
	}

	/** A path in a directory of its own, exactly this many bytes long. */
	private Path pathOfBytes(int bytes) throws Exception {
		Path parent = Files.createTempDirectory(this.servers.dir(), "d");
		int name = bytes - parent.toString().length() - 1;
		assertThat(name).as("room for a file name").isPositive();
		Path path = parent.resolve("s".repeat(name));
		assertThat(path.toString()).hasSize(bytes);
		return path;
	}

}
