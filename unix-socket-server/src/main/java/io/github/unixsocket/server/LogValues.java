package io.github.unixsocket.server;

import org.jspecify.annotations.Nullable;

/**
 * Makes a value that comes from outside the application (the environment, a peer, the
 * kernel's report of a peer's address) safe to put in a log line: a newline in it would
 * forge a line of its own, an escape sequence would reach the terminal of whoever reads
 * the log. Control characters (C0, DEL, C1), line and paragraph separators and invisible
 * format characters (bidirectional overrides among them) become {@code \n}, {@code \r},
 * {@code \t}, {@code \0} or {@code \}{@code u0085}, and a backslash becomes {@code \\}, so
 * the escaped text reads back unambiguously.
 */
public final class LogValues {

	private LogValues() {
	}

	/**
	 * @param value a value from outside, may be {@code null}
	 * @return the value with control characters escaped, {@code "null"} for {@code null}
	 */
	public static String escape(@Nullable Object value) {
		String text = String.valueOf(value);
		int i = 0;
		while (i < text.length() && !needsEscape(text.charAt(i))) {
			i++;
		}
		if (i == text.length()) {
			return text;
		}
		StringBuilder escaped = new StringBuilder(text.length() + 16).append(text, 0, i);
		for (; i < text.length(); i++) {
			char c = text.charAt(i);
			if (!needsEscape(c)) {
				escaped.append(c);
				continue;
			}
			switch (c) {
				case '\n' -> escaped.append("\\n");
				case '\r' -> escaped.append("\\r");
				case '\t' -> escaped.append("\\t");
				case '\0' -> escaped.append("\\0");
				case '\\' -> escaped.append("\\\\");
				default -> escaped.append(String.format("\\u%04x", (int) c));
			}
		}
		return escaped.toString();
	}

	private static boolean needsEscape(char c) {
		if (c < 0x20 || c == '\\') {
			return true;
		}
		if (c < 0x7f) {
			return false;
		}
		return switch (Character.getType(c)) {
			case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
			default -> false;
		};
	}

}
