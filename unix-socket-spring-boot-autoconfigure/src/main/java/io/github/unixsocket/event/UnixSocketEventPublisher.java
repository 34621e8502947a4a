package io.github.unixsocket.event;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.DrainResult;
import io.github.unixsocket.server.RejectReason;
import io.github.unixsocket.server.ServerListener;
import io.github.unixsocket.server.UnixSocketServer;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Publishes a server's lifecycle and connection callbacks as {@link UnixSocketEvent}s.
 * Spring delivers each event synchronously to the listeners of its type only, so an event
 * nobody listens to costs a cached type lookup per connection.
 */
public class UnixSocketEventPublisher implements ServerListener {

	private final ApplicationEventPublisher publisher;

	public UnixSocketEventPublisher(ApplicationEventPublisher publisher) {
		this.publisher = publisher;
	}

	@Override
	public void serverStarted(UnixSocketServer server) {
		this.publisher.publishEvent(new UnixSocketServerStartedEvent(server));
	}

	@Override
	public void serverStopped(UnixSocketServer server, DrainResult result) {
		this.publisher.publishEvent(new UnixSocketServerStoppedEvent(server, result));
	}

	@Override
	public void connectionOpened(Connection connection) {
		this.publisher.publishEvent(new UnixSocketConnectionOpenedEvent(connection));
	}

	@Override
	public void connectionClosed(Connection connection) {
		this.publisher.publishEvent(new UnixSocketConnectionClosedEvent(connection));
	}

	@Override
	public void connectionRejected(UnixSocketServer server, RejectReason reason) {
		this.publisher.publishEvent(new UnixSocketConnectionRejectedEvent(server, reason));
	}

}
