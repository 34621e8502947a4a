package io.github.unixsocket.benchmarks.starter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.file.Path;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.ConnectionHandler;
import io.github.unixsocket.server.StreamConnection;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The system under test: a Spring Boot app whose echo socket is served by the starter. */
@SpringBootApplication
public class StarterEchoApplication {

	public static void run(Path path, boolean virtual) {
		SpringApplication application = new SpringApplication(StarterEchoApplication.class);
		application.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
		// No connection limit: the idle scenario holds 10,000 connections (the default allows 1000).
		application.run("--unix-socket.servers.echo.path=" + path, "--spring.threads.virtual.enabled=" + virtual,
				"--unix-socket.servers.echo.max-connections=0", "--logging.level.root=WARN",
				"--spring.main.log-startup-info=false");
		System.out.println("READY starter " + path);
	}

	@UnixSocketHandler("echo")
	static class Echo implements ConnectionHandler {

		/** Same loop as the NIO baseline, so the difference is the framework's. */
		@Override
		public void handle(StreamConnection connection) throws IOException {
			ByteChannel channel = connection.channel();
			ByteBuffer buffer = ByteBuffer.allocateDirect(1024);
			while (channel.read(buffer) >= 0) {
				buffer.flip();
				while (buffer.hasRemaining()) {
					channel.write(buffer);
				}
				buffer.clear();
			}
		}

	}

}
