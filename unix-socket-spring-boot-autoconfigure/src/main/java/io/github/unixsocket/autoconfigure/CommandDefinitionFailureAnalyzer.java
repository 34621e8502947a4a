package io.github.unixsocket.autoconfigure;

import io.github.unixsocket.command.CommandDefinitionException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link CommandDefinitionException} into Spring Boot's startup failure report. */
class CommandDefinitionFailureAnalyzer extends AbstractFailureAnalyzer<CommandDefinitionException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, CommandDefinitionException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
	}

}
