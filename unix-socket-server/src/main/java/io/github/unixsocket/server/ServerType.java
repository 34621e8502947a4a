package io.github.unixsocket.server;

/** Socket type of a server. */
public enum ServerType {

	/** {@code SOCK_STREAM}: connections. */
	STREAM,

	/** {@code SOCK_DGRAM}: datagrams. */
	DATAGRAM

}
