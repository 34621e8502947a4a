/*
 * dgram-sink.c - the limit reference for the datagram benchmark: one thread in a
 * recvfrom loop on an AF_UNIX SOCK_DGRAM socket, counting datagrams and bytes.
 *
 * Build: gcc -O2 -Wall -o dgram-sink dgram-sink.c
 * Run:   ./dgram-sink PATH     (SIGTERM/SIGINT: print "SINK datagrams=N bytes=B", unlink PATH, exit)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s PATH\n", argv[0]); return 2; }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof addr.sun_path) { fprintf(stderr, "path too long\n"); return 2; }
    strcpy(addr.sun_path, argv[1]);
    struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART: recvfrom returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
    printf("READY dgram-sink %s\n", argv[1]);
    fflush(stdout);

    static char buf[65536];
    unsigned long long datagrams = 0, bytes = 0;
    while (!stopping) {
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, NULL, NULL);
        if (n >= 0) { datagrams++; bytes += (unsigned long long)n; }
        else if (errno != EINTR) { perror("recvfrom"); break; }
    }
    printf("SINK datagrams=%llu bytes=%llu\n", datagrams, bytes);
    unlink(argv[1]);
    return 0;
}
