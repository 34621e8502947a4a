package io.github.unixsocket.command;

import java.nio.file.Path;
import java.util.Optional;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.handler.UnixSocketHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a command server answers to bad requests, over a real socket: the protocol's own
 * words (no Jackson class, feature or source excerpt), the declared type of an argument
 * (not {@code Optional}), and a number {@code id} echoed exactly as written.
 */
@Timeout(60)
class CommandErrorRepliesTests {

	@TempDir
	Path dir;

	@Test
	void malformedRequestsAreDescribedInTheProtocolsWords() throws Exception {
		play("/transcripts/command-errors-malformed.txt");
	}

	@Test
	void argumentErrorsNameTheDeclaredTypeAlsoInsideOptional() throws Exception {
		play("/transcripts/command-errors-arguments.txt");
	}

	@Test
	void aNumberIdIsEchoedExactlyAsWritten() throws Exception {
		play("/transcripts/command-errors-ids.txt");
	}

	private void play(String resource) throws Exception {
		Path socket = this.dir.resolve("errors.sock");
		Transcript transcript = Transcript.load(resource);
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(UnixSocketAutoConfiguration.class))
			.withUserConfiguration(SettingsCommands.class)
			.withPropertyValues("unix-socket.servers.errors.path=" + socket,
					"unix-socket.servers.errors.protocol=commands")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				transcript.play(socket);
			});
	}

	enum Level {

		QUIET, NORMAL

	}

	static class Unwritable {

		private final Object self = this;

		public Object getSelf() {
			return this.self;
		}

	}

	@UnixSocketHandler("errors")
	static class SettingsCommands {

		@UnixSocketCommand(name = "set", description = "Optional arguments of several types")
		String set(Optional<Boolean> enabled, Optional<Level> level, Optional<Integer> count) {
			return "enabled=" + enabled.orElse(false) + " level=" + level.orElse(Level.NORMAL) + " count="
					+ count.orElse(0);
		}

		@UnixSocketCommand(name = "unwritable", description = "A reply that refers to itself")
		Unwritable unwritable() {
			return new Unwritable();
		}

	}

}
