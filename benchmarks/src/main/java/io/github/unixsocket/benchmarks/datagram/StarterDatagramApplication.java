package io.github.unixsocket.benchmarks.datagram;

import java.nio.file.Path;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.Datagram;
import io.github.unixsocket.server.DatagramHandler;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A datagram sink served by the starter (the server counts what it receives). */
@SpringBootApplication
public class StarterDatagramApplication {

	public static void run(Path path) {
		SpringApplication application = new SpringApplication(StarterDatagramApplication.class);
		application.setBannerMode(Banner.Mode.OFF);
		application.run("--unix-socket.servers.sink.path=" + path, "--unix-socket.servers.sink.type=datagram",
				"--logging.level.root=WARN", "--spring.main.log-startup-info=false");
		System.out.println("READY datagram " + path);
	}

	@UnixSocketHandler("sink")
	static class Sink implements DatagramHandler {

		@Override
		public void handle(Datagram datagram) {
			// counted by the server
		}

	}

}
