package io.github.unixsocket.server.peer;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipalLookupService;

import io.github.unixsocket.server.OtherUser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The id rule: digits are ids, anything else a name; and the JDK facts it relies on. */
class UnixIdsTests {

	@TempDir
	Path dir;

	private final UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();

	@Test
	void jdkPrincipalsCarryTheKernelsIds() throws Exception {
		Path file = Files.createFile(this.dir.resolve("f"));
		if ("root".equals(System.getProperty("user.name"))) {
			// ids other than 0, so a hash code that is always 0 would show; ids no account needs to have
			Files.setAttribute(file, "unix:uid", 4242);
			Files.setAttribute(file, "unix:gid", 4243);
		}
		PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class);
		assertThat(UnixIds.id(attributes.owner())).isEqualTo(((Integer) Files.getAttribute(file, "unix:uid")).longValue());
		assertThat(UnixIds.id(attributes.group())).isEqualTo(((Integer) Files.getAttribute(file, "unix:gid")).longValue());
		assertThat(UnixIds.id(this.lookup.lookupPrincipalByName(attributes.owner().getName())))
			.isEqualTo(UnixIds.id(attributes.owner()));
	}

	@Test
	void digitsAreAlwaysIds() {
		assertThat(UnixIds.userId("0")).isZero();
		assertThat(UnixIds.userId("007")).isEqualTo(7);
		assertThat(UnixIds.groupId("4294967294")).isEqualTo(UnixIds.MAX_ID);
		// an id need not have a name
		assertThat(UnixIds.userId("3999999")).isEqualTo(3_999_999);
		assertThatIllegalArgumentException().isThrownBy(() -> UnixIds.userId("4294967295"))
			.withMessage("user '4294967295' is not a valid numeric id (0 to 4294967294)");
		assertThatIllegalArgumentException().isThrownBy(() -> UnixIds.groupId("99999999999999999999"))
			.withMessageContaining("is not a valid numeric id");
		assertThat(UnixIds.isNumeric("1001")).isTrue();
		assertThat(UnixIds.isNumeric("")).as("nothing is not a number").isFalse();
		assertThat(UnixIds.isNumeric("10a")).isFalse();
	}

	@Test
	void anythingElseIsANameThatMustExist() {
		assertThat(UnixIds.userId("root")).isZero();
		assertThat(UnixIds.groupId("root")).isZero();
		assertThatIllegalArgumentException().isThrownBy(() -> UnixIds.userId("no-such-user-x9"))
			.withMessage("user 'no-such-user-x9' does not exist");
		// The JDK would read these as numbers when no such name exists.
		for (String notAName : new String[] { "+0", "-1", "\u0661", "+4294967294" }) {
			assertThatIllegalArgumentException().as(notAName).isThrownBy(() -> UnixIds.groupId(notAName));
		}
		assertThatIllegalArgumentException().isThrownBy(() -> UnixIds.userId("+0"))
			.withMessage("user '+0' is neither a name nor a numeric id (write ids with the digits 0-9 only)");
		assertThatIllegalArgumentException().isThrownBy(() -> UnixIds.userId("OWNER@"));
	}

	@Test
	void groupPrincipalOfANumberHasExactlyThatGid() throws Exception {
		OtherUser.requireRoot("giving a file any group");
		Path file = Files.createFile(this.dir.resolve("f"));
		PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
		for (long gid : new long[] { 0, 1, 4242, 2_147_483_648L, UnixIds.MAX_ID }) {
			view.setGroup(UnixIds.groupPrincipal(Long.toString(gid)));
			assertThat(Integer.toUnsignedLong((Integer) Files.getAttribute(file, "unix:gid"))).isEqualTo(gid);
		}
		view.setGroup(UnixIds.groupPrincipal(OtherUser.GROUP));
		assertThat(Files.getAttribute(file, "unix:gid")).isEqualTo((int) UnixIds.groupId(OtherUser.GROUP));
	}

	@Test
	void peersAreShownByNameOrNumber() throws Exception {
		assertThat(UnixIds.userName(0)).isEqualTo("root");
		assertThat(UnixIds.groupName(0)).isEqualTo("root");
		assertThat(UnixIds.userName(3_999_999)).isEqualTo("3999999");
		assertThat(UnixIds.name(this.lookup.lookupPrincipalByName("root"))).isEqualTo("root");
		Path file = Files.createFile(this.dir.resolve("f"));
		PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class);
		assertThat(UnixIds.name(attributes.owner())).isEqualTo(UnixIds.userName(UnixIds.id(attributes.owner())));
	}

	@Test
	void aNameIsTheFirstRealAccountWithTheIdInTheDatabase() throws Exception {
		Path passwd = Files.writeString(this.dir.resolve("passwd"), String.join("\n", "#comment:x:7:7:",
				"+nis:x:7:7:", "-nis:x:7:7:", ":x:7:7:", "short:x:7", "other:x:8:8:", "alice:x:7:7:", "bob:x:7:7:", ""));
		assertThat(UnixIds.name(passwd, 7)).isEqualTo("alice");
		assertThat(UnixIds.name(passwd, 9)).as("no account").isEqualTo("9");
		Path numeric = Files.writeString(this.dir.resolve("numeric"), "1234:x:7:7:\n");
		assertThat(UnixIds.name(numeric, 7)).as("a name that reads as a number is shown as the id").isEqualTo("7");
		assertThat(UnixIds.name(this.dir.resolve("missing"), 7)).isEqualTo("7");
	}

}
