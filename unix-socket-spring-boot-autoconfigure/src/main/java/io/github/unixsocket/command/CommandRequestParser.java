package io.github.unixsocket.command;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses one request line, JSON ({@code {"id": 7, "command": "echo", "args": {"text":
 * "hi"}}}) or text ({@code echo text=hi}, a value may be double-quoted with {@code \"}
 * and {@code \\} escapes: {@code echo text="hello world"}). A key or argument given twice
 * is an error, in either form. Pure: no state, no I/O;
 * every input yields a request, {@code null} for a blank line, or a
 * {@link CommandException} saying what is wrong.
 */
public final class CommandRequestParser {

	/** Jackson's {@code STRICT_DUPLICATE_DETECTION} message; it has no exception type of its own. */
	private static final Pattern DUPLICATE = Pattern.compile("Duplicate Object property \"(.*)\"");

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
		return new CommandRequest(id, command, args);
	}

	/**
	 * Jackson's message without its source excerpt or location details, which say little
	 * here; a repeated key, at any depth, as {@code duplicate field 'name'}.
	 */
	private static String malformed(JacksonException ex) {
		String message = String.valueOf(ex.getOriginalMessage());
		Matcher duplicate = DUPLICATE.matcher(message);
		if (duplicate.matches()) {
			return "duplicate field '" + duplicate.group(1) + "'";
		}
		int cut = message.indexOf(" (start marker");
		message = (cut >= 0) ? message.substring(0, cut) : message;
		cut = message.indexOf('\n');
		message = (cut >= 0) ? message.substring(0, cut) : message;
		int column = (ex.getLocation() != null) ? ex.getLocation().getColumnNr() : -1;
		return "malformed JSON" + ((column > 0) ? " at column " + column : "") + ": " + message;
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
