package io.github.unixsocket.command;

import org.jspecify.annotations.Nullable;

/**
 * Wraps every invocation of a known command (built-ins included), argument binding
 * included: the place for timing, observations, auditing or access checks. Declare it as
 * a bean; interceptors run in {@link org.springframework.core.annotation.Order order},
 * the first outermost. Unknown commands and malformed requests are answered before any
 * interceptor runs.
 *
 * <pre>
 * class Audit implements CommandInterceptor {
 *     public Object intercept(CommandInvocation invocation) throws Exception {
 *         log.info(invocation.connection().peer() + " runs " + invocation.command());
 *         return invocation.proceed();
 *     }
 * }
 * </pre>
 */
@FunctionalInterface
public interface CommandInterceptor {

	/**
	 * Run the invocation, usually through {@link CommandInvocation#proceed()}.
	 * @param invocation the command being invoked
	 * @return the payload (normally what {@code proceed()} returned), {@code null} for none
	 * @throws Exception an error reply: a {@link CommandException} is the caller's fault
	 * (bad argument, unknown logger...), anything else a failure of the command
	 */
	@Nullable Object intercept(CommandInvocation invocation) throws Exception;

}
