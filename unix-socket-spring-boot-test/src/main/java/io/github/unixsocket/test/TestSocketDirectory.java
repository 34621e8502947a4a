package io.github.unixsocket.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;

/**
 * The private directory of one test context's sockets: created 0700 in
 * {@code java.io.tmpdir}, removed with what is left in it when the context is destroyed.
 */
final class TestSocketDirectory implements DisposableBean {

	/** Bean name of the directory in the test context. */
	static final String BEAN_NAME = "io.github.unixsocket.test.TestSocketDirectory";

	private static final Log logger = LogFactory.getLog(TestSocketDirectory.class);

	// Short: a socket path may not exceed 107 bytes (103 on macOS, whose java.io.tmpdir is long).
	private static final String PREFIX = "uds-test-";

	private final Path path;

	/** File names given so far, by server name: two names must never share a file. */
	private final Map<String, String> fileNames = new LinkedHashMap<>();

	private TestSocketDirectory(Path path) {
		this.path = path;
	}

	/**
	 * Create a fresh directory. Its name is unique among existing files (the file system
	 * creates it atomically), so contexts in parallel, in this JVM or another, never share
	 * one; it is created 0700 (a umask can only take permissions away), so no other user
	 * can reach the sockets or replace them.
	 * @return the directory
	 */
	static TestSocketDirectory create() {
		try {
			return new TestSocketDirectory(Files.createTempDirectory(PREFIX,
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create a socket directory for the test in "
					+ System.getProperty("java.io.tmpdir"), ex);
		}
	}

	/** @return the directory */
	Path path() {
		return this.path;
	}

	/**
	 * Where a socket configured at {@code configured} goes instead.
	 * @param name the server's name
	 * @param configured its configured address: a path, or {@code "@name"} for the
	 * abstract namespace
	 * @return {@code <directory>/<name>.sock}, or {@code "@<directory name>/<name>"} for an
	 * abstract address (unique while the directory exists)
	 */
	synchronized String relocate(String name, String configured) {
		if (configured.startsWith("@")) {
			return "@" + this.path.getFileName() + "/" + name;
		}
		return this.path.resolve(fileName(name)).toString();
	}

	private String fileName(String name) {
		String existing = this.fileNames.get(name);
		if (existing != null) {
			return existing;
		}
		// A map key may hold any character ("unix-socket.servers[a/b]"): keep the file in the directory.
		String base = name.replaceAll("[^A-Za-z0-9._-]", "_");
		if (base.isEmpty() || base.startsWith(".")) {
			base = "_" + base;
		}
		String fileName = base + ".sock";
		for (int i = 2; hasFileName(fileName); i++) {
			fileName = base + "-" + i + ".sock";
		}
		this.fileNames.put(name, fileName);
		return fileName;
	}

	// Case-insensitive: macOS file systems are.
	private boolean hasFileName(String fileName) {
		return this.fileNames.values().stream().anyMatch(fileName::equalsIgnoreCase);
	}

	/** Remove the directory and what is left in it, without following symbolic links. */
	@Override
	public void destroy() {
		try {
			Files.walkFileTree(this.path, new SimpleFileVisitor<>() {

				@Override
				public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
					Files.deleteIfExists(file);
					return FileVisitResult.CONTINUE;
				}

				@Override
				public FileVisitResult postVisitDirectory(Path directory, IOException ex) throws IOException {
					Files.deleteIfExists(directory);
					return FileVisitResult.CONTINUE;
				}

			});
		}
		catch (NoSuchFileException ex) {
			// removed already
		}
		catch (IOException ex) {
			logger.warn("Could not remove the test's socket directory " + this.path, ex);
		}
	}

	@Override
	public String toString() {
		return this.path.toString();
	}

}
