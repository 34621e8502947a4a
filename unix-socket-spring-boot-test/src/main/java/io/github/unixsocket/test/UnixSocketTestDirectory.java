package io.github.unixsocket.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives each test application context a fresh socket directory: the Unix socket
 * analogue of {@code server.port=0}. When the context starts, a private (0700) temporary
 * directory is created, and the path of every server configured under
 * {@code unix-socket.servers.<name>.path} is replaced with {@code <directory>/<name>.sock};
 * so are {@code server.unix-socket.path} ({@code http.sock}) and
 * {@code management.server.unix-socket.path} ({@code management.sock}) when they are set.
 * A Linux abstract address ({@code "@name"}) gets a unique name instead:
 * {@code "@<directory name>/<name>"}. The directory and what is left in it are removed
 * when the context closes.
 * <p>
 * The paths configured by the application (and by the test's own properties) are
 * replaced, whatever they were: ask
 * {@link UnixSocketTestClients#path(String)} for a server's path. Test contexts running
 * in parallel, in one JVM or in several, never share a socket.
 * <p>
 * {@link UnixSocketTest @UnixSocketTest} applies it; add it to a
 * {@code @SpringBootTest} with {@link AutoConfigureUnixSocketTestClients}:
 *
 * <pre>
 * &#64;SpringBootTest
 * &#64;UnixSocketTestDirectory
 * &#64;AutoConfigureUnixSocketTestClients
 * class ApplicationSocketTests {
 *     ...
 * }
 * </pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface UnixSocketTestDirectory {

}
