package io.github.unixsocket.autoconfigure;

import java.nio.file.Path;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.MessageHandler;
import io.github.unixsocket.server.StreamServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code max-file-descriptors} reaches the server, and a value out of range fails naming it. */
class FileDescriptorPropertyTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class))
		.withUserConfiguration(Echo.class);

	@Configuration(proxyBeanMethods = false)
	static class Echo {

		@Bean
		@UnixSocketHandler("files")
		MessageHandler files() {
			return (connection, message) -> message;
		}

	}

	private ApplicationContextRunner files(String... properties) {
		return this.runner.withPropertyValues("unix-socket.servers.files.path=" + this.dir.resolve("files.sock"),
				"unix-socket.servers.files.protocol=lines")
			.withPropertyValues(properties);
	}

	@Test
	void theLimitReachesTheServer() {
		files("unix-socket.servers.files.max-file-descriptors=3").run((context) -> assertThat(
				((StreamServer) context.getBean(UnixSocketServers.class).get("files")).maxFileDescriptors())
			.isEqualTo(3));
		files().run((context) -> assertThat(
				((StreamServer) context.getBean(UnixSocketServers.class).get("files")).maxFileDescriptors())
			.as("none by default")
			.isZero());
	}

	@Test
	void aLimitAboveTheKernelsFailsNamingTheProperty() {
		files("unix-socket.servers.files.max-file-descriptors=300").run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("max-file-descriptors").contains("SCM_MAX_FD");
			assertThat(analysis.getAction()).contains("1 to 253");
		});
	}

	@Test
	void notForDatagramServers() {
		files("unix-socket.servers.files.type=datagram", "unix-socket.servers.files.protocol=raw",
				"unix-socket.servers.files.max-file-descriptors=1")
			.run((context) -> assertThat(new UnixSocketFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
				.contains("max-file-descriptors"));
	}

}
