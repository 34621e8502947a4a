package io.github.unixsocket.sample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's shell snippets, which people paste to try the sample, parse as shell. */
class SampleReadmeTests {

	private static final Pattern SHELL_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);

	@Test
	void shellSnippetsAreValidShell() throws Exception {
		// surefire runs in the module directory; the README is the project's
		Path readme = Path.of("..", "README.md");
		Required.that(Files.isRegularFile(readme), "there is no README.md next to sample-app");
		Required.that(Files.isExecutable(Path.of("/bin/sh")), "there is no /bin/sh");
		Matcher blocks = SHELL_BLOCK.matcher(Files.readString(readme));
		List<String> checked = new ArrayList<>();
		while (blocks.find()) {
			String block = blocks.group(1);
			// -n: parse only, run nothing
			Process sh = new ProcessBuilder("/bin/sh", "-n").redirectErrorStream(true).start();
			sh.getOutputStream().write(block.getBytes(StandardCharsets.UTF_8));
			sh.getOutputStream().close();
			String errors = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(sh.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(sh.exitValue()).as("sh -n on README block:%n%s%n%s", block, errors).isZero();
			checked.add(block);
		}
		assertThat(checked).as("shell blocks in README.md").isNotEmpty()
			.anySatisfy((block) -> assertThat(block).contains("admin.sock"));
	}

}
