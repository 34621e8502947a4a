package io.github.unixsocket.test;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Creates the context's {@link TestSocketDirectory} and points the configured socket paths
 * into it.
 */
class UnixSocketTestDirectoryContextCustomizer implements ContextCustomizer {

	/** Name of the property source with the replaced paths. */
	static final String PROPERTY_SOURCE_NAME = "unixSocketTestDirectory";

	private static final Log logger = LogFactory.getLog(UnixSocketTestDirectoryContextCustomizer.class);

	/** The web server's and the management server's sockets, with their server names. */
	private static final Map<String, String> HTTP_SOCKETS = Map.of("server.unix-socket.path", "http",
			"management.server.unix-socket.path", "management");

	@Override
	public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		Assert.state(beanFactory instanceof DefaultSingletonBeanRegistry,
				() -> "@UnixSocketTestDirectory needs a DefaultListableBeanFactory, not " + beanFactory);
		TestSocketDirectory directory = TestSocketDirectory.create();
		beanFactory.registerSingleton(TestSocketDirectory.BEAN_NAME, directory);
		// Registered before any other bean, so destroyed after all of them: the servers are
		// stopped and have removed their own files by then.
		((DefaultSingletonBeanRegistry) beanFactory).registerDisposableBean(TestSocketDirectory.BEAN_NAME, directory);
		// The paths are read when the context refreshes, not now: the property sources of other
		// customizers (@DynamicPropertySource) may not be there yet.
		context.addBeanFactoryPostProcessor(new SocketPaths(context.getEnvironment(), directory));
	}

	@Override
	public boolean equals(@Nullable Object obj) {
		// Stateless: test classes that only differ by where they are may share a context.
		return (obj != null) && (obj.getClass() == getClass());
	}

	@Override
	public int hashCode() {
		return getClass().hashCode();
	}

	/**
	 * Adds the property source of the replaced paths, before any bean definition is read
	 * (registry post-processors added to the context run first).
	 */
	private static final class SocketPaths implements BeanDefinitionRegistryPostProcessor {

		private final ConfigurableEnvironment environment;

		private final TestSocketDirectory directory;

		SocketPaths(ConfigurableEnvironment environment, TestSocketDirectory directory) {
			this.environment = environment;
			this.directory = directory;
		}

		@Override
		public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
			Map<String, Object> paths = new LinkedHashMap<>();
			Binder.get(this.environment)
				.bind("unix-socket.servers", Bindable.mapOf(String.class, ConfiguredServer.class))
				.orElseGet(Map::of)
				.forEach((name, server) -> {
					if (StringUtils.hasText(server.path())) {
						// Brackets: the map key as bound, whatever its characters.
						paths.put("unix-socket.servers[" + name + "].path", this.directory.relocate(name, server.path()));
					}
				});
			HTTP_SOCKETS.forEach((property, name) -> {
				String path = this.environment.getProperty(property);
				if (StringUtils.hasText(path)) {
					paths.put(property, this.directory.relocate(name, path));
				}
			});
			this.environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, paths));
			// Keep Boot's relaxed-binding view of all sources first, as it must be.
			ConfigurationPropertySources.attach(this.environment);
			logger.info("Unix sockets of this test context are in " + this.directory + ": " + paths.keySet());
		}

		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		}

	}

	/**
	 * What the paths are bound from: the path of a server under
	 * {@code unix-socket.servers}, its other settings ignored.
	 *
	 * @param path the configured path
	 */
	record ConfiguredServer(@Nullable String path) {

	}

}
