package io.github.unixsocket.event;

import org.springframework.context.ApplicationEvent;

/**
 * Base of the application events a Unix socket server publishes: server started and
 * stopped, connection opened, closed and rejected. Never published per read or write.
 * Listen with {@code @EventListener} on this type or on one of its subclasses; listeners
 * run on the server's threads (accept or connection thread), so keep them quick.
 */
public abstract class UnixSocketEvent extends ApplicationEvent {

	private final String serverName;

	protected UnixSocketEvent(Object source, String serverName) {
		super(source);
		this.serverName = serverName;
	}

	/** @return the name of the server, the key under {@code unix-socket.servers} */
	public String getServerName() {
		return this.serverName;
	}

}
