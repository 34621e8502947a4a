package io.github.unixsocket.command;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.util.RawValue;

/**
 * Parses one request line, JSON ({@code {"id": 7, "command": "echo", "args": {"text":
 * "hi"}}}) or text ({@code echo text=hi}, a value may be double-quoted with {@code \"}
 * and {@code \\} escapes: {@code echo text="hello world"}). A key or argument given twice
 * is an error, in either form. Pure: no state, no I/O;
 * every input yields a request, {@code null} for a blank line, or a
 * {@link CommandException} saying what is wrong, in the protocol's words (never
 * Jackson's: its messages name its classes and features). A number {@code id} is kept
 * exactly as written, so {@code 1e400} or {@code 0.10} come back unchanged.
 */
public final class CommandRequestParser {

	/** Jackson's {@code STRICT_DUPLICATE_DETECTION} message; it has no exception type of its own. */
	private static final Pattern DUPLICATE = Pattern.compile("Duplicate Object property \"(.*)\"");

	/** A number as JSON (RFC 8259) writes it: what may be echoed verbatim. */
	private static final Pattern JSON_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

	/** Jackson's "Unexpected character ('x' (code 120))": the character, by its code. */
	private static final Pattern UNEXPECTED_CHARACTER = Pattern.compile("Unexpected character \\(.*?\\(code (\\d+)\\)\\)");

	/** Jackson's "Unrecognized token 'word'" or "Non-standard token 'NaN'". */
	private static final Pattern TOKEN = Pattern.compile("(?:Unrecognized|Non-standard) token '(.*?)':", Pattern.DOTALL);

	/** Jackson's "Unexpected close marker ']'". */
	private static final Pattern CLOSE_MARKER = Pattern.compile("Unexpected close marker '(.)'");

	private static final String VALUE = "a value (a string, number, object, array, true, false or null)";

	/** What Jackson's "Unexpected character" message says it expected, and the protocol's words for it. */
	private static final String[][] EXPECTED = { { "start property name", "expected a field name in double quotes" },
			{ "colon", "expected ':' after a field name" }, { "Object entries", "expected ',' or '}'" },
			{ "Array entries", "expected ',' or ']'" }, { "numeric value", "invalid number" },
			{ "comment", "comments are not JSON" }, { "escape", "invalid escape in a string" } };

	private final ObjectReader reader;

	/**
	 * @param mapper reads JSON requests
	 */
	public CommandRequestParser(JsonMapper mapper) {
		// A repeated key would otherwise be last-wins, so a request could say one command to
		// a filter that reads the first and run another.
		this.reader = mapper.reader()
			.with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
			.with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
	}

	/**
	 * @param line one request, without its newline
	 * @return the request, or {@code null} if the line is blank
	 * @throws CommandException if the line is not a valid request
	 */
	public @Nullable CommandRequest parse(String line) {
		String request = line.strip();
		if (request.isEmpty()) {
			return null;
		}
		char first = request.charAt(0);
		return (first == '{' || first == '[') ? parseJson(request) : parseText(request);
	}

	private CommandRequest parseJson(String request) {
		JsonNode tree;
		try {
			tree = this.reader.readTree(request);
		}
		catch (JacksonException ex) {
			throw new CommandException(malformed(ex));
		}
		if (tree == null || !tree.isObject()) {
			throw new CommandException("malformed JSON: a request is an object");
		}
		JsonNode id = null;
		String command = null;
		Map<String, Object> args = Collections.emptyMap();
		for (Map.Entry<String, JsonNode> field : tree.properties()) {
			JsonNode value = field.getValue();
			switch (field.getKey()) {
				case "id" -> id = value;
				case "command" -> {
					if (!value.isString() || value.stringValue().isBlank()) {
						throw new CommandException("'command' must be a non-empty string");
					}
					command = value.stringValue().strip();
				}
				case "args" -> args = jsonArgs(value);
				default -> throw new CommandException(
						"unknown field '" + field.getKey() + "' (a request has id, command and args)");
			}
		}
		if (command == null) {
			throw new CommandException("missing 'command'");
		}
		return new CommandRequest(asWritten(id, request), command, args);
	}

	/**
	 * The id to echo: a number as the request wrote it, since reading it as a double
	 * changes it ({@code 1e400} would come back as {@code "Infinity"}, {@code 0.10} as
	 * {@code 0.1}). Ints and longs come back as written anyway: only other numbers are
	 * read a second time, so the usual request is parsed once.
	 */
	private @Nullable JsonNode asWritten(@Nullable JsonNode id, String request) {
		if (id == null || !id.isNumber() || ((id.isInt() || id.isLong()) && id.longValue() != 0)) {
			return id;
		}
		String text = numberText(request);
		// Only RFC 8259 numbers are echoed verbatim: the application's mapper may accept more (NaN, +1).
		if (text == null || !JSON_NUMBER.matcher(text).matches()) {
			throw new CommandException("'id' is not a JSON number" + ((text != null) ? ": " + text : ""));
		}
		return JsonNodeFactory.instance.rawValueNode(new RawValue(text));
	}

