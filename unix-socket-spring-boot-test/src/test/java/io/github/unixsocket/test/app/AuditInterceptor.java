package io.github.unixsocket.test.app;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.unixsocket.command.CommandInterceptor;
import io.github.unixsocket.command.CommandInvocation;

import org.springframework.stereotype.Component;

/** Shapes how commands run: a @UnixSocketTest keeps it. */
@Component
public class AuditInterceptor implements CommandInterceptor {

	private final List<String> commands = new CopyOnWriteArrayList<>();

	@Override
	public Object intercept(CommandInvocation invocation) throws Exception {
		this.commands.add(invocation.command());
		return invocation.proceed();
	}

	public List<String> commands() {
		return this.commands;
	}

}
