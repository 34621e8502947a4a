package io.github.unixsocket.systemd;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.ServerType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** sd_listen_fds(3) as systemd defines it, against real descriptors of this JVM. */
@EnabledOnOs(OS.LINUX)
@ExtendWith(OutputCaptureExtension.class)
class SocketActivationTests {

	private static final long PID = ProcessHandle.current().pid();

	@TempDir
	Path dir;

	@Test
	void nothingWithoutTheVariables() {
		assertThat(SocketActivation.fromEnvironment(Map.<String, String>of()::get, PID)).isEmpty();
		assertThat(SocketActivation.fromEnvironment(Map.of("LISTEN_FDS", "1")::get, PID)).isEmpty();
	}

	@Test
	void listenPidOfAnotherProcessIsIgnored() throws Exception {
		try (AFUNIXServerSocketChannel socket = listen("a.sock")) {
			int fd = fd(socket.getFileDescriptor());
			Map<String, String> environment = Map.of("LISTEN_PID", Long.toString(PID + 1), "LISTEN_FDS", "1");
			assertThat(SocketActivation.fromEnvironment(environment::get, PID, fd)).isEmpty();
		}
	}

	@Test
	void adoptsEachDescriptorWithItsNameTypeAndAddress() throws Exception {
		try (AFUNIXServerSocketChannel stream = listen("stream.sock");
				AFUNIXDatagramChannel datagram = AFUNIXDatagramChannel.open()) {
			datagram.bind(AFUNIXSocketAddress.of(this.dir.resolve("datagram.sock")));
			int streamFd = fd(stream.getFileDescriptor());
			List<InheritedSocket> streams = SocketActivation.fromEnvironment(environment(1, "admin")::get, PID,
					streamFd);
			assertThat(streams).singleElement().satisfies((socket) -> {
				assertThat(socket.fd()).isEqualTo(streamFd);
				assertThat(socket.name()).isEqualTo("admin");
				assertThat(socket.type()).isEqualTo(ServerType.STREAM);
				assertThat(socket.address()).isEqualTo(this.dir.resolve("stream.sock").toString());
			});
			int datagramFd = fd(datagram.getFileDescriptor());
			List<InheritedSocket> datagrams = SocketActivation.fromEnvironment(environment(1, null)::get, PID,
					datagramFd);
			assertThat(datagrams).singleElement().satisfies((socket) -> {
				assertThat(socket.name()).isNull();
				assertThat(socket.type()).isEqualTo(ServerType.DATAGRAM);
				assertThat(socket.address()).isEqualTo(this.dir.resolve("datagram.sock").toString());
			});
		}
	}

	@Test
	void descriptorsThatAreMissingOrNotSocketsAreSkippedAndLeftOpen() throws Exception {
		Path file = Files.writeString(this.dir.resolve("file"), "still readable");
		try (FileInputStream in = new FileInputStream(file.toFile())) {
			int fd = fd(in.getFD());
			List<InheritedSocket> sockets = SocketActivation.fromEnvironment(environment(1, null)::get, PID, fd);
			assertThat(sockets).isEmpty();
			assertThat(new String(in.readAllBytes())).isEqualTo("still readable");
		}
		// LISTEN_FDS larger than what is there: descriptors far beyond any this JVM has open.
		assertThat(SocketActivation.fromEnvironment(environment(3, null)::get, PID, 60_000)).isEmpty();
		assertThat(SocketActivation.fromEnvironment(environment(0, null)::get, PID)).isEmpty();
		assertThat(SocketActivation.fromEnvironment(environment(-1, null)::get, PID)).isEmpty();
		Map<String, String> garbled = Map.of("LISTEN_PID", Long.toString(PID), "LISTEN_FDS", "many");
		assertThat(SocketActivation.fromEnvironment(garbled::get, PID)).isEmpty();
	}

	@Test
	void namesAndValuesFromTheEnvironmentAreLoggedWithControlCharactersEscaped(CapturedOutput output)
			throws Exception {
		Path file = Files.writeString(this.dir.resolve("file"), "not a socket");
		try (FileInputStream in = new FileInputStream(file.toFile())) {
			int fd = fd(in.getFD());
			assertThat(SocketActivation.fromEnvironment(environment(1, "evil\n12.00 FORGED \u001b[2J")::get, PID, fd))
				.isEmpty();
		}
		Map<String, String> garbled = Map.of("LISTEN_PID", Long.toString(PID), "LISTEN_FDS", "1\nFORGED");
		assertThat(SocketActivation.fromEnvironment(garbled::get, PID)).isEmpty();
		Map<String, String> otherPid = Map.of("LISTEN_PID", "1\nFORGED", "LISTEN_FDS", "1");
		assertThat(SocketActivation.fromEnvironment(otherPid::get, PID)).isEmpty();
		assertThat(output.getOut()).contains("('evil\\n12.00 FORGED \\u001b[2J')")
			.contains("LISTEN_FDS='1\\nFORGED'")
			.contains("LISTEN_PID 1\\nFORGED")
			.doesNotContain("\nFORGED")
			.doesNotContain("\n12.00")
			.doesNotContain("\u001b");
	}

	@Test
	void anInheritedSocketsNameAndAddressAreShownEscaped() throws Exception {
		try (AFUNIXServerSocketChannel socket = listen("odd\tname.sock")) {
			int fd = fd(socket.getFileDescriptor());
			assertThat(SocketActivation.fromEnvironment(environment(1, "admin\r\nFORGED")::get, PID, fd))
				.singleElement()
				.satisfies((inherited) -> {
					assertThat(inherited.name()).isEqualTo("admin\r\nFORGED");
					assertThat(inherited).hasToString("inherited stream socket on descriptor " + fd
							+ " ('admin\\r\\nFORGED') at " + this.dir + "/odd\\tname.sock");
				});
		}
	}

	private Map<String, String> environment(int count, String names) {
		Map<String, String> environment = new HashMap<>();
		environment.put("LISTEN_PID", Long.toString(PID));
		environment.put("LISTEN_FDS", Integer.toString(count));
		if (names != null) {
			environment.put("LISTEN_FDNAMES", names);
		}
		return environment;
	}

	private AFUNIXServerSocketChannel listen(String name) throws IOException {
		AFUNIXServerSocketChannel socket = AFUNIXServerSocketChannel.open();
		socket.bind(AFUNIXSocketAddress.of(this.dir.resolve(name)));
		return socket;
	}

	private static int fd(FileDescriptor descriptor) throws IOException {
		return FileDescriptorCast.using(descriptor).as(Integer.class);
	}

}
