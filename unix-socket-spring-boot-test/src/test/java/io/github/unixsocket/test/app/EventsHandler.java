package io.github.unixsocket.test.app;

import java.util.concurrent.atomic.AtomicLong;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Datagram;
import io.github.unixsocket.server.DatagramHandler;

@UnixSocketHandler("events")
public class EventsHandler implements DatagramHandler {

	private final AtomicLong received = new AtomicLong();

	@Override
	public void handle(Datagram datagram) {
		datagram.reply("ok " + this.received.incrementAndGet());
	}

}
