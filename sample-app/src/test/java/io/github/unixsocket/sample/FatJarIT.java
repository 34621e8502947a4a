package io.github.unixsocket.sample;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the repackaged jar with {@code java -jar} on the JDK running the build: its sockets
 * come up, and junixsocket's native library loads without JDK 22+'s restricted-method
 * warning (the manifest's {@code Enable-Native-Access}).
 */
@Timeout(120)
class FatJarIT {

	@TempDir
	Path socketDir;

	@Test
	void runsWithoutTheRestrictedNativeAccessWarning() throws Exception {
		SampleJar app = SampleJar.start(this.socketDir, List.of());
		try (app) {
			app.awaitSocket(this.socketDir.resolve("events.sock"));
		}
		assertThat(app.log()).contains("Unix socket server 'events' receiving on")
			.doesNotContain("restricted method")
			.doesNotContain("enable-native-access");
		assertThat(this.socketDir.resolve("events.sock")).doesNotExist();
	}

}
