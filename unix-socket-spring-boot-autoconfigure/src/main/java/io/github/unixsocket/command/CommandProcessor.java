package io.github.unixsocket.command;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.LogValues;
import io.github.unixsocket.server.MessageHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.convert.ConversionService;

/**
 * The command protocol on top of {@code lines} framing: each request line gets exactly one
 * JSON reply line, {@code {"id": 7, "status": "ok", "payload": ...}} or
 * {@code {"id": 7, "status": "error", "error": "..."}}; blank lines get none. Nothing a
 * peer sends escapes as an exception, so the connection stays usable after any bad
 * request; a line over the limit gets an error reply and the connection is closed.
 * Built-in commands: {@code help} and {@code ping}.
 */
public final class CommandProcessor implements MessageHandler {

	/**
	 * Default largest request line of a command server, 64KB: commands are short, and a
	 * small limit keeps what each connection may buffer small.
	 */
	public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

	private static final Log logger = LogFactory.getLog(CommandProcessor.class);

	/** Longest error text sent back: it may quote the peer's input. */
	private static final int MAX_ERROR_LENGTH = 500;

	private final String serverName;

	private final Map<String, Command> commands = new TreeMap<>();

	private final List<CommandInterceptor> interceptors;

	private final JsonMapper mapper;

	private final ObjectWriter writer;

	private final CommandRequestParser parser;

	private CommandProcessor(String serverName, List<CommandMethod> methods, JsonMapper mapper,
			List<CommandInterceptor> interceptors) {
		this.serverName = serverName;
		this.mapper = mapper;
		// One reply per line: never indent, whatever the application's mapper does.
		this.writer = mapper.writer().without(SerializationFeature.INDENT_OUTPUT);
		this.parser = new CommandRequestParser(mapper);
		this.interceptors = List.copyOf(interceptors);
		add(new BuiltIn("help", "Lists the commands", this::help));
		add(new BuiltIn("ping", "Replies \"pong\"", () -> "pong"));
		methods.forEach(this::add);
	}

	/**
	 * A processor for the {@link UnixSocketCommand} methods of a bean.
	 * @param serverName the server's name, for messages and interceptors
	 * @param bean the handler bean
	 * @param mapper reads requests and JSON arguments, writes replies
	 * @param conversionService converts text arguments to parameter types
	 * @param interceptors wrap each invocation, first outermost
	 * @return the processor
	 * @throws CommandDefinitionException if the bean has no command methods, or two
	 * with the same name (built-ins included)
	 */
	public static CommandProcessor of(String serverName, Object bean, JsonMapper mapper,
			ConversionService conversionService, List<CommandInterceptor> interceptors) {
		List<CommandMethod> methods = CommandMethod.discover(serverName, bean, mapper, conversionService);
		if (methods.isEmpty()) {
			throw new CommandDefinitionException(
					"Handler bean for Unix socket server '" + serverName + "' (protocol commands), a "
							+ bean.getClass().getName() + ", has no @UnixSocketCommand methods",
					"Annotate the bean's command methods with @" + UnixSocketCommand.class.getName()
							+ ", or change 'unix-socket.servers." + serverName + ".protocol'");
		}
		return new CommandProcessor(serverName, methods, mapper, interceptors);
	}

	private void add(Command command) {
		Command previous = this.commands.putIfAbsent(command.name(), command);
		if (previous != null) {
			throw new CommandDefinitionException(
					"Unix socket server '" + this.serverName + "' has two commands named '" + command.name() + "': "
							+ previous.source() + " and " + command.source(),
					"Give each @UnixSocketCommand a unique name; 'help' and 'ping' are built in");
		}
	}