	/** @return the text of the top-level {@code id} number of an already valid request */
	private @Nullable String numberText(String request) {
		try (JsonParser parser = this.reader.createParser(request)) {
			parser.nextToken();
			while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
				String name = parser.currentName();
				JsonToken value = parser.nextToken();
				if ("id".equals(name)) {
					return (value != null && value.isNumeric()) ? parser.getString() : null;
				}
				parser.skipChildren();
			}
			return null;
		}
	}


	/**
	 * What is wrong with a request Jackson could not read, in the protocol's words: the
	 * column, and what was expected where. Jackson's own text names its classes and
	 * features, and is never passed on; a message it may word differently one day falls
	 * back to the column alone.
	 */
	static String malformed(JacksonException ex) {
		String message = String.valueOf(ex.getOriginalMessage());
		Matcher duplicate = DUPLICATE.matcher(message);
		if (duplicate.matches()) {
			return "duplicate field '" + duplicate.group(1) + "'";
		}
		String problem = problem(ex, message);
		int column = (ex.getLocation() != null) ? ex.getLocation().getColumnNr() : -1;
		return "malformed JSON" + ((column > 0) ? " at column " + column : "")
				+ ((problem != null) ? ": " + problem : "");
	}

	private static @Nullable String problem(JacksonException ex, String message) {
		if (ex instanceof StreamConstraintsException) {
			return message.startsWith("Number") ? "a number longer than the parser allows"
					: message.startsWith("String") ? "a string longer than the parser allows"
							: message.contains("nesting") ? "objects or arrays nested deeper than the parser allows"
									: "the request is larger than the parser allows";
		}
		if (ex instanceof UnexpectedEndOfInputException) {
			return message.contains("quote") ? "the line ends inside a string"
					: "the line ends before the JSON is complete (a '}' or ']' is missing)";
		}
		if (message.startsWith("Trailing token")) {
			return "more after the request's object (one request per line)";
		}
		Matcher character = UNEXPECTED_CHARACTER.matcher(message);
		if (character.lookingAt()) {
			String found = "found " + shown(Integer.parseInt(character.group(1)));
			String rest = message.substring(character.end());
			for (String[] expectation : EXPECTED) {
				if (rest.contains(expectation[0])) {
					return expectation[1] + ", " + found;
				}
			}
			return "expected " + VALUE + ", " + found;
		}
		Matcher token = TOKEN.matcher(message);
		if (token.lookingAt()) {
			return "unknown word '" + token.group(1) + "': expected " + VALUE;
		}
		Matcher close = CLOSE_MARKER.matcher(message);
		if (close.lookingAt()) {
			return "'" + close.group(1) + "' does not close the open " + (close.group(1).equals("]") ? "object" : "array");
		}
		if (message.startsWith("Invalid numeric value")) {
			return "invalid number (leading zeros are not allowed)";
		}
		if (message.startsWith("Illegal unquoted character")) {
			return "a control character in a string must be escaped (\\n, \\t, \\u0000)";
		}
		if (message.startsWith("Illegal character")) {
			return "a control character outside a string";
		}
		if (message.startsWith("Unrecognized character escape")) {
			return "invalid escape in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)";
		}
		return null;
	}

	/** @return a character as a peer may be shown it: quoted, or its code when it would not print */
	private static String shown(int code) {
		return (code < 0x20 || code == 0x7f || !Character.isDefined(code)) ? String.format("U+%04X", code)
				: "'" + Character.toString(code) + "'";
	}

	private Map<String, Object> jsonArgs(JsonNode value) {
		if (value.isNull()) {
			return Collections.emptyMap();
		}
		if (!value.isObject()) {
			throw new CommandException("'args' must be an object");
		}
		Map<String, Object> args = new LinkedHashMap<>();
		for (Map.Entry<String, JsonNode> arg : value.properties()) {
			JsonNode node = arg.getValue();
			args.put(arg.getKey(), node.isString() ? node.stringValue() : node);
		}
		return args;
	}

	private CommandRequest parseText(String request) {
		int length = request.length();
		int i = 0;
		while (i < length && !Character.isWhitespace(request.charAt(i))) {
			i++;
		}
		String command = request.substring(0, i);
		Map<String, Object> args = new LinkedHashMap<>();
		StringBuilder word = new StringBuilder();
		while (i < length) {
			while (i < length && Character.isWhitespace(request.charAt(i))) {
				i++;
			}
			if (i == length) {
				break;
			}
			word.setLength(0);
			int equals = -1;
			while (i < length && !Character.isWhitespace(request.charAt(i))) {
				char c = request.charAt(i++);
				if (c == '"') {
					i = quoted(request, i, word);
				}
				else {
					if (c == '=' && equals < 0) {
						equals = word.length();
					}
					word.append(c);
				}
			}
			if (equals <= 0) {
				throw new CommandException("argument '" + word + "' is not key=value");
			}
			String key = word.substring(0, equals);
			if (args.put(key, word.substring(equals + 1)) != null) {
				throw new CommandException("argument '" + key + "' is given twice");
			}
		}
		return new CommandRequest(null, command, args);
	}

	/** Append a quoted section's content; {@code i} is just past the opening quote. */
	private static int quoted(String request, int i, StringBuilder word) {
		while (i < request.length()) {
			char c = request.charAt(i++);
			if (c == '"') {
				return i;
			}
			if (c == '\\' && i < request.length()) {
				c = request.charAt(i++);
			}
			word.append(c);
		}
		throw new CommandException("unterminated quote");
	}

}
