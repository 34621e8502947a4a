package io.github.unixsocket.sample;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs of the machine (a command-line client, root, a network interface). Where
 * it is missing the test is skipped, saying what is missing, except under CI
 * ({@code CI=true}): {@code .ci/run} installs every client, and a skipped test there would
 * hide a regression, so it fails instead.
 */
final class Required {

	private Required() {
	}

	/**
	 * Skip (or, under CI, fail) unless these commands are installed.
	 * @param commands commands the test runs
	 */
	static void onPath(String... commands) {
		for (String command : commands) {
			boolean found = Stream.of(System.getenv("PATH").split(File.pathSeparator))
				.anyMatch((dir) -> Files.isExecutable(Path.of(dir, command)));
			that(found, "'" + command + "' is not installed (.ci/run installs it)");
		}
	}

	/**
	 * Skip (or, under CI, fail) unless a condition holds.
	 * @param condition what the test needs
	 * @param missing what is missing otherwise
	 */
	static void that(boolean condition, String missing) {
		if ("true".equals(System.getenv("CI"))) {
			Assertions.assertTrue(condition, () -> "CI must run this test, but " + missing);
		}
		Assumptions.assumeTrue(condition, () -> "SKIPPED: " + missing);
	}

}
