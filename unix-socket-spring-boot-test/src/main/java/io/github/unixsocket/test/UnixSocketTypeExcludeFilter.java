package io.github.unixsocket.test;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import io.github.unixsocket.autoconfigure.UnixSocketServerCustomizer;
import io.github.unixsocket.command.CommandInterceptor;
import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ConnectionCustomizer;
import io.github.unixsocket.server.ServerListener;

import org.springframework.boot.test.context.filter.annotation.StandardAnnotationCustomizableTypeExcludeFilter;

/**
 * The components of a {@link UnixSocketTest @UnixSocketTest}: its handlers, and what
 * changes how servers run. Jackson components and modules are listed in
 * {@code META-INF/spring/io.github.unixsocket.test.UnixSocketTest.includes}, since Jackson
 * may be absent.
 */
final class UnixSocketTypeExcludeFilter extends StandardAnnotationCustomizableTypeExcludeFilter<UnixSocketTest> {

	private static final Class<?>[] NO_HANDLERS = {};

	/** Beans that shape every server, as {@code WebMvcConfigurer}s do for {@code @WebMvcTest}. */
	private static final Set<Class<?>> KNOWN_INCLUDES = Set.of(ConnectionCustomizer.class, ServerListener.class,
			CommandInterceptor.class, UnixSocketServerCustomizer.class);

	private static final Set<Class<?>> KNOWN_INCLUDES_AND_HANDLERS;

	static {
		Set<Class<?>> includes = new LinkedHashSet<>(KNOWN_INCLUDES);
		includes.add(UnixSocketHandler.class);
		KNOWN_INCLUDES_AND_HANDLERS = Set.copyOf(includes);
	}

	private final Class<?>[] handlers;

	UnixSocketTypeExcludeFilter(Class<?> testClass) {
		super(testClass);
		this.handlers = getAnnotation().getValue("handlers", Class[].class).orElse(NO_HANDLERS);
	}

	@Override
	protected Set<Class<?>> getKnownIncludes() {
		return (this.handlers.length == 0) ? KNOWN_INCLUDES_AND_HANDLERS : KNOWN_INCLUDES;
	}

	@Override
	protected Set<Class<?>> getComponentIncludes() {
		return new LinkedHashSet<>(Arrays.asList(this.handlers));
	}

}
