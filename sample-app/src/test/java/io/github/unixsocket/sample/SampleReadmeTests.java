package io.github.unixsocket.sample;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README and the pages it links against the sample, as a newcomer uses them: their
 * shell snippets parse, those of the README's "Try it" run against the running sample (each
 * line, stdin empty) and print what their comments say, their Java snippets compile with the
 * imports they name, and every link between them reaches a page and a heading that exist.
 */
@Timeout(180)
class SampleReadmeTests {

	private static final Pattern SHELL_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);

	/** A relative link: a file (or none: this page) and perhaps an anchor. */
	private static final Pattern LINK = Pattern.compile("\\]\\((?!https?:)([^)#\\s]*)(?:#([^)\\s]+))?\\)");

	private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

	/** "# prints hello", "# prints one, two", a line "# prints: ok 2 (...)" for the command before it. */
	private static final Pattern PRINTS = Pattern.compile("#\\s*prints:?\\s+([^(]*)");

	private static final String SAMPLE_DIR = "/tmp/unix-socket-sample";

	@TempDir
	Path dir;

	private static String readme() throws Exception {
		// surefire runs in the module directory; the README is the project's
		Path readme = Path.of("..", "README.md");
		Required.that(Files.isRegularFile(readme), "there is no README.md next to sample-app");
		return Files.readString(readme);
	}

	/** The README, CONTRIBUTING.md and every page of docs/: all a user is shown. */
	private static String documentation() throws Exception {
		StringBuilder all = new StringBuilder(readme());
		all.append(Files.readString(Path.of("..", "CONTRIBUTING.md")));
		try (Stream<Path> pages = Files.list(Path.of("..", "docs"))) {
			for (Path page : pages.filter((path) -> path.toString().endsWith(".md")).sorted().toList()) {
				all.append('\n').append(Files.readString(page));
			}
		}
		return all.toString();
	}

	@Test
	void linksBetweenThePagesReachAPageAndAHeading() throws Exception {
		List<Path> pages = new ArrayList<>(List.of(Path.of("..", "README.md"), Path.of("..", "CONTRIBUTING.md")));
		try (Stream<Path> docs = Files.list(Path.of("..", "docs"))) {
			docs.filter((path) -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		List<String> checked = new ArrayList<>();
		for (Path page : pages) {
			Matcher links = LINK.matcher(Files.readString(page));
			while (links.find()) {
				String file = links.group(1);
				Path target = file.isEmpty() ? page : page.resolveSibling(file).normalize();
				String link = page.getFileName() + " -> " + links.group();
				assertThat(target).as(link).exists();
				if (links.group(2) != null && target.toString().endsWith(".md")) {
					assertThat(anchors(Files.readString(target))).as(link).contains(links.group(2));
				}
				checked.add(link);
			}
		}
		assertThat(checked).as("links between the pages").hasSizeGreaterThan(20);
	}

	/** GitHub's anchors of a page's headings (outside code blocks). */
	private static List<String> anchors(String page) {
		List<String> anchors = new ArrayList<>();
		boolean code = false;
		for (String line : page.split("\n")) {
			if (line.startsWith("```")) {
				code = !code;
			}
			else if (!code && line.startsWith("#")) {
				String title = line.replaceFirst("^#+\\s+", "").toLowerCase(java.util.Locale.ROOT);
				anchors.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
			}
		}
		return anchors;
	}

	@Test
	void shellSnippetsAreValidShell() throws Exception {
		Required.that(Files.isExecutable(Path.of("/bin/sh")), "there is no /bin/sh");
		Matcher blocks = SHELL_BLOCK.matcher(documentation());
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
		assertThat(checked).as("shell blocks of the documentation").isNotEmpty()
			.anySatisfy((block) -> assertThat(block).contains("admin.sock"));
	}

	@Test
	void tryItRunsAgainstTheSampleAsWritten() throws Exception {
		Required.onPath("socat", "nc", "logger", "curl", "rlwrap");
		String readme = readme();
		String tryIt = readme.substring(readme.indexOf("\n## Try it\n"));
		tryIt = tryIt.substring(0, tryIt.indexOf("\n## ", 1));
		List<String> commands = new ArrayList<>();
		List<String> expected = new ArrayList<>();
		Matcher blocks = SHELL_BLOCK.matcher(tryIt);
		while (blocks.find()) {
			for (String line : blocks.group(1).split("\n")) {
				Matcher prints = PRINTS.matcher(line);
				String said = prints.find() ? prints.group(1).trim() : "";
				if (line.isBlank()) {
					continue;
				}
				if (line.startsWith("#")) {
					if (!said.isEmpty() && !commands.isEmpty()) {
						expected.set(expected.size() - 1, said);
					}
					continue;
				}
				commands.add(line.replace(SAMPLE_DIR, this.dir.toString()));
				expected.add(said);
			}
		}
		assertThat(commands).as("commands of Try it").hasSizeGreaterThan(10)
			.anySatisfy((command) -> assertThat(command).contains("actuator.sock"));
		try (ConfigurableApplicationContext sample = new SpringApplicationBuilder(SampleApplication.class)
			.run("--sample.socket-dir=" + this.dir, "--server.port=0")) {
			for (int i = 0; i < commands.size(); i++) {
				// Interactive ones too: with nothing to read they connect and end, or show they cannot.
				Process sh = new ProcessBuilder("/bin/sh", "-c", commands.get(i)).redirectErrorStream(true)
					.redirectInput(new File("/dev/null"))
					.start();
				String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
				assertThat(sh.waitFor(30, TimeUnit.SECONDS)).as(commands.get(i)).isTrue();
				assertThat(sh.exitValue()).as("exit code of%n%s%nwhich printed%n%s", commands.get(i), out).isZero();
				for (String part : expected.get(i).split(",")) {
					assertThat(out).as("output of%n%s", commands.get(i)).contains(part.trim());
				}
			}
		}
	}

	@Test
	void javaSnippetsCompileWithTheImportsTheyName() throws Exception {
		JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
		Required.that(javac != null, "this JVM has no Java compiler");
		Matcher blocks = JAVA_BLOCK.matcher(documentation());
		Path sources = Files.createDirectories(this.dir.resolve("src"));
		List<String> files = new ArrayList<>();
		while (blocks.find()) {
			String snippet = blocks.group(1);
			assertThat(snippet).as("a snippet to compile leaves nothing out").doesNotContain("...");
			files.add(write(sources, files.size() + 1, snippet).toString());
		}
		assertThat(files).as("Java snippets of the documentation").hasSizeGreaterThan(5);
		List<String> arguments = new ArrayList<>(List.of("-proc:none", "-d", this.dir.resolve("classes").toString(),
				"-cp", System.getProperty("java.class.path")));
		arguments.addAll(files);
		// javac's errors go to the test's output
		int result = javac.run(null, null, null, arguments.toArray(String[]::new));
		assertThat(result).as("javac on the documentation's Java snippets (see its output above)").isZero();
	}

	/**
	 * A snippet as a compilation unit: a class as it is, a method ({@code @Bean},
	 * {@code @EventListener}) in a class with a logger, statements in a method.
	 */
	private static Path write(Path sources, int number, String snippet) throws Exception {
		List<String> imports = new ArrayList<>();
		List<String> code = new ArrayList<>();
		for (String line : snippet.split("\n")) {
			(line.startsWith("import ") ? imports : code).add(line);
		}
		String body = String.join("\n", code);
		Matcher type = Pattern.compile("^class (\\w+)", Pattern.MULTILINE).matcher(body);
		String name = type.find() ? type.group(1) : "Snippet" + number;
		String unit;
		if (type.find(0)) {
			unit = body;
		}
		else if (Pattern.compile("^@(Bean|EventListener)", Pattern.MULTILINE).matcher(body).find()) {
			unit = "class " + name + " {\norg.slf4j.Logger log;\n" + body + "\n}\n";
		}
		else {
			unit = "class " + name + " {\nvoid run() throws Exception {\n" + body + "\n}\n}\n";
		}
		return Files.writeString(sources.resolve(name + ".java"), String.join("\n", imports) + "\n" + unit);
	}

}
