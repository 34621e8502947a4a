package io.github.unixsocket.benchmarks.commands;

import java.nio.file.Path;

import io.github.unixsocket.command.UnixSocketCommand;
import io.github.unixsocket.handler.UnixSocketHandler;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A command socket ({@code protocol: commands}) for the {@code ping} benchmark. */
@SpringBootApplication
public class StarterCommandsApplication {

	/**
	 * @param path the socket
	 * @param virtual {@code spring.threads.virtual.enabled}
	 * @param dispatch {@code event-loop} or {@code workers}
	 */
	public static void run(Path path, boolean virtual, String dispatch) {
		SpringApplication application = new SpringApplication(StarterCommandsApplication.class);
		application.setBannerMode(Banner.Mode.OFF);
		application.run("--unix-socket.servers.admin.path=" + path, "--unix-socket.servers.admin.protocol=commands",
				"--unix-socket.servers.admin.dispatch=" + dispatch, "--unix-socket.servers.admin.max-connections=0",
				"--spring.threads.virtual.enabled=" + virtual, "--logging.level.root=WARN",
				"--spring.main.log-startup-info=false");
		System.out.println("READY commands " + path);
	}

	@UnixSocketHandler("admin")
	static class Commands {

		@UnixSocketCommand(name = "echo", description = "Replies with the text")
		String echo(String text) {
			return text;
		}

	}

}
