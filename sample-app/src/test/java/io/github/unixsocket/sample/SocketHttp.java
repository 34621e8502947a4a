package io.github.unixsocket.sample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP over the sample's web server socket with {@code curl --unix-socket}, as the README shows it. */
final class SocketHttp {

	private final Path socket;

	SocketHttp(Path socket) {
		this.socket = socket;
	}

	/** A response's status and body. */
	record Response(int status, String body) {
	}

	/**
	 * @param path the request path and query
	 * @param expectedStatus the status it must answer with
	 * @return the body
	 */
	String get(String path, int expectedStatus) throws Exception {
		Response response = request("GET", path);
		assertThat(response.status()).as("GET %s: %s", path, response.body()).isEqualTo(expectedStatus);
		return response.body();
	}

	Response request(String method, String path) throws Exception {
		Required.onPath("curl");
		Process curl = new ProcessBuilder("curl", "-s", "--max-time", "10", "-X", method, "-w", "\n%{http_code}",
				"--unix-socket", this.socket.toString(), "http://localhost" + path)
			.redirectErrorStream(true)
			.start();
		String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
		int end = out.lastIndexOf('\n');
		return new Response(Integer.parseInt(out.substring(end + 1).trim()), out.substring(0, end));
	}

}
