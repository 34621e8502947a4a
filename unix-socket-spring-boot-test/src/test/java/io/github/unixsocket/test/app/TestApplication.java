package io.github.unixsocket.test.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** An application with a handler for each kind of server, and a component that is not one. */
@SpringBootApplication
public class TestApplication {

}
