package io.github.unixsocket.command;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.logging.LogLevel;

import static org.assertj.core.api.Assertions.assertThat;

/** The fuzz target shared by the fuzz tests: one request in, one well-formed reply (or none) out. */
final class CommandFuzzing {

	static final CommandProcessor PROCESSOR = CommandProcessor.of("fuzz", new FuzzCommands(), JsonMapper.shared(),
			ApplicationConversionService.getSharedInstance(), List.of());

	/** Seeds: valid and nearly valid requests of both forms. */
	static final List<String> SEEDS = List.of("help", "ping", "echo text=hi", "echo text=\"a b \\\" c\"",
			"add a=1 b=2", "greet name=x", "greet", "level level=debug", "sum values=1,2,3",
			"{\"id\": 1, \"command\": \"echo\", \"args\": {\"text\": \"hi\"}}",
			"{\"id\": \"x\", \"command\": \"add\", \"args\": {\"a\": 1, \"b\": \"2\"}}",
			"{\"command\": \"sum\", \"args\": {\"values\": [1, 2, 3]}}",
			"{\"command\": \"describe\", \"args\": {\"settings\": {\"a\": [true, null, 1.5e300]}}}",
			"{\"id\": [1, {\"x\": 2}], \"command\": \"ping\", \"args\": null}", "[]", "{}", "", "   ");

	private CommandFuzzing() {
	}

	/** Feed one input; assert the reply is exactly one well-formed JSON line. */
	static void check(byte[] input) {
		byte[] reply = PROCESSOR.handle(null, input);
		if (reply == null) {
			assertThat(decode(input)).as("only a blank line gets no reply").isNotNull().isBlank();
			return;
		}
		String text = new String(reply, StandardCharsets.UTF_8);
		assertThat(text).doesNotContain("\n").doesNotContain("\r");
		JsonNode json = JsonMapper.shared().readTree(text);
		assertThat(json.isObject()).isTrue();
		String status = json.path("status").asString();
		assertThat(status).isIn("ok", "error");
		if ("ok".equals(status)) {
			assertThat(json.has("payload")).isTrue();
		}
		else {
			assertThat(json.path("error").asString()).isNotBlank();
		}
	}

	private static String decode(byte[] input) {
		try {
			return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(input)).toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	static class FuzzCommands {

		@UnixSocketCommand(name = "echo")
		String echo(String text) {
			return text;
		}

		@UnixSocketCommand(name = "add")
		long add(int a, Integer b) {
			return (long) a + b;
		}

		@UnixSocketCommand(name = "greet")
		String greet(Optional<String> name) {
			return "hello " + name.orElse("you");
		}

		@UnixSocketCommand(name = "level")
		LogLevel level(LogLevel level) {
			return level;
		}

		@UnixSocketCommand(name = "sum")
		long sum(List<Integer> values) {
			return values.stream().filter(Objects::nonNull).mapToLong(Integer::longValue).sum();
		}

		@UnixSocketCommand(name = "describe")
		Map<String, Object> describe(Map<String, Object> settings) {
			return settings;
		}

	}

}
