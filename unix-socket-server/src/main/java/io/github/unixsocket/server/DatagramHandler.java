package io.github.unixsocket.server;

/**
 * Handles the datagrams a {@link DatagramServer} receives, one call per datagram. What it
 * throws is logged and counted; the server keeps receiving.
 */
@FunctionalInterface
public interface DatagramHandler {

	/**
	 * @param datagram the datagram, valid for as long as the handler keeps it
	 * @throws Exception on failure
	 */
	void handle(Datagram datagram) throws Exception;

}
