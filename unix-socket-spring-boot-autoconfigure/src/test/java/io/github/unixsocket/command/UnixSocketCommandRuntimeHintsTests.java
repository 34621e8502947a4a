package io.github.unixsocket.command;

import java.util.List;
import java.util.Optional;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.peer.PeerCredentials;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.annotation.ReflectiveRuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;

import static org.assertj.core.api.Assertions.assertThat;

/** What a native image needs to serve commands: registered by AOT processing of the bean. */
class UnixSocketCommandRuntimeHintsTests {

	record Size(int entries, Optional<String> unit) {
	}

	record Resized(int before, int after, List<Entry> sample) {
	}

	record Entry(String key) {
	}

	static class Commands {

		@UnixSocketCommand(name = "resize")
		Resized resize(Size size, Connection connection, PeerCredentials peer) {
			return new Resized(0, size.entries(), List.of());
		}

		@UnixSocketCommand(name = "flush")
		void flush() {
		}

		String notACommand(Size size) {
			return "";
		}

	}

	private final RuntimeHints hints = new RuntimeHints();

	{
		new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(this.hints, Commands.class);
	}

	@Test
	void commandMethodsCanBeInvoked() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Commands.class, "resize")).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Commands.class, "flush")).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Commands.class, "notACommand"))
			.rejects(this.hints);
	}

	@Test
	void argumentAndPayloadTypesCanBeBoundByJackson() {
		for (Class<?> type : List.of(Size.class, Resized.class, Entry.class)) {
			assertThat(RuntimeHintsPredicates.reflection().onType(type)).as(type.getSimpleName()).accepts(this.hints);
		}
		// Jackson reads a record's components through its accessors and writes it the same way.
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Size.class, "entries")).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Resized.class, "sample")).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Entry.class, "key")).accepts(this.hints);
	}

	@Test
	void whatTheServerGivesIsNotBoundFromJson() {
		assertThat(RuntimeHintsPredicates.reflection().onType(Connection.class)).rejects(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(PeerCredentials.class)).rejects(this.hints);
	}

}
