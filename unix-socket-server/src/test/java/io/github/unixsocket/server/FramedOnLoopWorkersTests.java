package io.github.unixsocket.server;

/** The framed protocols on two event loops that hand each message to a worker thread. */
class FramedOnLoopWorkersTests extends FramedOnLoopTests {

	FramedOnLoopWorkersTests() {
		super("framed-workers", 2, StreamServer.Dispatch.WORKERS);
	}

}
