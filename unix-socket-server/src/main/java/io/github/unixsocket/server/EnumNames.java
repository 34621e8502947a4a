package io.github.unixsocket.server;

import java.util.Locale;

/**
 * Enum constants as properties, logs, health details and the endpoint spell them:
 * {@code LENGTH_PREFIXED} is {@code length-prefixed}.
 */
public final class EnumNames {

	private EnumNames() {
	}

	/**
	 * @param value an enum constant
	 * @return its name in lower case (in {@link Locale#ROOT}, so not {@code ı} in Turkish),
	 * with hyphens for underscores
	 */
	public static String of(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
