package io.github.unixsocket.server.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import com.sun.security.auth.module.UnixSystem;

/**
 * This process's user, as the kernel sees it: whose files the socket checks trust.
 * <p>
 * Internal: public only for the engine's other packages; not API, it may change in any release.
 */
public final class ProcessUser {

	private static final long UID = new UnixSystem().getUid();

	private ProcessUser() {
	}

	/** @return the process's user id */
	public static long uid() {
		return UID;
	}

	/**
	 * @param path a file
	 * @return its owner as {@code name (uid n)}, or the uid alone when it has no name
	 */
	public static String owner(Path path) {
		try {
			String name = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
			Object uid = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
			return name.equals(String.valueOf(uid)) ? "uid " + uid : name + " (uid " + uid + ")";
		}
		catch (IOException | UnsupportedOperationException ex) {
			return "unknown owner";
		}
	}

	/** @return this process's user as {@code name (uid n)} */
	public static String describe() {
		return System.getProperty("user.name") + " (uid " + UID + ")";
	}

}
