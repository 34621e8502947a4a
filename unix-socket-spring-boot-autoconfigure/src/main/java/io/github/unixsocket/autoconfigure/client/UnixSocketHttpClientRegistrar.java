package io.github.unixsocket.autoconfigure.client;

import java.util.Map;

import io.github.unixsocket.autoconfigure.UnixSocketConfigurationException;
import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/**
 * Registers a {@code RestClient} bean (and a {@code WebClient} bean with WebFlux) for each
 * {@code unix-socket.clients.<name>}, qualified by the name. They are not default
 * candidates: an injection point without {@code @Qualifier("<name>")} never gets one, and
 * Spring Boot's own client beans back off for none of them. Each is made by a factory
 * method of {@link UnixSocketHttpClients} or {@link UnixSocketWebClients}, which AOT
 * processing can generate code for.
 */
class UnixSocketHttpClientRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanClassLoaderAware {

	static final String HTTP_CLIENTS = "unixSocketHttpClients";

	static final String WEB_CLIENTS = "unixSocketWebClients";

	static final String REACTOR_NETTY_CLIENT = "reactor.netty.http.client.HttpClient";

	static final String REST_CLIENT = "org.springframework.web.client.RestClient";

	static final String WEB_CLIENT = "org.springframework.web.reactive.function.client.WebClient";

	private Map<String, UnixSocketProperties.Client> clients = Map.of();

	private @Nullable ClassLoader classLoader;

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.clients = Binder.get(environment)
			.bind("unix-socket.clients", Bindable.mapOf(String.class, UnixSocketProperties.Client.class))
			.orElse(Map.of());
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		if (this.clients.isEmpty()) {
			return;
		}
		for (String required : new String[] { REACTOR_NETTY_CLIENT, REST_CLIENT }) {
			if (!ClassUtils.isPresent(required, this.classLoader)) {
				String name = this.clients.keySet().iterator().next();
				throw new UnixSocketConfigurationException("Unix socket client '" + name
						+ "' (unix-socket.clients) needs " + required + ", which is not on the class path",
						"Add io.projectreactor.netty:reactor-netty-http (a WebFlux application has it) and "
								+ "org.springframework:spring-web, or remove unix-socket.clients");
			}
		}
		boolean webFlux = ClassUtils.isPresent(WEB_CLIENT, this.classLoader);
		for (String name : this.clients.keySet()) {
			register(registry, name, "restClient", HTTP_CLIENTS, "restClient");
			if (webFlux) {
				register(registry, name, "webClient", WEB_CLIENTS, "webClient");
			}
		}
	}

	private static void register(BeanDefinitionRegistry registry, String name, String kind, String factoryBean,
			String factoryMethod) {
		RootBeanDefinition definition = new RootBeanDefinition();
		definition.setFactoryBeanName(factoryBean);
		definition.setFactoryMethodName(factoryMethod);
		definition.getConstructorArgumentValues().addGenericArgumentValue(name);
		definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
		definition.setDefaultCandidate(false);
		registry.registerBeanDefinition("unixSocket." + name + "." + kind, definition);
	}

}
