package io.github.unixsocket.command;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.peer.PeerCredentials;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.aot.hint.annotation.SimpleReflectiveProcessor;
import org.springframework.core.MethodParameter;

/**
 * Runtime hints for a {@link UnixSocketCommand} method, registered by Spring's AOT
 * processing for the beans that have one (as for {@code @MessageMapping}): the method is
 * invoked reflectively, and its parameter and return types are read from JSON and
 * written to JSON with Jackson, so they get binding hints. A native image then serves the
 * commands like the JVM does.
 */
class UnixSocketCommandReflectiveProcessor extends SimpleReflectiveProcessor {

	private final BindingReflectionHintsRegistrar bindingRegistrar = new BindingReflectionHintsRegistrar();

	@Override
	protected void registerMethodHint(ReflectionHints hints, Method method) {
		super.registerMethodHint(hints, method);
		for (int i = 0; i < method.getParameterCount(); i++) {
			MethodParameter parameter = new MethodParameter(method, i);
			Class<?> type = parameter.getParameterType();
			// Given by the server, never bound from JSON.
			if (!Connection.class.isAssignableFrom(type) && type != PeerCredentials.class) {
				this.bindingRegistrar.registerReflectionHints(hints, parameter.getGenericParameterType());
			}
		}
		Type returnType = method.getGenericReturnType();
		if (returnType != void.class) {
			this.bindingRegistrar.registerReflectionHints(hints, returnType);
		}
	}

}
