// The kernel's floor for bench/proxy.sh: a plaintext TCP relay that does
// nothing but the system calls any proxy of the 1 KiB request/response run
// needs (one read and one write per message, epoll_wait batched over all
// connections, one thread, level-triggered). No TLS, no authorization: what
// it costs per request is a lower bound for every proxy on the machine.
//
//   cc -O2 -o relay relay.c && ./relay LISTENPORT BACKENDPORT
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#define MAXFD 65536
static int peer[MAXFD];
int main(int argc, char **argv) {
	if (argc != 3) { fprintf(stderr, "usage: relay LISTENPORT BACKENDPORT\n"); return 2; }
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))}, b;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	b = a; b.sin_port = htons(atoi(argv[2]));
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 512) < 0) { perror("listen"); return 1; }
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l}, evs[128];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	static char buf[32768];
	for (;;) {
		int n = epoll_wait(ep, evs, 128, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				int c = accept(l, NULL, NULL);
				if (c < 0) continue;
				int s = socket(AF_INET, SOCK_STREAM, 0);
				if (connect(s, (struct sockaddr *)&b, sizeof b) < 0 || c >= MAXFD || s >= MAXFD) { close(c); close(s); continue; }
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				fcntl(c, F_SETFL, O_NONBLOCK); fcntl(s, F_SETFL, O_NONBLOCK);
				peer[c] = s; peer[s] = c;
				ev.events = EPOLLIN; ev.data.fd = c; epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				ev.data.fd = s; epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
				continue;
			}
			ssize_t r = read(fd, buf, sizeof buf);
			if (r < 0 && errno == EAGAIN) continue;
			if (r <= 0) { int p = peer[fd]; close(fd); close(p); continue; }
			// The benchmark's messages fit the socket buffers: a short write is not handled.
			if (write(peer[fd], buf, r) != r) { int p = peer[fd]; close(fd); close(p); }
		}
	}
}
