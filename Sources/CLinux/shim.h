#ifndef TRADEWIZARD_CLINUX_SHIM_H
#define TRADEWIZARD_CLINUX_SHIM_H
// Linux interfaces the Swift Glibc module does not expose: epoll, and the GNU variants of
// accept/pipe that set flags atomically, and the malloc tuning calls (mallopt, malloc_trim).
#include <sys/epoll.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <malloc.h>

extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
extern int pipe2(int pipefd[2], int flags);

static inline int tradewizard_accept4(int descriptor, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(descriptor, address, length, flags);
}
static inline int tradewizard_pipe2(int ends[2], int flags) {
    return pipe2(ends, flags);
}
static inline void tradewizard_epoll_set_token(struct epoll_event *event, unsigned long long token) {
    event->data.u64 = token;
}
static inline unsigned long long tradewizard_epoll_token(const struct epoll_event *event) {
    return event->data.u64;
}
#endif
