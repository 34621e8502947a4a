package io.github.unixsocket.server.peer;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The policy's decision and how it reads in logs and the endpoint: names with their ids, ids as given. */
class PeerPolicyTests {

	@Test
	void allowsAPeerListedByUserOrByGroupAndNoOtherOne() {
		PeerPolicy policy = PeerPolicy.of(List.of("4242"), List.of("4243"));
		assertThat(policy.allows(4242, 1)).isTrue();
		assertThat(policy.allows(1, 4243)).isTrue();
		assertThat(policy.allows(4243, 4242)).isFalse();
		assertThat(policy.allowsAnyone()).isFalse();
		assertThat(PeerPolicy.of(List.of(), List.of()).allows(4243, 4242)).isTrue();
	}

	@Test
	void describesNamesWithTheirIdsAndIdsAsTheyAre() {
		assertThat(PeerPolicy.of(List.of(" root ", "4242"), List.of("0"))).hasToString(
				"users [root (0), 4242], groups [0]");
		assertThat(PeerPolicy.of(List.of(), List.of())).hasToString("anyone");
		assertThat(PeerPolicy.ANYONE).hasToString("anyone");
	}

}
