package io.github.unixsocket.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.autoconfigure.OverrideAutoConfiguration;
import org.springframework.boot.test.autoconfigure.json.AutoConfigureJson;
import org.springframework.boot.test.context.filter.annotation.TypeExcludeFilters;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.core.annotation.AliasFor;
import org.springframework.core.env.Environment;
import org.springframework.test.context.BootstrapWith;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * A test of Unix socket handlers that starts only the Unix socket servers and their
 * handlers, each on a socket of its own test context. Like {@code @WebMvcTest} for
 * controllers, it disables full auto-configuration and applies only what a handler needs:
 * the starter's server auto-configuration, Jackson (for {@code protocol: commands}), and
 * of the application's components those annotated with
 * {@link io.github.unixsocket.handler.UnixSocketHandler @UnixSocketHandler} (all of them, or
 * only the {@link #handlers() named} ones), {@code ConnectionCustomizer},
 * {@code ServerListener}, {@code CommandInterceptor}, server customizer and Jackson
 * component beans. Other components, Actuator, metrics, observations, systemd
 * notifications and web servers are not started.
 * <p>
 * Servers whose handler is not in the test are not started (instead of failing, as
 * the application would without its handler); the others are started on sockets in a
 * fresh private directory ({@link UnixSocketTestDirectory}), so tests in parallel never
 * collide. {@link UnixSocketTestClients} connects to a server by its name:
 *
 * <pre>
 * &#64;UnixSocketTest(handlers = AdminCommands.class)
 * class AdminCommandsTests {
 *
 *     &#64;Autowired
 *     UnixSocketTestClients sockets;
 *
 *     &#64;Test
 *     void echo() throws IOException {
 *         try (UnixSocketClient admin = this.sockets.commands("admin")) {
 *             assertThat(admin.send("echo", Map.of("text", "hi")).payload(String.class)).isEqualTo("hi");
 *         }
 *     }
 *
 * }
 * </pre>
 *
 * Other beans the handlers need can be added with {@code @Import} or
 * {@code @MockitoBean}; a handler declared by a {@code @Bean} method comes with its
 * {@code @Configuration} class, added with {@code @Import}. For the whole application, use
 * {@code @SpringBootTest} with {@link UnixSocketTestDirectory @UnixSocketTestDirectory} and
 * {@link AutoConfigureUnixSocketTestClients @AutoConfigureUnixSocketTestClients}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@BootstrapWith(UnixSocketTestContextBootstrapper.class)
@ExtendWith(SpringExtension.class)
@OverrideAutoConfiguration(enabled = false)
@TypeExcludeFilters(UnixSocketTypeExcludeFilter.class)
@UnixSocketTestDirectory
@AutoConfigureUnixSocketTestClients
@AutoConfigureJson
@ImportAutoConfiguration
public @interface UnixSocketTest {

	/**
	 * Properties in form {@literal key=value} that should be added to the Spring
	 * {@link Environment} before the test runs.
	 * @return the properties to add
	 */
	String[] properties() default {};

	/**
	 * Alias for {@link #handlers()}.
	 * @return the handlers to test
	 */
	@AliasFor("handlers")
	Class<?>[] value() default {};

	/**
	 * The {@code @UnixSocketHandler} components to test; when none are named, every
	 * {@code @UnixSocketHandler} component of the application is.
	 * @return the handlers to test
	 */
	@AliasFor("value")
	Class<?>[] handlers() default {};

	/**
	 * Whether the default filtering should be used with {@code @SpringBootApplication}:
	 * when {@code false}, only the {@link #includeFilters() included} components are
	 * added.
	 * @return whether to use the default filters
	 */
	boolean useDefaultFilters() default true;

	/**
	 * A set of include filters that add otherwise filtered beans to the application
	 * context.
	 * @return include filters to apply
	 */
	Filter[] includeFilters() default {};

	/**
	 * A set of exclude filters that remove otherwise included beans from the application
	 * context.
	 * @return exclude filters to apply
	 */
	Filter[] excludeFilters() default {};

	/**
	 * Auto-configuration exclusions that should be applied for this test.
	 * @return auto-configuration exclusions to apply
	 */
	@AliasFor(annotation = ImportAutoConfiguration.class, attribute = "exclude")
	Class<?>[] excludeAutoConfiguration() default {};

}
