package io.github.unixsocket.command;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.aot.hint.annotation.Reflective;

/**
 * Marks a method of a {@link io.github.unixsocket.handler.UnixSocketHandler} bean as a
 * command of a {@code protocol: commands} server. Parameters are bound by name from the
 * request's {@code args} (compile with {@code -parameters}, as Spring Boot's build plugins
 * do): text values are converted with Spring's conversion service, other JSON values
 * with Jackson. A parameter of type {@link io.github.unixsocket.server.Connection} or
 * {@link io.github.unixsocket.server.peer.PeerCredentials} gets the caller's connection or
 * credentials. An argument may be left out only when its parameter is an
 * {@link java.util.Optional} or annotated {@code @Nullable}. The return value is the
 * reply's {@code payload}, serialised with the application's Jackson mapper; what the
 * method throws becomes an {@code error} reply (throw {@link CommandException} for
 * expected failures: its message is the reply and nothing is logged as a failure).
 *
 * <pre>
 * &#64;UnixSocketHandler("admin")
 * class AdminCommands {
 *     &#64;UnixSocketCommand(name = "echo", description = "Replies with the text")
 *     String echo(String text) {
 *         return text;
 *     }
 * }
 * </pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Reflective(UnixSocketCommandReflectiveProcessor.class)
public @interface UnixSocketCommand {

	/**
	 * The command word, unique on its server; {@code help} and {@code ping} are built in.
	 * @return the name
	 */
	String name();

	/**
	 * One line for {@code help}.
	 * @return the description
	 */
	String description() default "";

}
