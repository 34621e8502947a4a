package io.github.unixsocket.command;

import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One parsed request.
 *
 * @param id the request's {@code id}, echoed in the reply; {@code null} when not given
 * @param command the command word
 * @param args arguments by name: a {@link String} (text form, or a JSON string) or a
 * {@link JsonNode} (any other JSON value)
 */
public record CommandRequest(@Nullable JsonNode id, String command, Map<String, Object> args) {

}
