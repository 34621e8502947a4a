package io.github.unixsocket.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations of Unix socket servers.
 */
public enum UnixSocketObservationDocumentation implements ObservationDocumentation {

	/**
	 * One handler invocation: a whole connection for connection handlers.
	 */
	HANDLER {

		@Override
		public String getName() {
			return "unix.socket.handler";
		}

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultUnixSocketHandlerObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeys.SERVER, LowCardinalityKeys.PROTOCOL,
					LowCardinalityKeys.OUTCOME };
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return HighCardinalityKeys.values();
		}

	},

	/**
	 * One command on a {@code commands} server.
	 */
	COMMAND {

		@Override
		public String getName() {
			return "unix.socket.command";
		}

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultUnixSocketCommandObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return LowCardinalityKeys.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return HighCardinalityKeys.values();
		}

	};

	@Override
	public abstract String getName();

	/** Low-cardinality keys: metric tags and span attributes. */
	public enum LowCardinalityKeys implements KeyName {

		/** The server's name. */
		SERVER {
			@Override
			public String asString() {
				return "server";
			}
		},

		/** The server's protocol: {@code raw}, {@code lines}, {@code length-prefixed}, {@code commands}. */
		PROTOCOL {
			@Override
			public String asString() {
				return "protocol";
			}
		},

		/** {@code success}, or {@code error} when the handler or command threw. */
		OUTCOME {
			@Override
			public String asString() {
				return "outcome";
			}
		},

		/** The command's name (command observations only). */
		COMMAND {
			@Override
			public String asString() {
				return "command";
			}
		}

	}

	/** High-cardinality keys: span attributes only. */
	public enum HighCardinalityKeys implements KeyName {

		/** The connection id, unique within the server's lifetime. */
		CONNECTION_ID {
			@Override
			public String asString() {
				return "connection.id";
			}
		}

	}

}
