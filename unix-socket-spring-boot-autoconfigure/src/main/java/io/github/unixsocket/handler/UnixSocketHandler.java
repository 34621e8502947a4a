package io.github.unixsocket.handler;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;
import org.springframework.stereotype.Component;

/**
 * Binds a bean to the server configured under {@code unix-socket.servers.<name>}. Put it
 * on a class (it is a {@link Component}) or on a {@code @Bean} method. What the bean is
 * depends on the server's {@code protocol}: a
 * {@link io.github.unixsocket.server.ConnectionHandler} for {@code raw}, a
 * {@link io.github.unixsocket.server.MessageHandler} for {@code lines} and
 * {@code length-prefixed}, a bean with
 * {@link io.github.unixsocket.command.UnixSocketCommand} methods for {@code commands}.
 *
 * <pre>
 * &#64;UnixSocketHandler("echo")
 * class EchoHandler implements ConnectionHandler {
 *     public void handle(StreamConnection connection) throws IOException {
 *         connection.inputStream().transferTo(connection.outputStream());
 *     }
 * }
 * </pre>
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface UnixSocketHandler {

	/**
	 * Name of the server, the key under {@code unix-socket.servers}. May be omitted when
	 * exactly one server is configured.
	 * @return the server name
	 */
	@AliasFor("server")
	String value() default "";

	/**
	 * Alias for {@link #value()}.
	 * @return the server name
	 */
	@AliasFor("value")
	String server() default "";

}
