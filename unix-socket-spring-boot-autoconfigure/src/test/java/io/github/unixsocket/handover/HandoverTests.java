package io.github.unixsocket.handover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.OtherUser;
import io.github.unixsocket.server.ServerType;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.file.SocketFileOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * The control socket's protocol between two servers in one JVM: the descriptors really
 * travel by SCM_RIGHTS (a received descriptor is a new number for the same socket).
 */
class HandoverTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	/** The system's: another user may not be able to run a per-user one (pyenv's shims under /root). */
	private static final String PYTHON = "/usr/bin/python3";

	@TempDir
	Path dir;

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final BlockingQueue<Set<String>> handedOver = new LinkedBlockingQueue<>();

	@AfterEach
	void close() throws Exception {
		for (int i = this.resources.size() - 1; i >= 0; i--) {
			this.resources.get(i).close();
		}
	}

	@Test
	void theNewServerTakesTheSocketAndTheOldOneStopsOnlyOnceItIsReady() throws Exception {
		Path path = this.dir.resolve("echo.sock");
		StreamServer old = start(StreamServer.builder("old", path).handler(HandoverTests::echoTagged).build());
		HandoverListener listener = listen(Map.of("echo", old), TIMEOUT);

		HandoverRequest request = HandoverRequest.request(listener.path(), TIMEOUT);
		assertThat(request).isNotNull();
		assertThat(request.sockets()).singleElement().satisfies((socket) -> {
			assertThat(socket.name()).isEqualTo("echo");
			assertThat(socket.type()).isEqualTo(ServerType.STREAM);
			assertThat(socket.address()).isEqualTo(path.toString());
		});
		assertThat(this.handedOver).as("the old one serves until the new one is ready").isEmpty();
		StreamServer fresh = start(StreamServer.builder("fresh", path)
			.inherited(request.sockets().get(0))
			.handler(HandoverTests::echoTagged)
			.build());

		assertThat(request.ready(List.of("echo"))).isTrue();
		assertThat(this.handedOver.poll(10, TimeUnit.SECONDS)).isEqualTo(Set.of("echo"));
		assertThat(listener.path()).as("the control socket is free for the new instance").doesNotExist();
		assertThat(old.isRunning()).isFalse();
		assertThat(path).as("the old one left the socket file").exists();
		for (int i = 0; i < 5; i++) {
			assertThat(exchange(path, "hello")).as("the old one stopped: the new one serves every connection")
				.isEqualTo("fresh hello");
		}
		fresh.stop();
	}

	@Test
	void aNewInstanceThatGivesUpLeavesTheOldOneServingAndListening() throws Exception {
		Path path = this.dir.resolve("echo.sock");
		StreamServer old = start(StreamServer.builder("old", path).handler(HandoverTests::echoTagged).build());
		HandoverListener listener = listen(Map.of("echo", old), TIMEOUT);

		HandoverRequest first = HandoverRequest.request(listener.path(), TIMEOUT);
		assertThat(first).isNotNull();
		first.sockets().forEach(InheritedSocket::close);
		first.close();

		assertThat(exchange(path, "still")).isEqualTo("old still");
		HandoverRequest second = HandoverRequest.request(listener.path(), TIMEOUT);
		assertThat(second).as("the next attempt is served").isNotNull();
		second.sockets().forEach(InheritedSocket::close);
		second.close();
		assertThat(this.handedOver).isEmpty();
		assertThat(old.isRunning()).isTrue();
	}

	@Test
	void theOldInstanceWaitsForReadinessOnlyUntilTheTimeout() throws Exception {
		Path path = this.dir.resolve("echo.sock");
		StreamServer old = start(StreamServer.builder("old", path).handler(HandoverTests::echoTagged).build());
		HandoverListener listener = listen(Map.of("echo", old), Duration.ofMillis(300));

		HandoverRequest slow = HandoverRequest.request(listener.path(), TIMEOUT);
		assertThat(slow).isNotNull();
		Thread.sleep(600);
		assertThat(slow.ready(List.of("echo"))).as("too late: the old one gave up on it").isFalse();
		slow.sockets().forEach(InheritedSocket::close);
		assertThat(this.handedOver).isEmpty();
		assertThat(exchange(path, "on")).isEqualTo("old on");
	}

	@Test
	void noFileOrAStaleOneMeansNoRunningInstance() throws Exception {
		Path control = this.dir.resolve("app.sock.handover");
		assertThat(HandoverRequest.request(control, TIMEOUT)).isNull();
		try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			dead.bind(UnixDomainSocketAddress.of(control));
		}
		assertThat(control).as("the JDK leaves the file of a closed socket").exists();
		assertThat(HandoverRequest.request(control, TIMEOUT)).isNull();
		HandoverListener listener = listen(Map.of(), TIMEOUT);
		assertThat(listener.path()).as("the stale file is reclaimed").isEqualTo(control);
	}

	@Test
	void theControlSocketIsTheOwnersOnly() throws Exception {
		listen(Map.of(), TIMEOUT);
		assertThat(FilePermissions.toOctal(Files.getPosixFilePermissions(this.dir.resolve("app.sock.handover"))))
			.isEqualTo("0600");
	}

	@Test
	void anotherUserIsRefusedEvenWhereTheModeLetsItConnect() throws Exception {
		OtherUser.require();
		OtherUser.require(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
		Path open = openDirectory();
		StreamServer old = start(StreamServer.builder("old", this.dir.resolve("echo.sock"))
			.handler(HandoverTests::echoTagged)
			.build());
		Path control = open.resolve("control");
		HandoverListener listener = HandoverListener.open(
				new SocketFileOptions(control, FilePermissions.parse("0666"), null, false, null), TIMEOUT,
				offer(Map.of("echo", old)));
		this.resources.add(listener);

		String taken = python("""
				import socket, sys
				s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
				s.settimeout(10)
				s.connect(sys.argv[1])
				try:
				    s.sendall(b'HANDOVER 1\\n')
				    msg, fds, flags, addr = socket.recv_fds(s, 4096, 16)
				    print('fds=%d bytes=%d' % (len(fds), len(msg)))
				except (ConnectionResetError, BrokenPipeError):
				    print('reset')
				""", control.toString());

		assertThat(taken).as("closed unanswered").isIn("fds=0 bytes=0", "reset");
		assertThat(this.handedOver).isEmpty();
		assertThat(old.isRunning()).isTrue();
	}

	@Test
	void aControlSocketServedByAnotherUserIsRefused() throws Exception {
		OtherUser.require();
		OtherUser.require(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
		Path open = openDirectory();
		Path control = open.resolve("control");
		Process planted = OtherUser.command(PYTHON, "-c", """
				import os, socket, sys, time
				s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
				s.bind(sys.argv[1])
				os.chmod(sys.argv[1], 0o777)
				s.listen(4)
				print('listening', flush=True)
				c, _ = s.accept()
				time.sleep(10)
				""", control.toString()).start();
		this.resources.add(planted::destroyForcibly);
		try (BufferedReader out = planted.inputReader()) {
			assertThat(out.readLine()).isEqualTo("listening");
		}

		assertThatIOException().isThrownBy(() -> HandoverRequest.request(control, TIMEOUT))
			.withMessageContaining("served by uid");
	}

	/** A directory everyone may create files in, sticky like /tmp. */
	private Path openDirectory() throws IOException {
		Path open = Files.createDirectory(this.dir.resolve("open"));
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwx--x--x"));
		Files.setAttribute(open, "unix:mode", 01777);
		return open;
	}

	private StreamServer start(StreamServer server) throws IOException {
		server.start();
		this.resources.add(server::close);
		return server;
	}

	private HandoverListener listen(Map<String, StreamServer> servers, Duration timeout) throws IOException {
		HandoverListener listener = HandoverListener.open(this.dir.resolve("app.sock.handover"), timeout,
				offer(servers));
		this.resources.add(listener);
		return listener;
	}

	private HandoverListener.Offer offer(Map<String, StreamServer> servers) {
		return new HandoverListener.Offer() {

			@Override
			public List<HandoverListener.Socket> sockets() {
				List<HandoverListener.Socket> sockets = new ArrayList<>();
				servers.forEach((name, server) -> {
					try {
						sockets.add(new HandoverListener.Socket(name, server.address(), server.socketDescriptor()));
					}
					catch (IOException ex) {
						throw new IllegalStateException(ex);
					}
				});
				return sockets;
			}

			@Override
			public void handedOver(Set<String> names) {
				names.forEach((name) -> servers.get(name).leaveSocketOnStop());
				servers.values().forEach(StreamServer::stop);
				HandoverTests.this.handedOver.add(names);
			}

		};
	}

	private static void echoTagged(io.github.unixsocket.server.StreamConnection connection) throws IOException {
		BufferedReader in = new BufferedReader(new InputStreamReader(connection.inputStream(), StandardCharsets.UTF_8));
		PrintWriter out = new PrintWriter(connection.outputStream(), true, StandardCharsets.UTF_8);
		String line = in.readLine();
		out.println(connection.serverName() + " " + line);
	}

	static String exchange(Path path, String line) throws IOException {
		try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
			PrintWriter out = new PrintWriter(Channels.newOutputStream(channel), true, StandardCharsets.UTF_8);
			out.println(line);
			return new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))
				.readLine();
		}
	}

	private static String python(String script, String argument) throws Exception {
		Process process = OtherUser.command(PYTHON, "-c", script, argument)
			.redirectError(ProcessBuilder.Redirect.INHERIT)
			.start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
		return out;
	}

}
