package io.github.unixsocket.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link UnixSocketConfigurationException} into Spring Boot's startup failure
 * report: what is wrong, with the property to change.
 */
class UnixSocketFailureAnalyzer extends AbstractFailureAnalyzer<UnixSocketConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnixSocketConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
	}

}
