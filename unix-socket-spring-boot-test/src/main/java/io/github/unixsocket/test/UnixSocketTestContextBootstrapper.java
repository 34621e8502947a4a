package io.github.unixsocket.test;

import org.springframework.boot.test.autoconfigure.TestSliceTestContextBootstrapper;
import org.springframework.test.context.TestContextBootstrapper;

/**
 * {@link TestContextBootstrapper} for {@link UnixSocketTest @UnixSocketTest}: applies its
 * {@code properties}.
 */
class UnixSocketTestContextBootstrapper extends TestSliceTestContextBootstrapper<UnixSocketTest> {

}
