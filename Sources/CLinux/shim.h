// Typed wrappers for the Linux event APIs soak's event loops use (epoll, timerfd, eventfd), which
// Swift's Glibc module does not import: epoll_event is a packed struct, so events are copied out
// into plain arrays here.
#ifndef SOAK_CLINUX_SHIM_H
#define SOAK_CLINUX_SHIM_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* epoll */
static inline int soak_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static const uint32_t SOAK_EPOLL_IN = EPOLLIN;
static const uint32_t SOAK_EPOLL_OUT = EPOLLOUT;
static const uint32_t SOAK_EPOLL_ERR = EPOLLERR;
static const uint32_t SOAK_EPOLL_HUP = EPOLLHUP;

/* Adds, changes or removes `fd` (op: EPOLL_CTL_ADD, _MOD, _DEL) with `token` as its data. */
static inline int soak_epoll_control(int epoll, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = events;
    event.data.u64 = token;
    return epoll_ctl(epoll, op, fd, &event);
}
static inline int soak_epoll_add(int epoll, int fd, uint32_t events, uint64_t token) {
    return soak_epoll_control(epoll, EPOLL_CTL_ADD, fd, events, token);
}
static inline int soak_epoll_modify(int epoll, int fd, uint32_t events, uint64_t token) {
    return soak_epoll_control(epoll, EPOLL_CTL_MOD, fd, events, token);
}
static inline int soak_epoll_remove(int epoll, int fd) {
    return soak_epoll_control(epoll, EPOLL_CTL_DEL, fd, 0, 0);
}

/* Waits up to `timeout_ms` (-1: no limit) for at most `capacity` events; writes each one's events
   and token. Returns how many, 0 on a timeout or EINTR, -1 on error. */
static inline int soak_epoll_wait(int epoll, uint32_t *events, uint64_t *tokens, int capacity, int timeout_ms) {
    struct epoll_event ready[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll, ready, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) {
        events[i] = ready[i].events;
        tokens[i] = ready[i].data.u64;
    }
    return count;
}

/* timerfd on CLOCK_MONOTONIC, armed with a relative time (nanosecond resolution; a non-positive time
   fires at once rather than disarming the timer). */
static inline int soak_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

static inline int soak_timerfd_arm(int fd, int64_t nanoseconds) {
    if (nanoseconds < 1) nanoseconds = 1;
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = nanoseconds / 1000000000;
    spec.it_value.tv_nsec = nanoseconds % 1000000000;
    return timerfd_settime(fd, 0, &spec, NULL);
}

static inline int soak_timerfd_disarm(int fd) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    return timerfd_settime(fd, 0, &spec, NULL);
}

/* eventfd: one thread wakes another's poll or epoll. */
static inline int soak_eventfd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

static inline void soak_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t written = write(fd, &one, sizeof one);
    (void)written;
}

/* Reads and discards what a timerfd or eventfd holds. */
static inline void soak_fd_drain(int fd) {
    uint64_t value;
    ssize_t read_bytes = read(fd, &value, sizeof value);
    (void)read_bytes;
}

/* Names the calling thread (at most 15 bytes), as `top -H` and `ps -L` show it. */
static inline void soak_name_this_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

#endif
