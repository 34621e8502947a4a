package io.github.unixsocket.autoconfigure.web;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.unixsocket.autoconfigure.UnixSocketAutoConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The startup warning for Actuator put on a Unix socket and served on TCP too: real
 * Tomcat applications, the log captured.
 */
@ExtendWith(OutputCaptureExtension.class)
class ActuatorOverTcpWarningTests {

	private static final String WARNING = "are served on TCP port";

	@TempDir
	Path dir;

	private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	private ConfigurableApplicationContext start(String... properties) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TomcatHttpSocketTests.ServletApp.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "spring.main.banner-mode=off",
					"spring.autoconfigure.exclude=org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration,"
							+ "org.springframework.boot.jetty.autoconfigure.actuate.web.server.JettyServletManagementContextAutoConfiguration")
			.properties(properties)
			.run();
		this.contexts.add(context);
		return context;
	}

	private static String[] sensitive(String... properties) {
		List<String> all = new ArrayList<>(List.of("management.endpoints.web.exposure.include=health,unixsockets,metrics",
				"management.endpoint.health.show-details=always"));
		all.addAll(List.of(properties));
		return all.toArray(String[]::new);
	}

	@AfterEach
	void close() {
		this.contexts.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void actuatorOnTheWebServersSocketAndItsTcpPortIsWarnedAbout(CapturedOutput output) {
		Path socket = this.dir.resolve("http.sock");
		ConfigurableApplicationContext context = start(sensitive("server.unix-socket.path=" + socket));
		assertThat(output).contains("WARN")
			.contains("are served on TCP port " + AbstractHttpSocketTests.port(context)
					+ " as well as on the web server's Unix socket " + socket + ":")
			.contains("health (details or components shown)")
			.contains("unixsockets")
			.contains("metrics")
			.contains("the socket's mode and peer allow-list do not apply")
			.contains("set 'server.unix-socket.tcp-enabled=false'");
		assertThat(output.toString().split(WARNING, -1)).as("logged once").hasSize(2);
	}

	@Test
	void theWebServerOnItsSocketOnlyIsNotWarnedAbout(CapturedOutput output) {
		start(sensitive("server.unix-socket.path=" + this.dir.resolve("http.sock"),
				"server.unix-socket.tcp-enabled=false"));
		assertThat(output).contains("Started").doesNotContain(WARNING);
	}

	@Test
	void bootsDefaultExposureIsNotWarnedAbout(CapturedOutput output) {
		// health only, without details or components
		start("server.unix-socket.path=" + this.dir.resolve("http.sock"));
		assertThat(output).contains("Started").doesNotContain(WARNING);
	}

	@Test
	void aManagementServerOnItsSocketAndTcpIsWarnedAboutUnlessItsTcpIsOff(CapturedOutput output) throws Exception {
		Path socket = this.dir.resolve("actuator.sock");
		ConfigurableApplicationContext context = start(
				sensitive("management.server.port=0", "management.server.unix-socket.path=" + socket));
		int port = Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
		assertThat(output)
			.contains("are served on TCP port " + port + " as well as on the management server's Unix socket " + socket
					+ ":")
			.contains("set 'management.server.unix-socket.tcp-enabled=false'");
		context.close();
		int before = output.toString().split(WARNING, -1).length;
		start(sensitive("management.server.port=0", "management.server.unix-socket.path=" + socket,
				"management.server.unix-socket.tcp-enabled=false"));
		assertThat(Curl.get(socket, "/actuator/unixsockets").status()).isEqualTo(200);
		assertThat(output.toString().split(WARNING, -1)).hasSize(before);
	}

	@Test
	void aManagementSocketWithoutAManagementServerIsWarnedAbout(CapturedOutput output) {
		Path socket = this.dir.resolve("actuator.sock");
		start(sensitive("management.server.unix-socket.path=" + socket));
		assertThat(output).contains("by the application's web server, not on 'management.server.unix-socket.path' ("
				+ socket + ")")
			.contains("set 'management.server.port' to a port other than 'server.port'");
	}

	@Test
	void backsOffWithoutActuator() {
		WebApplicationContextRunner runner = new WebApplicationContextRunner().withConfiguration(
				AutoConfigurations.of(UnixSocketAutoConfiguration.class, TomcatUnixSocketAutoConfiguration.class));
		runner.run((context) -> assertThat(context).hasSingleBean(ActuatorOverTcpWarning.class));
		runner.withClassLoader(new FilteredClassLoader(ManagementPortType.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(ActuatorOverTcpWarning.class)
				.hasSingleBean(TomcatUnixSocketCustomizer.class));
	}

}
