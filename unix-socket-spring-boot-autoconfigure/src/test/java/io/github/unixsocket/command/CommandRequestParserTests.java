package io.github.unixsocket.command;

import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class CommandRequestParserTests {

	private final CommandRequestParser parser = new CommandRequestParser(JsonMapper.shared());

	@Test
	void textForm() {
		CommandRequest request = this.parser.parse("  log-level   logger=com.example level=debug ");
		assertThat(request.id()).isNull();
		assertThat(request.command()).isEqualTo("log-level");
		assertThat(request.args()).containsExactly(Map.entry("logger", "com.example"), Map.entry("level", "debug"));
	}

	@Test
	void textFormQuotesAndEmptyValues() {
		assertThat(this.parser.parse("echo text=\"a \\\"b\\\" \\\\ c\"").args()).containsEntry("text", "a \"b\" \\ c");
		assertThat(this.parser.parse("echo text=a=b").args()).containsEntry("text", "a=b");
		assertThat(this.parser.parse("echo \"te xt\"=1").args()).containsEntry("te xt", "1");
		assertThat(this.parser.parse("echo text=").args()).containsEntry("text", "");
		assertThat(this.parser.parse("echo text=a\"b c\"d").args()).containsEntry("text", "ab cd");
	}

	@Test
	void jsonForm() {
		CommandRequest request = this.parser
			.parse("{\"id\": 7, \"command\": \"echo\", \"args\": {\"text\": \"hi\", \"n\": 5, \"list\": [1]}}");
		assertThat(request.id().asInt()).isEqualTo(7);
		assertThat(request.command()).isEqualTo("echo");
		assertThat(request.args()).containsEntry("text", "hi");
		assertThat(request.args().get("n")).isInstanceOf(JsonNode.class);
		assertThat(((JsonNode) request.args().get("list")).isArray()).isTrue();
		assertThat(this.parser.parse("{\"command\": \"ping\", \"args\": null}").args()).isEmpty();
		assertThat(this.parser.parse("{\"id\": \"abc\", \"command\": \"ping\"}").id().asString()).isEqualTo("abc");
	}

	@Test
	void blankIsNoRequest() {
		assertThat(this.parser.parse("")).isNull();
		assertThat(this.parser.parse(" \t \r")).isNull();
	}

	@Test
	void invalidRequestsSayWhy() {
		assertInvalid("echo text", "argument 'text' is not key=value");
		assertInvalid("echo =x", "argument '=x' is not key=value");
		assertInvalid("echo text=\"open", "unterminated quote");
		assertInvalid("echo a=1 a=2", "argument 'a' is given twice");
		assertInvalid("{\"command\": \"x\"} trailing", "malformed JSON");
		assertInvalid("{\"command\": 5}", "'command' must be a non-empty string");
		assertInvalid("{\"command\": \" \"}", "'command' must be a non-empty string");
		assertInvalid("{\"id\": 1}", "missing 'command'");
		assertInvalid("{\"command\": \"x\", \"args\": \"a=b\"}", "'args' must be an object");
		assertInvalid("{\"command\": \"x\", \"extra\": 1}", "unknown field 'extra'");
		assertInvalid("[\"ping\"]", "a request is an object");
		assertInvalid("{\"command\": \"ping\", \"command\": \"help\"}", "duplicate field 'command'");
		assertInvalid("{\"id\": 1, \"command\": \"ping\", \"id\": 2}", "duplicate field 'id'");
		assertInvalid("{\"command\": \"echo\", \"args\": {\"text\": \"a\", \"text\": \"b\"}}",
				"duplicate field 'text'");
		assertInvalid("{\"command\": \"echo\", \"args\": {\"text\": {\"x\": 1, \"x\": 2}}}", "duplicate field 'x'");
		assertInvalid("{" + "\"a\":[".repeat(5000), "malformed JSON");
	}

	@Test
	void malformedJsonIsDescribedInTheProtocolsWordsWithItsColumn() {
		assertInvalid("{\"id\": 10, \"command\": \"echo\"",
				"malformed JSON at column 29: the line ends before the JSON is complete (a '}' or ']' is missing)");
		assertInvalid("{x:1}", "malformed JSON at column 2: expected a field name in double quotes, found 'x'");
		assertInvalid("{\"a\":1} {}", "malformed JSON at column 9: more after the request's object");
		assertInvalid("{\"a\":\"x\u0001\"}", "malformed JSON at column 8: a control character in a string must be escaped");
	}

	@Test
	void aNumberIdIsKeptAsWritten() {
		assertThat(this.parser.parse("{\"id\": 1e400, \"command\": \"ping\"}").id()).hasToString("1e400");
		assertThat(this.parser.parse("{\"command\": \"ping\", \"args\": {}, \"id\": 0.10}").id()).hasToString("0.10");
		assertThat(this.parser.parse("{\"id\": 7, \"command\": \"ping\"}").id().isInt()).isTrue();
		JsonMapper lenient = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
		assertThatExceptionOfType(CommandException.class)
			.isThrownBy(() -> new CommandRequestParser(lenient).parse("{\"id\": NaN, \"command\": \"ping\"}"))
			.withMessage("'id' is not a JSON number: NaN");
	}

	@Test
	void aRepeatedJsonKeyIsAnErrorNotLastWins() {
		assertThatExceptionOfType(CommandException.class)
			.isThrownBy(() -> this.parser.parse("{\"command\":\"ping\",\"command\":\"help\"}"))
			.withMessage("duplicate field 'command'");
		assertThatExceptionOfType(CommandException.class)
			.isThrownBy(() -> this.parser.parse("{\"command\":\"echo\",\"args\":{\"text\":\"a\",\"text\":\"b\"}}"))
			.withMessage("duplicate field 'text'");
	}

	private void assertInvalid(String line, String message) {
		assertThatExceptionOfType(CommandException.class).isThrownBy(() -> this.parser.parse(line))
			.withMessageContaining(message);
	}

}
