package io.github.unixsocket.autoconfigure.web;

import java.io.IOException;

import io.github.unixsocket.server.HttpUnixSocket;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Jetty (servlet): the socket as a second connector, as the only one, and for the management server. */
class JettyHttpSocketTests extends AbstractHttpSocketTests {

	@Override
	Class<?> application() {
		return ServletApp.class;
	}

	@Override
	WebApplicationType webApplicationType() {
		return WebApplicationType.SERVLET;
	}

	@Override
	String excludedAutoConfigurations() {
		return "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration,"
				+ "org.springframework.boot.tomcat.autoconfigure.actuate.web.server.TomcatServletManagementContextAutoConfiguration";
	}

	/** A servlet that answers with the request's peer attribute. */
	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ServletApp {

		@Bean
		ServletRegistrationBean<HttpServlet> peerServlet() {
			return new ServletRegistrationBean<>(new HttpServlet() {

				@Override
				protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
					Object peer = request.getAttribute(HttpUnixSocket.PEER_ATTRIBUTE);
					response.setContentType("text/plain");
					response.getWriter().write((peer != null) ? peer.toString() : "none");
				}

			}, "/peer");
		}

	}

}
