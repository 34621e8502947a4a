/*
 * echo-epoll.c - the limit reference for the stream echo benchmark: one thread, one
 * edge-triggered epoll loop, non-blocking AF_UNIX sockets, echo until the peer closes.
 *
 * Build: gcc -O2 -Wall -o echo-epoll echo-epoll.c
 * Run:   ./echo-epoll PATH        (SIGTERM/SIGINT: unlink PATH and exit)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void)sig; stopping = 1; }

/* Echo what is readable; returns -1 when the connection is done. */
static int echo(int fd, char *buf, size_t size) {
    for (;;) {
        ssize_t n = read(fd, buf, size);
        if (n == 0) return -1;
        if (n < 0) return (errno == EAGAIN) ? 0 : -1;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno != EAGAIN) return -1;
                /* The peer is not reading: wait until it does (closed-loop clients never get here). */
                fd_set out; FD_ZERO(&out); FD_SET(fd, &out);
                if (fd >= FD_SETSIZE || select(fd + 1, NULL, &out, NULL, NULL) < 0) return -1;
                continue;
            }
            off += w;
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s PATH\n", argv[0]); return 2; }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof addr.sun_path) { fprintf(stderr, "path too long\n"); return 2; }
    strcpy(addr.sun_path, argv[1]);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 4096) < 0) {
        perror("listen"); return 1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = listener };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    printf("READY epoll %s\n", argv[1]);
    fflush(stdout);

    static char buf[16384];
    struct epoll_event events[256];
    while (!stopping) {
        int n = epoll_wait(ep, events, 256, 200);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int c;
                while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct epoll_event cev = { .events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.fd = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
            } else if (echo(fd, buf, sizeof buf) < 0) {
                close(fd);
            }
        }
    }
    unlink(argv[1]);
    return 0;
}
