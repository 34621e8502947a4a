package io.github.unixsocket.command;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of request parsing and dispatch: no input may throw,
 * and every non-blank input gets exactly one well-formed JSON reply line. Fuzzes for the
 * duration below in {@code ./mvnw verify} (surefire execution {@code fuzz}: a JVM of its
 * own with {@code JAZZER_FUZZ=1}); without it, replays the seeds in
 * {@code CommandRequestJazzerTestsInputs} and any crash Jazzer saved there.
 */
class CommandRequestJazzerTests {

	@FuzzTest(maxDuration = "15s")
	void everyRequestGetsOneWellFormedReply(byte[] input) {
		CommandFuzzing.check(input);
	}

}
