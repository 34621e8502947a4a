package io.github.unixsocket.test;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.github.unixsocket.autoconfigure.UnixSocketProperties;
import io.github.unixsocket.handler.UnixSocketHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Leaves out of a {@link UnixSocketTest @UnixSocketTest} the configured servers whose
 * handler is not in the test: the application configures them all, a test names the
 * handlers it tests. Without this, the starter would refuse to start a server that has
 * no handler.
 */
class SliceServers implements BeanPostProcessor, BeanFactoryAware {

	private static final Log logger = LogFactory.getLog(SliceServers.class);

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	private final Set<String> notStarted = new LinkedHashSet<>();

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		Assert.isInstanceOf(ConfigurableListableBeanFactory.class, beanFactory);
		this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof UnixSocketProperties properties) {
			leaveOutServersWithoutHandler(properties.getServers());
		}
		return bean;
	}

	/** @return the configured servers left out, since the test has no handler for them */
	Set<String> notStarted() {
		return Collections.unmodifiableSet(this.notStarted);
	}

	private void leaveOutServersWithoutHandler(Map<String, UnixSocketProperties.Server> servers) {
		Assert.state(this.beanFactory != null, "No bean factory");
		Set<String> handled = new LinkedHashSet<>();
		for (String beanName : this.beanFactory.getBeanNamesForAnnotation(UnixSocketHandler.class)) {
			String server = serverName(beanName);
			if (!StringUtils.hasText(server)) {
				if (servers.size() != 1) {
					// The starter explains what is wrong with a handler that names no server.
					return;
				}
				server = servers.keySet().iterator().next();
			}
			handled.add(server);
		}
		for (String name : servers.keySet()) {
			if (!handled.contains(name)) {
				this.notStarted.add(name);
			}
		}
		servers.keySet().removeAll(this.notStarted);
		if (!this.notStarted.isEmpty()) {
			logger.info("Unix socket servers " + this.notStarted
					+ " are not started: their handlers are not part of this @UnixSocketTest");
		}
	}

	/** As the starter reads it: the {@code @Bean} method's annotation wins over the class's. */
	private @Nullable String serverName(String beanName) {
		Assert.state(this.beanFactory != null, "No bean factory");
		if (this.beanFactory.containsBeanDefinition(beanName)
				&& this.beanFactory.getMergedBeanDefinition(beanName) instanceof AnnotatedBeanDefinition definition
				&& definition.getFactoryMethodMetadata() != null) {
			MergedAnnotation<UnixSocketHandler> onMethod = definition.getFactoryMethodMetadata()
				.getAnnotations()
				.get(UnixSocketHandler.class);
			if (onMethod.isPresent()) {
				return onMethod.getString("value");
			}
		}
		UnixSocketHandler annotation = this.beanFactory.findAnnotationOnBean(beanName, UnixSocketHandler.class);
		return (annotation != null) ? annotation.value() : null;
	}

}
