package io.github.unixsocket.autoconfigure.web;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.server.OtherUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The nginx recipe of docs/http.md with Debian's nginx: its workers run as another user in group
 * {@code www-data} and proxy to the web server's socket ({@code group: www-data},
 * {@code permissions: "0660"}) in a directory the starter creates.
 */
@Timeout(90)
class NginxRecipeTests {

	private static final String NGINX = "/usr/sbin/nginx";

	@TempDir
	Path dir;

	private ConfigurableApplicationContext context;

	private Process nginx;

	@AfterEach
	void stop() throws InterruptedException {
		if (this.nginx != null) {
			this.nginx.destroy();
			if (!this.nginx.waitFor(20, TimeUnit.SECONDS)) {
				this.nginx.destroyForcibly();
			}
		}
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void nginxInTheSocketsGroupProxiesToIt() throws Exception {
		OtherUser.requireRoot("starting nginx with workers as another user");
		OtherUser.require(Files.isExecutable(Path.of(NGINX)) && hasGroup("www-data"),
				NGINX + " or the group www-data is missing");
		Curl.require(false);
		// nginx's workers must pass through the test's directory to reach the one the starter creates.
		Files.setPosixFilePermissions(this.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path socket = this.dir.resolve("run").resolve("myapp").resolve("http.sock");
		this.context = new SpringApplicationBuilder(TomcatHttpSocketTests.ServletApp.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "spring.main.banner-mode=off",
					"spring.autoconfigure.exclude=org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration",
					"server.unix-socket.path=" + socket, "server.unix-socket.permissions=0660",
					"server.unix-socket.group=www-data")
			.run();
		int port = freePort();
		Path conf = Files.writeString(Files.createDirectory(this.dir.resolve("nginx")).resolve("nginx.conf"),
				config(this.dir.resolve("nginx"), socket, port));
		this.nginx = new ProcessBuilder(NGINX, "-p", conf.getParent().toString(), "-c", conf.toString())
			.redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("nginx").resolve("out.log").toFile())
			.start();
		Curl.Result result = awaitResponse("http://127.0.0.1:" + port + "/peer");
		assertThat(result.status()).as("through nginx; its error log: %s", errorLog()).isEqualTo(200);
		// The peer is nginx's worker: another user, let in by the group alone.
		assertThat(result.body()).isEqualTo("user=nobody, group=www-data");
	}

	private static String config(Path prefix, Path socket, int port) {
		// The recipe's upstream and location, with what a test instance needs around them.
		return """
				daemon off;
				user nobody www-data;
				worker_processes 1;
				pid %1$s/nginx.pid;
				error_log %1$s/error.log;
				events {
				    worker_connections 64;
				}
				http {
				    access_log off;
				    client_body_temp_path %1$s/client_body;
				    proxy_temp_path %1$s/proxy;
				    fastcgi_temp_path %1$s/fastcgi;
				    uwsgi_temp_path %1$s/uwsgi;
				    scgi_temp_path %1$s/scgi;
				    upstream myapp {
				        server unix:%2$s;
				    }
				    server {
				        listen 127.0.0.1:%3$d;
				        location / {
				            proxy_pass http://myapp;
				            proxy_set_header Host $host;
				            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
				        }
				    }
				}
				""".formatted(prefix, socket, port);
	}

	/** Poll until nginx answers (it starts in the background), at most 30 seconds. */
	private Curl.Result awaitResponse(String url) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (true) {
			assertThat(this.nginx.isAlive()).as("nginx running; output: %s",
					Files.readString(this.dir.resolve("nginx").resolve("out.log")) + errorLog()).isTrue();
			Curl.Result result = Curl.getTcp(url);
			if (result.status() != 0 || System.nanoTime() > deadline) {
				return result;
			}
			Thread.sleep(100);
		}
	}

	private String errorLog() throws IOException {
		Path log = this.dir.resolve("nginx").resolve("error.log");
		return Files.exists(log) ? Files.readString(log) : "";
	}

	private static int freePort() throws IOException {
		try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return free.getLocalPort();
		}
	}

	private static boolean hasGroup(String name) {
		try {
			Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
