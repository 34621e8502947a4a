package io.github.unixsocket.test;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Gives the contexts of test classes annotated with {@link UnixSocketTestDirectory} (or
 * {@link UnixSocketTest}) a fresh socket directory.
 */
class UnixSocketTestDirectoryContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		// TestContextAnnotationUtils: also found on an enclosing class of a @Nested test.
		return TestContextAnnotationUtils.hasAnnotation(testClass, UnixSocketTestDirectory.class)
				? new UnixSocketTestDirectoryContextCustomizer() : null;
	}

}
