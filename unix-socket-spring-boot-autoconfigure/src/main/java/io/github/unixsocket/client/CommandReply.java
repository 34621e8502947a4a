package io.github.unixsocket.client;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A reply of a {@code protocol: commands} server.
 *
 * @param id the request's id, as echoed; {@code null} if the reply has none
 * @param status {@code "ok"} or {@code "error"}
 * @param payload what the command returned (JSON {@code null} for nothing); {@code null}
 * for an error
 * @param error why the request failed; {@code null} when ok
 */
public record CommandReply(@Nullable JsonNode id, String status, @Nullable JsonNode payload, @Nullable String error) {

	/** @return whether the command succeeded */
	public boolean isOk() {
		return "ok".equals(this.status);
	}

	/**
	 * The payload as a Java type.
	 * @param <T> the type
	 * @param type the type, e.g. {@code String.class} or {@code Map.class}
	 * @return the payload converted with Jackson's defaults; {@code null} for a JSON
	 * {@code null} payload
	 * @throws IllegalStateException if the reply is an error
	 */
	public <T> @Nullable T payload(Class<T> type) {
		if (!isOk()) {
			throw new IllegalStateException("Command failed: " + this.error);
		}
		return JsonMapper.shared().treeToValue(this.payload, type);
	}

}
