package io.github.unixsocket.benchmarks.lines;

import java.nio.file.Path;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.MessageHandler;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A {@code lines} server that replies each line unchanged, like the sample's
 * {@code lines.sock} but without Actuator (so no per-message observation): the event-loop
 * core as a handler sees it.
 */
@SpringBootApplication
public class StarterLinesApplication {

	/**
	 * @param path the socket
	 * @param virtual {@code spring.threads.virtual.enabled}: workers are virtual threads
	 * @param dispatch {@code event-loop} or {@code workers}
	 */
	public static void run(Path path, boolean virtual, String dispatch) {
		SpringApplication application = new SpringApplication(StarterLinesApplication.class);
		application.setBannerMode(Banner.Mode.OFF);
		// No connection limit: the idle scenario holds 10,000 connections (the default allows 1000).
		application.run("--unix-socket.servers.lines.path=" + path, "--unix-socket.servers.lines.protocol=lines",
				"--unix-socket.servers.lines.dispatch=" + dispatch, "--unix-socket.servers.lines.max-connections=0",
				"--spring.threads.virtual.enabled=" + virtual, "--logging.level.root=WARN",
				"--spring.main.log-startup-info=false");
		System.out.println("READY lines " + dispatch + " " + path);
	}

	@UnixSocketHandler("lines")
	static class Echo implements MessageHandler {

		@Override
		public byte[] handle(Connection connection, byte[] message) {
			return message;
		}

	}

}