	@Override
	public byte @Nullable [] handle(Connection connection, byte[] message) {
		String line;
		try {
			line = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(message)).toString();
		}
		catch (CharacterCodingException ex) {
			return error(null, "request is not valid UTF-8");
		}
		return process(connection, line);
	}

	@Override
	public byte[] messageTooLarge(Connection connection, int maxMessageSize) {
		return error(null, "request longer than " + maxMessageSize + " bytes; closing the connection");
	}

	/**
	 * Answer one request line.
	 * @param connection the caller's connection (given to commands that ask for it)
	 * @param line the request, without its newline
	 * @return the reply line without its newline, or {@code null} for a blank line
	 */
	private byte @Nullable [] process(Connection connection, String line) {
		CommandRequest request;
		try {
			request = this.parser.parse(line);
		}
		catch (CommandException ex) {
			return error(null, message(ex));
		}
		if (request == null) {
			return null;
		}
		Command command = this.commands.get(request.command());
		if (command == null) {
			return error(request.id(), "unknown command '" + request.command() + "' (try 'help')");
		}
		Object payload;
		try {
			payload = new Invocation(command, request, connection).proceed();
		}
		catch (CommandException ex) {
			// The message may quote the request.
			logger.debug("Command '" + command.name() + "' on '" + this.serverName + "' refused: "
					+ LogValues.escape(ex.getMessage()));
			return error(request.id(), message(ex));
		}
		catch (Exception ex) {
			logger.warn("Command '" + command.name() + "' on Unix socket server '" + this.serverName + "' failed", ex);
			return error(request.id(), message(ex));
		}
		try {
			ObjectNode reply = reply(request.id(), "ok");
			reply.set("payload", this.mapper.valueToTree(payload));
			return this.writer.writeValueAsBytes(reply);
		}
		catch (JacksonException ex) {
			logger.warn("Reply of command '" + command.name() + "' on Unix socket server '" + this.serverName
					+ "' could not be serialised", ex);
			// Jackson's message names the application's classes: it goes to the log, not to the peer.
			return error(request.id(), "the reply could not be written as JSON (the server's log says why)");
		}
	}

	/** @return name and description of every command, sorted by name */
	private Object help() {
		List<Map<String, String>> help = new ArrayList<>();
		for (Command command : this.commands.values()) {
			Map<String, String> entry = new LinkedHashMap<>();
			entry.put("name", command.name());
			entry.put("description", command.description());
			help.add(entry);
		}
		return help;
	}

	private ObjectNode reply(@Nullable JsonNode id, String status) {
		ObjectNode reply = this.mapper.createObjectNode();
		if (id != null) {
			reply.set("id", id);
		}
		reply.put("status", status);
		return reply;
	}

	/** @return the exception's message, or its type when it has none */
	private static String message(Exception ex) {
		String message = ex.getMessage();
		return (message != null) ? message : ex.getClass().getSimpleName();
	}

	private byte[] error(@Nullable JsonNode id, String message) {
		ObjectNode reply = reply(id, "error");
		reply.put("error", (message.length() > MAX_ERROR_LENGTH) ? message.substring(0, MAX_ERROR_LENGTH) + "..."
				: message);
		return this.writer.writeValueAsBytes(reply);
	}

	/** A command as the processor sees it. */
	interface Command {

		String name();

		String description();

		/** @return where the command comes from, for messages */
		String source();

		@Nullable Object invoke(Connection connection, Map<String, Object> args) throws Exception;

	}

	private record BuiltIn(String name, String description, Supplier<Object> payload) implements Command {

		@Override
		public String source() {
			return "built in";
		}

		@Override
		public Object invoke(Connection connection, Map<String, Object> args) throws Exception {
			if (!args.isEmpty()) {
				throw new CommandException(
						"unknown argument '" + args.keySet().iterator().next() + "' (" + this.name + " takes none)");
			}
			return this.payload.get();
		}

	}

	private final class Invocation implements CommandInvocation {

		private final Command command;

		private final CommandRequest request;

		private final Connection connection;

		private int next;

		Invocation(Command command, CommandRequest request, Connection connection) {
			this.command = command;
			this.request = request;
			this.connection = connection;
		}

		@Override
		public String serverName() {
			return CommandProcessor.this.serverName;
		}

		@Override
		public String command() {
			return this.command.name();
		}

		@Override
		public Map<String, Object> args() {
			return this.request.args();
		}

		@Override
		public Connection connection() {
			return this.connection;
		}

		@Override
		public @Nullable Object proceed() throws Exception {
			List<CommandInterceptor> interceptors = CommandProcessor.this.interceptors;
			if (this.next < interceptors.size()) {
				return interceptors.get(this.next++).intercept(this);
			}
			return this.command.invoke(this.connection, this.request.args());
		}

	}

}
