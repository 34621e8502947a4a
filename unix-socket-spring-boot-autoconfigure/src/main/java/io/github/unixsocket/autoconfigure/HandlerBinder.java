package io.github.unixsocket.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.github.unixsocket.handler.UnixSocketHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.util.StringUtils;

/**
 * Finds {@link UnixSocketHandler} beans (annotated classes or {@code @Bean} methods) and
 * pairs each with its server: exactly one handler per configured server. Whether the bean
 * fits the server's protocol is checked by {@link ServerPropertiesMapper}.
 */
final class HandlerBinder {

	private final ListableBeanFactory beanFactory;

	private final Set<String> serverNames;

	HandlerBinder(ListableBeanFactory beanFactory, Set<String> serverNames) {
		this.beanFactory = beanFactory;
		this.serverNames = serverNames;
	}

	/** @return the bean name of each server's handler, for every configured server */
	Map<String, String> bind() {
		Map<String, String> beanNameByServer = new LinkedHashMap<>();
		for (String beanName : this.beanFactory.getBeanNamesForAnnotation(UnixSocketHandler.class)) {
			String server = serverFor(beanName, annotation(beanName));
			String previous = beanNameByServer.putIfAbsent(server, beanName);
			if (previous != null) {
				throw new UnixSocketConfigurationException(
						"Unix socket server '" + server + "' has two handlers: beans '" + previous + "' and '" + beanName
								+ "'",
						"Keep one @UnixSocketHandler(\"" + server + "\") bean, or bind the other to another server");
			}
		}
		for (String server : this.serverNames) {
			if (!beanNameByServer.containsKey(server)) {
				throw new UnixSocketConfigurationException("Unix socket server '" + server + "' has no handler",
						"Annotate a handler bean with @UnixSocketHandler(\"" + server
								+ "\"), or remove 'unix-socket.servers." + server + "'");
			}
		}
		return beanNameByServer;
	}

	/** The {@code @Bean} method's annotation wins over one on the class it returns. */
	private @Nullable UnixSocketHandler annotation(String beanName) {
		if (this.beanFactory instanceof ConfigurableListableBeanFactory configurable
				&& configurable.containsBeanDefinition(beanName)
				&& configurable.getMergedBeanDefinition(beanName) instanceof AnnotatedBeanDefinition definition
				&& definition.getFactoryMethodMetadata() != null) {
			MergedAnnotation<UnixSocketHandler> onMethod = definition.getFactoryMethodMetadata()
				.getAnnotations()
				.get(UnixSocketHandler.class);
			if (onMethod.isPresent()) {
				return onMethod.synthesize();
			}
		}
		return this.beanFactory.findAnnotationOnBean(beanName, UnixSocketHandler.class);
	}

	private String serverFor(String beanName, @Nullable UnixSocketHandler annotation) {
		String server = (annotation != null) ? annotation.value() : "";
		if (!StringUtils.hasText(server)) {
			if (this.serverNames.size() == 1) {
				return this.serverNames.iterator().next();
			}
			throw new UnixSocketConfigurationException(
					"Handler bean '" + beanName + "' does not name its server and " + this.serverNames.size()
							+ " servers are configured " + this.serverNames,
					"Name the server in the annotation, e.g. @UnixSocketHandler(\"" + first() + "\")");
		}
		if (!this.serverNames.contains(server)) {
			throw new UnixSocketConfigurationException(
					"Handler bean '" + beanName + "' is bound to Unix socket server '" + server
							+ "', which is not configured (configured: " + this.serverNames + ")",
					"Add 'unix-socket.servers." + server + ".path' to the configuration, or correct the name in "
							+ "@UnixSocketHandler");
		}
		return server;
	}

	private String first() {
		return this.serverNames.isEmpty() ? "name" : this.serverNames.iterator().next();
	}

}
