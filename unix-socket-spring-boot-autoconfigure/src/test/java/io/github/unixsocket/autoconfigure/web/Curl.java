package io.github.unixsocket.autoconfigure.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.server.OtherUser;

/**
 * The real client of these tests: {@code curl --unix-socket}, as this process's user or
 * as {@code nobody} through {@code setpriv} (tests run as root). Without curl (or root and
 * setpriv for the other user) a test is skipped, except under CI ({@code CI=true}), where
 * that would hide a regression.
 */
final class Curl {

	private Curl() {
	}

	/**
	 * @param status the HTTP status, 0 when no response came
	 * @param body the response body
	 * @param exitCode curl's exit code (52: the server closed without a response)
	 */
	record Result(int status, String body, int exitCode) {
	}

	static void require(boolean otherUser) {
		if (otherUser) {
			OtherUser.require("curl");
		}
		else {
			OtherUser.requireOnPath("curl");
		}
	}

	/** GET a path over the socket as this process's user. */
	static Result get(Path socket, String path) throws IOException, InterruptedException {
		return run(List.of(), "--unix-socket", socket.toString(), "http://localhost" + path);
	}

	/** GET a path over the socket as {@code nobody}. */
	static Result getAsNobody(Path socket, String path) throws IOException, InterruptedException {
		return run(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"), "--unix-socket",
				socket.toString(), "http://localhost" + path);
	}

	/** GET a URL over TCP. */
	static Result getTcp(String url) throws IOException, InterruptedException {
		return run(List.of(), url);
	}

	private static Result run(List<String> prefix, String... arguments) throws IOException, InterruptedException {
		require(false);
		List<String> command = new ArrayList<>(prefix);
		command.addAll(List.of("curl", "-s", "-S", "--max-time", "10", "-w", "\n%{http_code}"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(20, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException("curl did not finish");
		}
		int newline = out.lastIndexOf('\n');
		String code = out.substring(newline + 1).trim();
		return new Result(code.isEmpty() ? 0 : Integer.parseInt(code), out.substring(0, Math.max(newline, 0)),
				process.exitValue());
	}

}
