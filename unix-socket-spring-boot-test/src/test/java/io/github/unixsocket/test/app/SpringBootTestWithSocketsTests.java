package io.github.unixsocket.test.app;

import java.io.IOException;
import java.util.Map;

import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.test.AutoConfigureUnixSocketTestClients;
import io.github.unixsocket.test.RawConnection;
import io.github.unixsocket.test.UnixSocketTestClients;
import io.github.unixsocket.test.UnixSocketTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole application, with the test directory and the clients. */
@SpringBootTest
@UnixSocketTestDirectory
@AutoConfigureUnixSocketTestClients
@Timeout(60)
class SpringBootTestWithSocketsTests {

	@Autowired
	UnixSocketTestClients sockets;

	@Autowired
	ApplicationContext context;

	@Test
	void everyServerOfTheApplicationInAFreshDirectory() throws IOException {
		assertThat(this.context.getBeanNamesForType(UnrelatedComponent.class)).hasSize(1);
		assertThat(this.sockets.path("admin").getParent().getFileName().toString()).startsWith("uds-test-");
		try (UnixSocketClient admin = this.sockets.commands("admin"); RawConnection echo = this.sockets.connect("echo")) {
			assertThat(admin.send("add", Map.of("a", 1, "b", 2)).payload(Integer.class)).isEqualTo(3);
			assertThat(echo.write("hi\n").readLine()).isEqualTo("hi");
		}
	}

}
