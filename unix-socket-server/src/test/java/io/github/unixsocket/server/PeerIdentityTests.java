package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.peer.PeerPolicy;
import io.github.unixsocket.server.peer.UnixIds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Peers of filesystem servers (JDK channels) and abstract ones (junixsocket) are matched
 * and shown alike, and digits always mean an id: real sockets, clients run as other users
 * through {@code setpriv}.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class PeerIdentityTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	@Test
	void fileAndAbstractServersMatchAndShowPeersAlike() throws Exception {
		OtherUser.require("socat");
		Files.setPosixFilePermissions(this.servers.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
		// nobody by user, root by group; uid and gid 4242 (no account needed) by neither
		PeerPolicy policy = PeerPolicy.of(List.of("nobody"), List.of("0"));
		Queue<String> peers = new ConcurrentLinkedQueue<>();
		Path path = this.servers.path("file.sock");
		String name = "unix-socket-test-" + UUID.randomUUID();
		StreamServer file = start(StreamServer.builder("file", path).permissions(FilePermissions.parse("0666")), policy,
				peers);
		StreamServer abstractServer = start(StreamServer.abstractBuilder("abstract", name), policy, peers);

		for (String target : List.of("UNIX-CONNECT:" + path, "ABSTRACT-CONNECT:" + name)) {
			assertThat(socat(target, "root", "root")).as(target).isEqualTo("hi\n");
			assertThat(socat(target, "nobody", "nogroup")).as(target).isEqualTo("hi\n");
			assertThat(socat(target, "4242", "4242")).as(target).isEmpty();
		}
		awaitCondition(() -> file.rejectedConnections(RejectReason.UNAUTHORIZED) == 1
				&& abstractServer.rejectedConnections(RejectReason.UNAUTHORIZED) == 1);
		assertThat(file.acceptedConnections()).isEqualTo(2);
		assertThat(abstractServer.acceptedConnections()).isEqualTo(2);
		assertThat(peers).containsExactly("file user=root, group=root", "file user=nobody, group=nogroup",
				"abstract user=root, group=root", "abstract user=nobody, group=nogroup");
	}

	/**
	 * An account named {@code 1001} with uid 2000 (and a group named {@code 1001} with gid
	 * 2000), in a private mount namespace of a child JVM, so the host's databases are not
	 * touched: {@code 1001} in a policy or as a socket group still means id 1001.
	 */
	@Test
	void digitNamedAccountsDoNotAliasIds() throws Exception {
		OtherUser.require("socat", "unshare", "mount");
		Process probe = new ProcessBuilder("unshare", "--mount", "true").redirectErrorStream(true).start();
		OtherUser.require(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0,
				"there is no private mount namespace here (unshare --mount failed)");
		OtherUser.require(UnixIds.userName(1001).equals("1001") && UnixIds.userName(2000).equals("2000")
				&& UnixIds.groupName(1001).equals("1001") && UnixIds.groupName(2000).equals("2000"),
				"uid or gid 1001 or 2000 is taken on this machine");
		Path passwd = this.servers.path("passwd");
		Files.writeString(passwd, Files.readString(Path.of("/etc/passwd"))
				+ "1001:x:2000:2000::/nonexistent:/usr/sbin/nologin\n");
		Path group = this.servers.path("group");
		Files.writeString(group, Files.readString(Path.of("/etc/group")) + "1001:x:2000:\n");
		Path sockets = Files.createDirectory(this.servers.path("sockets"));
		Files.setPosixFilePermissions(this.servers.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
		Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		String script = "mount --bind \"$1\" /etc/passwd && mount --bind \"$2\" /etc/group && shift 2 && exec \"$@\"";
		Process child = new ProcessBuilder("unshare", "--mount", "sh", "-c", script, "sh", passwd.toString(),
				group.toString(), java, "-cp", System.getProperty("java.class.path"),
				DigitNamedAccounts.class.getName(), sockets.toString(), "unix-socket-test-" + UUID.randomUUID())
			.redirectErrorStream(true)
			.start();
		String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(child.exitValue()).as(output).isZero();
		Map<String, String> results = new LinkedHashMap<>();
		output.lines().filter((line) -> line.startsWith("= ")).forEach((line) -> {
			int colon = line.indexOf(": ");
			results.put(line.substring(2, colon), line.substring(colon + 2));
		});
		assertThat(results).as(output).containsEntry("jdk looks up '1001' as uid", "2000");
		assertThat(results).as(output)
			.containsEntry("group of a socket with group '1001'", "1001")
			.containsEntry("uid 1001 on policy users [1001], file", "hi")
			.containsEntry("uid 1001 on policy users [1001], abstract", "hi")
			.containsEntry("uid 2000 on policy users [1001], file", "refused")
			.containsEntry("uid 2000 on policy users [1001], abstract", "refused")
			.containsEntry("uid 1001 shown on file", "user=1001, group=1001")
			.containsEntry("uid 1001 shown on abstract", "user=1001, group=1001")
			.containsEntry("uid 2000 shown on file", "user=2000, group=2000")
			.containsEntry("uid 2000 shown on abstract", "user=2000, group=2000");
	}

	private StreamServer start(StreamServer.Builder builder, PeerPolicy policy, Queue<String> peers)
			throws IOException {
		return this.servers.start(builder.peerPolicy(policy).handler((connection) -> {
			peers.add(connection.serverName() + " " + connection.peer());
			connection.inputStream().transferTo(connection.outputStream());
		}));
	}

	/** Send "hi" as that user and group; the reply, empty if the server closed at once. */
	static String socat(String target, String user, String group) throws Exception {
		Process process = new ProcessBuilder("setpriv", "--reuid=" + user, "--regid=" + group, "--clear-groups",
				"socat", "-t", "2", "-", target)
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.start();
		process.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
		process.getOutputStream().close();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
	}

	/** Runs in the child JVM, where /etc/passwd and /etc/group name ids 2000 "1001". */
	static final class DigitNamedAccounts {

		public static void main(String[] args) throws Exception {
			Path dir = Path.of(args[0]);
			String name = args[1];
			System.out.println("= jdk looks up '1001' as uid: " + UnixIds.id(
					java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("1001")));
			PeerPolicy policy = PeerPolicy.of(List.of("1001"), List.of());
			Queue<String> shown = new ConcurrentLinkedQueue<>();
			List<StreamServer> servers = new ArrayList<>();
			Path guarded = dir.resolve("guarded.sock");
			Path open = dir.resolve("open.sock");
			try {
				servers.add(StreamServer.builder("file", guarded)
					.permissions(FilePermissions.parse("0666"))
					.group("1001")
					.peerPolicy(policy)
					.handler(DigitNamedAccounts::echo)
					.build());
				servers.add(StreamServer.abstractBuilder("abstract", name + "-guarded")
					.peerPolicy(policy)
					.handler(DigitNamedAccounts::echo)
					.build());
				servers.add(StreamServer.builder("file", open)
					.permissions(FilePermissions.parse("0666"))
					.handler((connection) -> show(connection, shown))
					.build());
				servers.add(StreamServer.abstractBuilder("abstract", name + "-open")
					.handler((connection) -> show(connection, shown))
					.build());
				for (StreamServer server : servers) {
					server.start();
				}
				System.out.println("= group of a socket with group '1001': " + Files.getAttribute(guarded, "unix:gid"));
				for (String uid : List.of("1001", "2000")) {
					// setpriv, too, takes "1001" for the account of that name: "+1001" is the number
					String id = "+" + uid;
					String file = socat("UNIX-CONNECT:" + guarded, id, id);
					String abstractReply = socat("ABSTRACT-CONNECT:" + name + "-guarded", id, id);
					System.out.println("= uid " + uid + " on policy users [1001], file: " + reply(file));
					System.out.println("= uid " + uid + " on policy users [1001], abstract: " + reply(abstractReply));
					// one client at a time: the handler has seen it once its reply is back
					socat("UNIX-CONNECT:" + open, id, id);
					System.out.println("= uid " + uid + " shown on file: " + shown.poll());
					socat("ABSTRACT-CONNECT:" + name + "-open", id, id);
					System.out.println("= uid " + uid + " shown on abstract: " + shown.poll());
				}
			}
			finally {
				servers.forEach(StreamServer::close);
			}
		}

		private static void echo(StreamConnection connection) throws IOException {
			connection.inputStream().transferTo(connection.outputStream());
		}

		private static void show(StreamConnection connection, Queue<String> shown) throws IOException {
			shown.add(connection.peer().toString());
			echo(connection);
		}

		private static String reply(String reply) {
			return reply.isEmpty() ? "refused" : reply.strip();
		}

	}

}
