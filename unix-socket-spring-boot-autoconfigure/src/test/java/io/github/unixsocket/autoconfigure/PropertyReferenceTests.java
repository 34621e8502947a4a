package io.github.unixsocket.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property tables of the documentation (the README's Configuration, docs/http.md,
 * docs/http-clients.md)
 * against the configuration metadata and the per-server keys the binder accepts: a property
 * added, renamed or removed without its row fails here.
 */
class PropertyReferenceTests {

	private static final String SERVER = "unix-socket.servers.<name>.";

	private static final String CLIENT = "unix-socket.clients.<name>.";

	private static final Pattern NAME = Pattern.compile("`([^`]+)`");

	@Test
	void thePropertyTablesListEveryPropertyAndNoOther() throws IOException {
		Set<String> documented = new TreeSet<>();
		documented.addAll(tableNames(section(page("README.md"), "## Configuration")));
		documented.addAll(tableNames(page("docs/http.md")));
		documented.addAll(tableNames(section(page("docs/http-clients.md"), "## Properties")));

		Set<String> properties = new TreeSet<>();
		for (String name : metadataNames()) {
			if (name.startsWith("management.server.unix-socket.")) {
				// One row covers them: "the same for the management server".
				properties.add("management.server.unix-socket.*");
			}
			else if (!name.equals("unix-socket.servers") && !name.equals("unix-socket.clients")
					&& !name.startsWith("management.endpoint.")
					&& !name.startsWith("management.health.")) {
				properties.add(name);
			}
		}
		UnknownKeys.SERVERS.known().forEach((key) -> properties.add(SERVER + key));
		UnknownKeys.CLIENTS.known().forEach((key) -> properties.add(CLIENT + key));

		assertThat(documented).as("the documented properties").isEqualTo(properties);
	}

	@Test
	void theActuatorPropertiesAreNamedInTheObservabilityPage() throws IOException {
		String observability = page("docs/observability.md");
		List<String> actuator = metadataNames().stream()
			.filter((name) -> name.startsWith("management.endpoint.unixsockets.access")
					|| name.startsWith("management.health."))
			.toList();
		assertThat(actuator).isNotEmpty().allSatisfy((name) -> assertThat(observability).contains(name));
	}

	/** The names in the first column of a section's tables; "….x" is a server's key. */
	private static List<String> tableNames(String section) {
		List<String> names = new ArrayList<>();
		for (String row : section.split("\n")) {
			if (!row.startsWith("| `")) {
				continue;
			}
			String cell = row.substring(2, row.indexOf(" |", 2));
			String first = null;
			Matcher matcher = NAME.matcher(cell);
			while (matcher.find()) {
				String name = matcher.group(1).replace("….", SERVER);
				if (first == null) {
					first = name;
				}
				else {
					// "`a.b.c` / `d`": d is a sibling of c
					name = first.substring(0, first.lastIndexOf('.') + 1) + name;
				}
				names.add(name);
			}
		}
		return names;
	}

	private static String section(String page, String heading) {
		int start = page.indexOf("\n" + heading + "\n");
		assertThat(start).as(heading).isNotNegative();
		int end = page.indexOf("\n## ", start + 1);
		return page.substring(start, (end < 0) ? page.length() : end);
	}

	private static String page(String name) throws IOException {
		// surefire runs in the module directory: the pages are the project's
		return Files.readString(Path.of("..").resolve(name));
	}

	private static List<String> metadataNames() throws IOException {
		JsonNode metadata = JsonMapper.builder()
			.build()
			.readTree(Path.of("target/classes/META-INF/spring-configuration-metadata.json").toFile());
		List<String> names = new ArrayList<>();
		metadata.get("properties").forEach((property) -> names.add(property.get("name").asString()));
		assertThat(names).as("properties in the metadata").hasSizeGreaterThan(10);
		return names;
	}

}
