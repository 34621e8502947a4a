package io.github.unixsocket.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogValuesTests {

	@Test
	void plainTextIsUnchanged() {
		String plain = "/run/app/admin.sock ünïcödé @name 'quoted'";
		assertThat(LogValues.escape(plain)).isSameAs(plain);
		assertThat(LogValues.escape(null)).isEqualTo("null");
	}

	@Test
	void controlCharactersCannotForgeLinesOrReachTheTerminal() {
		assertThat(LogValues.escape("a\nb\rc\td\0e")).isEqualTo("a\\nb\\rc\\td\\0e");
		assertThat(LogValues.escape("\u001b[2J\u007f\u0085")).isEqualTo("\\u001b[2J\\u007f\\u0085");
		// Unicode line breaks and a right-to-left override, which would reorder what follows
		assertThat(LogValues.escape("x\u2028y\u2029z\u202e")).isEqualTo("x\\u2028y\\u2029z\\u202e");
		// A backslash is escaped too, so "\n" in the log always means an escaped newline.
		assertThat(LogValues.escape("a\\nb")).isEqualTo("a\\\\nb");
		// An abstract name with NULs inside
		assertThat(LogValues.escape("@name\0\0x")).isEqualTo("@name\\0\\0x");
	}

}
