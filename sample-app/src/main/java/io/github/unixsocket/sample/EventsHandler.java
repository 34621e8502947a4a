package io.github.unixsocket.sample;

import java.util.concurrent.atomic.AtomicLong;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Datagram;
import io.github.unixsocket.server.DatagramHandler;

/**
 * {@code events.sock}: counts every datagram and replies {@code ok <n>} to senders that
 * bound an address (n includes this datagram); unbound senders, like {@code logger -d},
 * are counted only.
 */
@UnixSocketHandler("events")
class EventsHandler implements DatagramHandler {

	private final AtomicLong received = new AtomicLong();

	@Override
	public void handle(Datagram datagram) {
		datagram.reply("ok " + this.received.incrementAndGet());
	}

	/** @return datagrams handled so far */
	long received() {
		return this.received.get();
	}

}
