package io.github.unixsocket.command;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.peer.PeerCredentials;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.convert.ConversionException;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * A {@link UnixSocketCommand} method bound to its bean: arguments by name, converted to
 * the parameter types, the connection or peer injected where asked for.
 */
final class CommandMethod implements CommandProcessor.Command {

	private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private static final TypeDescriptor STRING = TypeDescriptor.valueOf(String.class);

	private final String name;

	private final String description;

	private final Object bean;

	private final Method method;

	private final List<Parameter> parameters = new ArrayList<>();

	private final Set<String> argumentNames = new LinkedHashSet<>();

	private final JsonMapper mapper;

	private final ConversionService conversionService;

	private CommandMethod(String serverName, UnixSocketCommand annotation, Object bean, Method method,
			JsonMapper mapper, ConversionService conversionService) {
		this.name = annotation.name().strip();
		this.description = annotation.description();
		this.bean = bean;
		this.method = method;
		this.mapper = mapper;
		this.conversionService = conversionService;
		if (this.name.isEmpty() || this.name.chars().anyMatch(Character::isWhitespace)) {
			throw new CommandDefinitionException(
					"Command method " + describe(method) + " on Unix socket server '" + serverName
							+ "' has the name '" + annotation.name() + "'",
					"Name the command with one word without spaces, e.g. @UnixSocketCommand(name = \"status\")");
		}
		ReflectionUtils.makeAccessible(method);
		for (int i = 0; i < method.getParameterCount(); i++) {
			MethodParameter parameter = new MethodParameter(method, i);
			parameter.initParameterNameDiscovery(parameterNames);
			Parameter bound = new Parameter(parameter, mapper.constructType(parameter.getGenericParameterType()));
			if (bound.kind == Kind.ARGUMENT) {
				if (bound.name == null) {
					throw new CommandDefinitionException(
							"The parameter names of command method " + describe(method) + " are not available",
							"Compile with the '-parameters' flag (Spring Boot's Maven and Gradle plugins set it)");
				}
				this.argumentNames.add(bound.name);
			}
			this.parameters.add(bound);
		}
	}

	/**
	 * Find the {@link UnixSocketCommand} methods of a bean (on its target class, invoked
	 * through the bean so that proxies apply).
	 * @param serverName for messages
	 * @param bean the handler bean
	 * @param mapper converts JSON arguments
	 * @param conversionService converts text arguments
	 * @return the commands, in no particular order
	 */
	static List<CommandMethod> discover(String serverName, Object bean, JsonMapper mapper,
			ConversionService conversionService) {
		Map<Method, UnixSocketCommand> annotated = MethodIntrospector.selectMethods(AopUtils.getTargetClass(bean),
				(MethodIntrospector.MetadataLookup<UnixSocketCommand>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, UnixSocketCommand.class));
		List<CommandMethod> commands = new ArrayList<>();
		annotated.forEach((method, annotation) -> commands.add(new CommandMethod(serverName, annotation, bean,
				AopUtils.selectInvocableMethod(method, bean.getClass()), mapper, conversionService)));
		return commands;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String description() {
		return this.description;
	}

	@Override
	public String source() {
		return describe(this.method);
	}

	@Override
	public @Nullable Object invoke(Connection connection, Map<String, Object> args) throws Exception {
		for (String arg : args.keySet()) {
			if (!this.argumentNames.contains(arg)) {
				throw new CommandException("unknown argument '" + arg + "' (" + this.name + " takes "
						+ (this.argumentNames.isEmpty() ? "none" : String.join(", ", this.argumentNames)) + ")");
			}
		}
		@Nullable Object[] values = new Object[this.parameters.size()];
		for (int i = 0; i < values.length; i++) {
			values[i] = this.parameters.get(i).bind(connection, args);
		}
		try {
			return this.method.invoke(this.bean, values);
		}
		catch (InvocationTargetException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof Exception exception) {
				throw exception;
			}
			throw (Error) cause;
		}
	}

	private static String describe(Method method) {
		return ClassUtils.getShortName(method.getDeclaringClass()) + "." + method.getName() + "()";
	}

	private enum Kind {

		CONNECTION, PEER, ARGUMENT

	}

	private final class Parameter {

		private final MethodParameter parameter;

		private final Kind kind;

		private final @Nullable String name;

		private final TypeDescriptor type;

		private final JavaType javaType;

		Parameter(MethodParameter parameter, JavaType javaType) {
			this.parameter = parameter;
			Class<?> type = parameter.getParameterType();
			this.kind = Connection.class.isAssignableFrom(type) ? Kind.CONNECTION
					: (type == PeerCredentials.class) ? Kind.PEER : Kind.ARGUMENT;
			this.name = parameter.getParameterName();
			this.type = new TypeDescriptor(parameter);
			this.javaType = javaType;
		}

		@Nullable Object bind(Connection connection, Map<String, Object> args) {
			switch (this.kind) {
				case CONNECTION:
					return connection;
				case PEER:
					return (connection != null) ? connection.peer() : PeerCredentials.UNKNOWN;
				default:
					break;
			}
			Object value = args.get(this.name);
			if (value == null) {
				if (!this.parameter.isOptional()) {
					throw new CommandException("missing argument '" + this.name + "'");
				}
				return (this.parameter.getParameterType() == Optional.class) ? Optional.empty() : null;
			}
			Object converted = convert(value);
			if (converted == null && this.parameter.getParameterType() == Optional.class) {
				return Optional.empty();
			}
			if (converted == null && !this.parameter.isOptional()) {
				throw new CommandException("argument '" + this.name + "' needs a value");
			}
			return converted;
		}

		private @Nullable Object convert(Object value) {
			try {
				if (value instanceof String text) {
					return CommandMethod.this.conversionService.convert(text, STRING, this.type);
				}
				JsonNode node = (JsonNode) value;
				return node.isNull() ? null : CommandMethod.this.mapper.treeToValue(node, this.javaType);
			}
			catch (ConversionException | JacksonException | IllegalArgumentException ex) {
				throw new CommandException("argument '" + this.name + "': " + value + " is not " + expected());
			}
		}

		private String expected() {
			// The declared type: Optional<Boolean> expects a Boolean.
			Class<?> type = this.parameter.nestedIfOptional().getNestedParameterType();
			if (type.isEnum()) {
				return "one of " + Arrays.toString(type.getEnumConstants());
			}
			return "a valid " + ClassUtils.getShortName(ClassUtils.resolvePrimitiveIfNecessary(type));
		}

	}

}
