package io.github.unixsocket.test.app;

import java.io.IOException;

import io.github.unixsocket.autoconfigure.UnixSocketServers;
import io.github.unixsocket.test.RawConnection;
import io.github.unixsocket.test.UnixSocketTest;
import io.github.unixsocket.test.UnixSocketTestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The slice with one named handler: the other servers are not started. */
@UnixSocketTest(handlers = EchoHandler.class)
@Timeout(60)
class UnixSocketTestHandlersTests {

	@Autowired
	UnixSocketTestClients sockets;

	@Autowired
	ApplicationContext context;

	@Test
	void onlyTheNamedHandlerAndItsServer() throws IOException {
		assertThat(this.context.getBeanNamesForType(AdminCommands.class)).isEmpty();
		assertThat(this.context.getBean(UnixSocketServers.class).names()).containsExactly("echo");
		try (RawConnection echo = this.sockets.connect("echo")) {
			assertThat(echo.write("hi").shutdownOutput().readAll()).isEqualTo("hi");
		}
	}

	@Test
	void aServerLeftOutIsNamedAsSuch() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.sockets.commands("admin"))
			.withMessage("No Unix socket server 'admin' in this context; its servers are [echo], and "
					+ "[admin, events, frames, lines, silent] are configured but not started: their handlers are not "
					+ "part of this @UnixSocketTest");
	}

}
