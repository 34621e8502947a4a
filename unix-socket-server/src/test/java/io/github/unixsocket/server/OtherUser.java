package io.github.unixsocket.server;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Another local user for attack tests: {@code nobody}, reached through {@code setpriv}
 * when the tests run as root. Where root, a tool or anything else a test needs from the
 * machine is missing the test is skipped, except under CI ({@code CI=true}), where a
 * skipped test would hide a regression: there it fails, saying what is missing. Every test
 * of this module that needs something of the machine asks through {@link #require}.
 */
public final class OtherUser {

	public static final String USER = "nobody";

	public static final String GROUP = "nogroup";

	private OtherUser() {
	}

	/**
	 * Skip (or, under CI, fail) unless this runs as root with the given tools installed.
	 * @param tools commands the test runs
	 */
	public static void require(String... tools) {
		requireRoot("running as another user");
		requireOnPath("setpriv");
		requireOnPath(tools);
	}

	/**
	 * Skip (or, under CI, fail) unless this runs as root.
	 * @param why what the test does that needs root
	 */
	public static void requireRoot(String why) {
		require("root".equals(System.getProperty("user.name")), why + " needs root");
	}

	/**
	 * Skip (or, under CI, fail) unless these commands are installed.
	 * @param commands commands the test runs
	 */
	public static void requireOnPath(String... commands) {
		for (String command : commands) {
			require(onPath(command), "'" + command + "' is not installed");
		}
	}

	/**
	 * Skip (or, under CI, fail) unless a condition holds.
	 * @param condition what the test needs
	 * @param missing what is missing otherwise
	 */
	public static void require(boolean condition, String missing) {
		if ("true".equals(System.getenv("CI"))) {
			Assertions.assertTrue(condition, () -> "CI must run this test, but " + missing);
		}
		Assumptions.assumeTrue(condition, () -> "SKIPPED: " + missing);
	}

	public static boolean onPath(String command) {
		return Stream.of(System.getenv("PATH").split(File.pathSeparator))
			.anyMatch((dir) -> Files.isExecutable(Path.of(dir, command)));
	}

	/**
	 * Start a command as {@link #USER}.
	 * @param command the command and its arguments
	 * @return the process, its error output discarded
	 * @throws IOException if it cannot be started
	 */
	public static ProcessBuilder command(String... command) {
		List<String> line = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + GROUP, "--clear-groups"));
		line.addAll(List.of(command));
		return new ProcessBuilder(line).redirectError(ProcessBuilder.Redirect.DISCARD);
	}

	/**
	 * Start a command as {@link #USER} with one supplementary group, as a member of a
	 * socket's group (nginx's worker in {@code www-data}, say) runs.
	 * @param gid the supplementary group: a gid, which needs no entry in the group database
	 * @param command the command and its arguments
	 * @return the process builder, its error output shown with the test's
	 */
	static ProcessBuilder commandInGroup(String gid, String... command) {
		List<String> line = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + GROUP, "--groups=" + gid));
		line.addAll(List.of(command));
		// Its errors (a refused connect, say) go to the test's output.
		return new ProcessBuilder(line).redirectError(ProcessBuilder.Redirect.INHERIT);
	}

	/**
	 * Give a file (or a link itself) to {@link #USER}.
	 * @param path the file
	 * @return the path
	 * @throws IOException if it cannot be changed
	 */
	public static Path own(Path path) throws IOException {
		UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
		PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
				LinkOption.NOFOLLOW_LINKS);
		view.setOwner(lookup.lookupPrincipalByName(USER));
		view.setGroup(lookup.lookupPrincipalByGroupName(GROUP));
		return path;
	}

}
