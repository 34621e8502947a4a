package io.github.unixsocket.test.app;

import org.springframework.stereotype.Component;

/** Not a handler: a @UnixSocketTest leaves it out. */
@Component
public class UnrelatedComponent {

}
