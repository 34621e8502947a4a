package io.github.unixsocket.server;

/** The framed protocols on one event loop that runs the handler itself. */
class FramedOnEventLoopTests extends FramedOnLoopTests {

	FramedOnEventLoopTests() {
		super("framed-loop", 1, StreamServer.Dispatch.EVENT_LOOP);
	}

	@Override
	boolean handlersMayBlock() {
		return false;
	}

}
