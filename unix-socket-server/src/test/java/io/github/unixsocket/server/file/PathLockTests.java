package io.github.unixsocket.server.file;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The lock that gives a socket path one owner: its file, who holds it, and what it leaves. */
@Timeout(60)
class PathLockTests {

	@TempDir
	Path dir;

	@Test
	void theLockFileIsPrivateNamesItsHolderAndIsGoneWithTheLock() throws Exception {
		Path socket = this.dir.resolve("a.sock");
		Path file = this.dir.resolve(".a.sock.lock");
		try (PathLock lock = PathLock.acquire(socket)) {
			assertThat(PathLock.lockFile(socket)).isEqualTo(file);
			assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
			assertThat(Files.readString(file)).matches(ProcessHandle.current().pid() + " [0-9a-f]+\n");
			assertThatExceptionOfType(SocketFileException.class).isThrownBy(() -> PathLock.acquire(socket))
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE))
				.withMessage("Socket " + socket + " is in use by another server of this application");
			assertThat(openFilesNamed(file)).as("only the holder's descriptor").isOne();
		}
		assertThat(file).doesNotExist();
		assertThat(openFilesNamed(file)).as("file descriptors still open on the lock file").isZero();
		PathLock.acquire(socket).close();
		assertThat(file).doesNotExist();
	}

	@Test
	void aLockHeldByAnotherProcessNamesThatProcessIfItWroteItsPid() throws Exception {
		Path socket = this.dir.resolve("b.sock");
		Path file = PathLock.lockFile(socket);
		try (Holder holder = new Holder(file)) {
			holder.write("%d token");
			assertThatExceptionOfType(SocketFileException.class).isThrownBy(() -> PathLock.acquire(socket))
				.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IN_USE))
				.withMessage("Socket " + socket + " is in use: process " + holder.pid() + " holds " + file);
			for (String content : new String[] { "", " 12 token", "12x token", "token" }) {
				holder.write(content);
				assertThatExceptionOfType(SocketFileException.class).as(content)
					.isThrownBy(() -> PathLock.acquire(socket))
					.withMessage("Socket " + socket + " is in use: another process holds " + file);
			}
			assertThat(openFilesNamed(file)).as("descriptors left by the refused attempts").isZero();
		}
		PathLock.acquire(socket).close();
	}

	@Test
	void aSymbolicLinkAtTheLocksNameIsRefusedNotFollowed() throws Exception {
		Path socket = this.dir.resolve("d.sock");
		Path target = Files.writeString(this.dir.resolve("precious"), "keep");
		Files.createSymbolicLink(PathLock.lockFile(socket), target);
		assertThatExceptionOfType(SocketFileException.class).isThrownBy(() -> PathLock.acquire(socket))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(SocketFileException.Reason.IO_ERROR))
			.withMessageStartingWith("Could not open lock file " + PathLock.lockFile(socket));
		assertThat(target).hasContent("keep");
	}

	@Test
	void onlyDotNameDotLockIsALockFile() {
		assertThat(PathLock.isLockFile(Path.of("/run/app/.a.sock.lock"))).isTrue();
		assertThat(PathLock.isLockFile(Path.of("/run/app/a.sock.lock"))).isFalse();
		assertThat(PathLock.isLockFile(Path.of("/run/app/.a.sock"))).isFalse();
		assertThat(PathLock.isLockFile(Path.of("/run/app/a.sock"))).isFalse();
	}

	/**
	 * Another JVM holding an fcntl lock on the file, as a second instance of the application
	 * would, until closed. Each line sent to it replaces the file's content ({@code %d}
	 * stands for its pid).
	 */
	private static final class Holder implements AutoCloseable {

		private static final String SOURCE = """
				import java.io.BufferedReader;
				import java.io.InputStreamReader;
				import java.nio.ByteBuffer;
				import java.nio.channels.FileChannel;
				import java.nio.file.Path;
				import java.nio.file.StandardOpenOption;

				class Holder {
					public static void main(String[] args) throws Exception {
						try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
								StandardOpenOption.READ, StandardOpenOption.WRITE)) {
							channel.lock();
							BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
							System.out.println("locked");
							for (String line; (line = in.readLine()) != null;) {
								channel.truncate(0);
								channel.write(ByteBuffer.wrap(line.replace("%d", "" + ProcessHandle.current().pid()).getBytes()), 0);
								System.out.println("written");
							}
						}
					}
				}
				""";

		private final Process process;

		private final BufferedReader out;

		Holder(Path file) throws Exception {
			Path source = file.resolveSibling("Holder.java");
			Files.writeString(source, SOURCE);
			String java = ProcessHandle.current().info().command().orElse("java");
			this.process = new ProcessBuilder(java, source.toString(), file.toString())
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			this.out = new BufferedReader(new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8));
			assertThat(this.out.readLine()).as("the other process locked " + file).isEqualTo("locked");
		}

		long pid() {
			return this.process.pid();
		}

		void write(String content) throws Exception {
			this.process.getOutputStream().write((content + "\n").getBytes(StandardCharsets.UTF_8));
			this.process.getOutputStream().flush();
			assertThat(this.out.readLine()).isEqualTo("written");
		}

		@Override
		public void close() throws Exception {
			this.process.getOutputStream().close();
			if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}

	}

	private static long openFilesNamed(Path file) throws Exception {
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			return fds.filter((fd) -> {
				try {
					return Files.readSymbolicLink(fd).toString().startsWith(file.toString());
				}
				catch (Exception ex) {
					return false;
				}
			}).count();
		}
	}

}
