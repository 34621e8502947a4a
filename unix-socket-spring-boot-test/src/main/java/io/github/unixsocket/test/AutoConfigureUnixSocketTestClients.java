package io.github.unixsocket.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * Adds a {@link UnixSocketTestClients} bean to a test's application context: clients for
 * the running Unix socket servers, by server name. {@link UnixSocketTest @UnixSocketTest}
 * applies it; add it to a {@code @SpringBootTest}, usually with
 * {@link UnixSocketTestDirectory @UnixSocketTestDirectory}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureUnixSocketTestClients {

}
