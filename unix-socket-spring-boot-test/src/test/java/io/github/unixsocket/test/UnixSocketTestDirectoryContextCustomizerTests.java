package io.github.unixsocket.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/** What the fresh socket directory does to the configuration, and how it goes away. */
class UnixSocketTestDirectoryContextCustomizerTests {

	private final AtomicReference<Path> directory = new AtomicReference<>();

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withInitializer((context) -> {
		new UnixSocketTestDirectoryContextCustomizer().customizeContext(context,
				new MergedContextConfiguration(getClass(), null, null, null, null));
		this.directory.set(((TestSocketDirectory) context.getBeanFactory().getSingleton(TestSocketDirectory.BEAN_NAME))
			.path());
	}).withUserConfiguration(PropertiesConfiguration.class);

	@Test
	void everyConfiguredPathIsReplacedWithOneInTheDirectory() {
		this.runner
			.withPropertyValues("unix-socket.servers.admin.path=/proc/app/admin.sock",
					"unix-socket.servers.my-admin.path=/proc/app/my-admin.sock",
					"unix-socket.servers[Odd.Name/x].path=/proc/app/odd.sock",
					"unix-socket.servers.events.path=relative/events.sock", "unix-socket.servers.events.type=datagram",
					"unix-socket.servers.no-path.protocol=lines")
			.run((context) -> {
				Path directory = this.directory.get();
				UnixSocketProperties properties = context.getBean(UnixSocketProperties.class);
				assertThat(properties.getServers()).containsOnlyKeys("admin", "my-admin", "Odd.Name/x", "events",
						"no-path");
				assertThat(properties.getServers().get("admin").getPath())
					.isEqualTo(directory.resolve("admin.sock").toString());
				assertThat(properties.getServers().get("my-admin").getPath())
					.isEqualTo(directory.resolve("my-admin.sock").toString());
				assertThat(properties.getServers().get("Odd.Name/x").getPath())
					.isEqualTo(directory.resolve("Odd.Name_x.sock").toString());
				assertThat(properties.getServers().get("events").getPath())
					.isEqualTo(directory.resolve("events.sock").toString());
				assertThat(properties.getServers().get("events").getType()).isEqualTo(UnixSocketProperties.Type.DATAGRAM);
				// Nothing to replace: the starter says what is missing.
				assertThat(properties.getServers().get("no-path").getPath()).isNull();
				assertThat(context.getEnvironment().getProperty("unix-socket.servers.admin.path"))
					.isEqualTo(directory.resolve("admin.sock").toString());
			});
	}

	@Test
	void namesThatWouldShareAFileGetFilesOfTheirOwn() {
		this.runner.withPropertyValues("unix-socket.servers[a/b].path=/proc/app/1.sock",
				"unix-socket.servers[a_b].path=/proc/app/2.sock")
			.run((context) -> {
				UnixSocketProperties properties = context.getBean(UnixSocketProperties.class);
				assertThat(List.of(properties.getServers().get("a/b").getPath(),
						properties.getServers().get("a_b").getPath()))
					.containsExactlyInAnyOrder(this.directory.get().resolve("a_b.sock").toString(),
							this.directory.get().resolve("a_b-2.sock").toString());
			});
	}

	@Test
	void anAbstractAddressGetsAUniqueName() {
		this.runner.withPropertyValues("unix-socket.servers.admin.path=@myapp-admin").run((context) -> {
			assertThat(context.getBean(UnixSocketProperties.class).getServers().get("admin").getPath())
				.isEqualTo("@" + this.directory.get().getFileName() + "/admin");
		});
	}

	@Test
	void theWebServersSocketsAreMovedWhenSet() {
		this.runner
			.withPropertyValues("server.unix-socket.path=/proc/app/http.sock",
					"management.server.unix-socket.path=/proc/app/actuator.sock")
			.run((context) -> {
				assertThat(context.getEnvironment().getProperty("server.unix-socket.path"))
					.isEqualTo(this.directory.get().resolve("http.sock").toString());
				assertThat(context.getEnvironment().getProperty("management.server.unix-socket.path"))
					.isEqualTo(this.directory.get().resolve("management.sock").toString());
			});
		this.runner.run((context) -> assertThat(context.getEnvironment().getProperty("server.unix-socket.path")).isNull());
	}

	@Test
	void theDirectoryIsPrivateAndRemovedWhenTheContextCloses(@TempDir Path elsewhere) throws IOException {
		Path outside = Files.writeString(elsewhere.resolve("keep"), "not ours");
		this.runner.run((context) -> {
			Path directory = this.directory.get();
			assertThat(PosixFilePermissions
				.toString(Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS))).isEqualTo("rwx------");
			// Left behind by a test: a client's socket, a link out of the directory.
			Files.writeString(Files.createDirectory(directory.resolve("client")).resolve("me.sock"), "");
			Files.createSymbolicLink(directory.resolve("link"), elsewhere);
		});
		assertThat(this.directory.get()).doesNotExist();
		assertThat(outside).hasContent("not ours");
	}

	@Test
	void theDirectoryIsRemovedWhenTheContextFailsToStart() {
		this.runner.withUserConfiguration(FailingConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).isInstanceOf(BeanCreationException.class);
		});
		assertThat(this.directory.get()).isNotNull().doesNotExist();
	}

	@Test
	void everyContextGetsADirectoryOfItsOwn() {
		AtomicReference<Path> first = new AtomicReference<>();
		this.runner.run((one) -> {
			first.set(this.directory.get());
			this.runner.run((two) -> assertThat(this.directory.get()).isNotEqualTo(first.get()).isDirectory());
			assertThat(first.get()).isDirectory();
		});
	}

	@Test
	void onlyTestsThatAskForItGetOneAndTheyMayShareAContext() {
		UnixSocketTestDirectoryContextCustomizerFactory factory = new UnixSocketTestDirectoryContextCustomizerFactory();
		assertThat(factory.createContextCustomizer(Plain.class, List.of())).isNull();
		ContextCustomizer customizer = factory.createContextCustomizer(WithDirectory.class, List.of());
		assertThat(customizer).isNotNull()
			.isEqualTo(factory.createContextCustomizer(WithDirectory.Inner.class, List.of()))
			.hasSameHashCodeAs(factory.createContextCustomizer(Slice.class, List.of()));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(UnixSocketProperties.class)
	static class PropertiesConfiguration {

	}

	@Configuration(proxyBeanMethods = false)
	static class FailingConfiguration {

		@Bean
		String failing() {
			throw new IllegalStateException("failed");
		}

	}

	static class Plain {

	}

	@UnixSocketTestDirectory
	static class WithDirectory {

		@Nested
		class Inner {

		}

	}

	@UnixSocketTest
	static class Slice {

	}

}
