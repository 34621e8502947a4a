package io.github.unixsocket.autoconfigure;

import io.github.unixsocket.command.CommandInterceptor;
import io.github.unixsocket.command.CommandProcessor;
import io.github.unixsocket.server.MessageHandler;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;
import org.springframework.util.ClassUtils;

/**
 * Builds the {@link CommandProcessor} of a {@code protocol: commands} server from the
 * application's Jackson mapper (Boot's {@code JsonMapper} bean, else Jackson's defaults),
 * conversion service and {@link CommandInterceptor} beans. Jackson is optional for the
 * other protocols: its classes are touched only through {@link Jackson}.
 */
final class CommandHandlers {

	private static final String JSON_MAPPER = "tools.jackson.databind.json.JsonMapper";

	private final ListableBeanFactory beanFactory;

	CommandHandlers(ListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	MessageHandler create(String serverName, Object bean) {
		ClassLoader classLoader = (this.beanFactory instanceof ConfigurableBeanFactory configurable)
				? configurable.getBeanClassLoader() : null;
		if (!ClassUtils.isPresent(JSON_MAPPER, classLoader)) {
			throw new UnixSocketConfigurationException(
					"Unix socket server '" + serverName + "' uses protocol commands, which needs Jackson 3 ("
							+ JSON_MAPPER + "), and it is not on the class path",
					"Depend on unix-socket-spring-boot-starter (it includes spring-boot-starter-jackson), or add "
							+ "spring-boot-starter-jackson or tools.jackson.core:jackson-databind");
		}
		return Jackson.create(serverName, bean, this.beanFactory, conversionService());
	}

	private ConversionService conversionService() {
		if (this.beanFactory instanceof ConfigurableBeanFactory configurable
				&& configurable.getConversionService() != null) {
			return configurable.getConversionService();
		}
		return ApplicationConversionService.getSharedInstance();
	}

	private static final class Jackson {

		static MessageHandler create(String serverName, Object bean, ListableBeanFactory beanFactory,
				ConversionService conversionService) {
			JsonMapper mapper = beanFactory.getBeanProvider(JsonMapper.class).getIfAvailable(JsonMapper::shared);
			return CommandProcessor.of(serverName, bean, mapper, conversionService,
					beanFactory.getBeanProvider(CommandInterceptor.class).orderedStream().toList());
		}

	}

}
