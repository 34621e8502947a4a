package io.github.unixsocket.server.file;

import java.nio.file.Path;

import io.github.unixsocket.server.EnumNames;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link SocketFileOptions#parse}: the socket-file rules both property trees rely on, each
 * refusal naming its option, so a caller can name its own property.
 */
class SocketFileOptionsTests {

	@TempDir
	Path dir;

	@Test
	void writtenOptionsParse() {
		SocketFileOptions options = SocketFileOptions.parse(" " + this.dir.resolve("a/../a.sock") + " ", "rw-rw----",
				"  ", false, "0700");
		assertThat(options.path()).isEqualTo(this.dir.resolve("a.sock"));
		assertThat(FilePermissions.toOctal(options.permissions())).isEqualTo("0660");
		assertThat(options.group()).isNull();
		assertThat(options.createDirectories()).isFalse();
		assertThat(FilePermissions.toOctal(options.directoryPermissions())).isEqualTo("0700");
	}

	@Test
	void unsetModesAreTheDefaults() {
		SocketFileOptions options = SocketFileOptions.parse(this.dir.resolve("a.sock").toString(), null, null, true,
				null);
		assertThat(options.permissions()).isEqualTo(SocketFileOptions.DEFAULT_PERMISSIONS);
		assertThat(options.directoryPermissions()).isEqualTo(SocketFileOptions.DEFAULT_DIRECTORY_PERMISSIONS);
	}

	@Test
	void eachRefusalNamesItsOption() {
		String path = this.dir.resolve("a.sock").toString();
		assertRefused(SocketFileOptions.Option.PATH, "abstract namespace", "file path",
				() -> SocketFileOptions.parse("@name", null, null, true, null));
		assertRefused(SocketFileOptions.Option.PATH, "bytes long", "at most " + SocketFile.MAX_PATH_BYTES,
				() -> SocketFileOptions.parse(this.dir.resolve("p".repeat(120)).toString(), null, null, true, null));
		assertRefused(SocketFileOptions.Option.PERMISSIONS, "not a file mode", "octal",
				() -> SocketFileOptions.parse(path, "0999", null, true, null));
		assertRefused(SocketFileOptions.Option.GROUP, "does not exist", "group",
				() -> SocketFileOptions.parse(path, null, "no-such-group-x", true, null));
		assertRefused(SocketFileOptions.Option.DIRECTORY_PERMISSIONS, "not a file mode", "octal",
				() -> SocketFileOptions.parse(path, null, null, true, "abc"));
		assertRefused(SocketFileOptions.Option.DIRECTORY_PERMISSIONS, "replace the socket", "\"0750\"",
				() -> SocketFileOptions.parse(path, null, null, true, "0770"));
	}

	private static void assertRefused(SocketFileOptions.Option option, String problem, String fix, Runnable parse) {
		assertThatExceptionOfType(SocketFileOptions.InvalidOptionException.class).isThrownBy(parse::run)
			.satisfies((ex) -> {
				assertThat(ex.option()).isEqualTo(option);
				assertThat(ex.problem()).contains(problem);
				assertThat(ex.fix()).contains(fix);
				assertThat(ex.getMessage()).contains(EnumNames.of(option)).contains(problem).contains(fix);
			});
	}

}
