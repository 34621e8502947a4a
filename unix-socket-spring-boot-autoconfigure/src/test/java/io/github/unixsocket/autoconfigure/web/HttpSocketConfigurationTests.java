package io.github.unixsocket.autoconfigure.web;

import java.nio.file.Path;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import io.github.unixsocket.autoconfigure.UnixSocketConfigurationException;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad configuration fails at startup with a message naming the property and the fix; each
 * web server's auto-configuration backs off without that server.
 */
@ExtendWith(OutputCaptureExtension.class)
class HttpSocketConfigurationTests {

	private static UnixSocketConfigurationException failure(String... properties) {
		Throwable[] thrown = new Throwable[1];
		assertThatThrownBy(() -> new SpringApplicationBuilder(TomcatHttpSocketTests.ServletApp.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "spring.main.banner-mode=off",
					"spring.autoconfigure.exclude=" + new TomcatHttpSocketTests().excludedAutoConfigurations())
			.properties(properties)
			.run()
			.close()).satisfies((ex) -> thrown[0] = ex);
		return AbstractHttpSocketTests.configurationFailure(thrown[0]);
	}

	@Test
	void pathTooLong() {
		UnixSocketConfigurationException ex = failure("server.unix-socket.path=/tmp/" + "x".repeat(120) + ".sock");
		assertThat(ex.getMessage()).contains("'server.unix-socket.path'").contains("limit");
		assertThat(ex.getAction()).contains("Update 'server.unix-socket.path'").contains("at most 107 bytes");
	}

	/** The web server binds a file: an abstract address is refused, by the same rule as a mode. */
	@Test
	void abstractPathAndBadModeNameTheirProperty() {
		UnixSocketConfigurationException ex = failure("server.unix-socket.path=@web");
		assertThat(ex.getMessage()).contains("Invalid value '@web' for property 'server.unix-socket.path'")
			.contains("abstract namespace");
		assertThat(ex.getAction()).contains("Update 'server.unix-socket.path'").contains("file path");
		ex = failure("server.unix-socket.path=/tmp/ok.sock", "server.unix-socket.permissions=0999");
		assertThat(ex.getMessage()).contains("Invalid value '0999' for property 'server.unix-socket.permissions'");
		assertThat(ex.getAction()).contains("Update 'server.unix-socket.permissions'").contains("octal");
	}

	@Test
	void unknownGroup() {
		UnixSocketConfigurationException ex = failure("server.unix-socket.path=/tmp/ok.sock",
				"server.unix-socket.group=no-such-group-here");
		assertThat(ex.getMessage()).contains("'server.unix-socket.group'").contains("no-such-group-here");
		assertThat(ex.getAction()).contains("Update 'server.unix-socket.group'");
	}

	@Test
	void tcpOffWithoutSocket() {
		UnixSocketConfigurationException ex = failure("server.unix-socket.tcp-enabled=false");
		assertThat(ex.getMessage()).contains("'server.unix-socket.tcp-enabled' is false")
			.contains("'server.unix-socket.path' is not set");
		assertThat(ex.getAction()).contains("Set 'server.unix-socket.path'");
	}

	@Test
	void unknownAllowedUser() {
		UnixSocketConfigurationException ex = failure("server.unix-socket.path=/tmp/ok.sock",
				"server.unix-socket.peer.allowed-users=no-such-user-here");
		assertThat(ex.getMessage()).contains("'server.unix-socket.peer.allowed-users'");
	}

	/**
	 * The rule of unix-socket.servers.*: whoever may write the socket's directory may
	 * replace the socket, and the next start's directory check would refuse it. Refused
	 * at startup, before anything is created, in both trees of the HTTP sockets.
	 */
	@Test
	void directoryPermissionsLettingOthersWriteFailAtStartup(@TempDir Path dir, CapturedOutput output) {
		for (String prefix : new String[] { "server.unix-socket.", "management.server.unix-socket." }) {
			Path socket = dir.resolve(prefix.startsWith("management") ? "management/a.sock" : "http/a.sock");
			UnixSocketConfigurationException ex = failure("management.server.port=0", prefix + "path=" + socket,
					prefix + "directory-permissions=0770");
			String property = "'" + prefix + "directory-permissions'";
			assertThat(ex.getMessage()).contains("Invalid value '0770' for property " + property)
				.contains("replace the socket");
			assertThat(ex.getAction()).contains("Update " + property).contains("\"0750\"");
			assertThat(socket.getParent()).doesNotExist();
		}
		// Spring Boot's failure report, from the analyzer.
		assertThat(output).contains("Invalid value '0770' for property 'server.unix-socket.directory-permissions'")
			.contains("Invalid value '0770' for property 'management.server.unix-socket.directory-permissions'")
			.contains("Update 'management.server.unix-socket.directory-permissions'");
	}

	@Test
	void negativeMaxConnections(@TempDir Path dir) {
		for (String prefix : new String[] { "server.unix-socket.", "management.server.unix-socket." }) {
			UnixSocketConfigurationException ex = failure("management.server.port=0",
					prefix + "path=" + dir.resolve("a.sock"), prefix + "max-connections=-1");
			assertThat(ex.getMessage()).contains("'" + prefix + "max-connections'").contains("must not be negative");
			assertThat(ex.getAction()).contains("Update '" + prefix + "max-connections'").contains("0 for no limit");
		}
	}

	private final WebApplicationContextRunner servlet = new WebApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(UnixSocketAutoConfiguration.class, TomcatUnixSocketAutoConfiguration.class,
					JettyUnixSocketAutoConfiguration.class));

	@Test
	void tomcatBacksOffWithoutTomcat() {
		this.servlet.withClassLoader(new FilteredClassLoader(Tomcat.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatUnixSocketCustomizer.class)
				.hasSingleBean(JettyUnixSocketCustomizer.class));
	}

	@Test
	void jettyBacksOffWithoutItsUnixDomainConnector() {
		this.servlet.withClassLoader(new FilteredClassLoader(UnixDomainServerConnector.class))
			.run((context) -> assertThat(context).doesNotHaveBean(JettyUnixSocketCustomizer.class)
				.hasSingleBean(TomcatUnixSocketCustomizer.class));
	}

	@Test
	void nettyBacksOffWithoutReactorNetty() {
		ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner().withConfiguration(
				AutoConfigurations.of(UnixSocketAutoConfiguration.class, NettyUnixSocketAutoConfiguration.class));
		reactive.run((context) -> assertThat(context).hasSingleBean(NettyUnixSocketServer.class));
		reactive.withClassLoader(new FilteredClassLoader(HttpServer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(NettyUnixSocketServer.class));
	}

	@Test
	void masterSwitchTurnsItOff() {
		this.servlet.withPropertyValues("unix-socket.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatUnixSocketCustomizer.class));
	}

}
