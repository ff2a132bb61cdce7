/* The libcurl floor of an HTTP load client, for bench/http: one thread, epoll and a timerfd driving
 * libcurl's socket interface (curl_multi_socket_action), reused easy handles set with the same
 * options soak sets for every request (reset, then URL, NOSIGNAL, HTTP version, timeouts, user agent,
 * "Expect:" header, error buffer, body callback, open/close socket callbacks, private pointer).
 *
 * Open model:   curl_client PORT open RATE SECONDS WARMUP
 * Closed model: curl_client PORT closed USERS WAIT_MS SECONDS WARMUP
 * Prints one JSON line: requests, CPU microseconds per request, schedule lag and latency percentiles
 * in milliseconds (open: latency from the intended send time), over the SECONDS after the WARMUP. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static double cpu_us(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(long long *values, long count, double q) {
    if (count == 0) return -1;
    qsort(values, count, sizeof *values, compare);
    long index = (long)(q * count);
    if (index >= count) index = count - 1;
    return values[index] / 1e6;
}

/* One transfer: its handle, the buffers soak keeps, and what it measures. */
struct transfer {
    CURL *easy;
    char error[CURL_ERROR_SIZE];
    size_t body;
    long long intended;
    int user;
    struct transfer *next_spare;
};

/* Timers: a binary heap of (deadline, user); user -1 is the open model's next arrival. */
struct entry {
    long long at;
    int user;
};
static struct entry *heap;
static int heap_count;

static void heap_push(long long at, int user) {
    int i = heap_count++;
    heap[i] = (struct entry){at, user};
    while (i > 0 && heap[(i - 1) / 2].at > heap[i].at) {
        struct entry swap = heap[i];
        heap[i] = heap[(i - 1) / 2];
        heap[(i - 1) / 2] = swap;
        i = (i - 1) / 2;
    }
}

static struct entry heap_pop(void) {
    struct entry top = heap[0];
    heap[0] = heap[--heap_count];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, s = i;
        if (l < heap_count && heap[l].at < heap[s].at) s = l;
        if (r < heap_count && heap[r].at < heap[s].at) s = r;
        if (s == i) break;
        struct entry swap = heap[i];
        heap[i] = heap[s];
        heap[s] = swap;
        i = s;
    }
    return top;
}

static CURLM *multi;
static int epoll_fd, timer_fd;
static long long curl_deadline = -1;
static struct transfer *spare;
static struct curl_slist *headers;
static char url[128];

static size_t on_body(char *data, size_t size, size_t count, void *userp) {
    struct transfer *transfer = userp;
    size_t length = size * count;
    transfer->body += length;
    (void)data;
    return length;
}

static curl_socket_t on_open(void *clientp, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)clientp;
    (void)purpose;
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

static int on_close(void *clientp, curl_socket_t fd) {
    (void)clientp;
    return close(fd);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
    (void)easy;
    (void)userp;
    struct epoll_event event = {.data.fd = fd};
    if (what == CURL_POLL_REMOVE) {
        if (socketp) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        curl_multi_assign(multi, fd, NULL);
        return 0;
    }
    event.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (socketp) {
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
    } else {
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
        curl_multi_assign(multi, fd, (void *)1);
    }
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp) {
    (void)m;
    (void)userp;
    curl_deadline = timeout_ms < 0 ? -1 : now_ns() + timeout_ms * 1000000LL;
    return 0;
}

static void start(long long intended, int user) {
    struct transfer *transfer = spare;
    if (transfer) {
        spare = transfer->next_spare;
    } else {
        transfer = calloc(1, sizeof *transfer);
        transfer->easy = curl_easy_init();
    }
    transfer->intended = intended;
    transfer->user = user;
    transfer->body = 0;
    CURL *easy = transfer->easy;
    curl_easy_reset(easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "curl-floor");
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_multi_add_handle(multi, easy);
}

static void arm(long long next) {
    struct itimerspec spec = {0};
    if (next >= 0) {
        long long delta = next - now_ns();
        if (delta < 1) delta = 1;
        spec.it_value.tv_sec = delta / 1000000000LL;
        spec.it_value.tv_nsec = delta % 1000000000LL;
    }
    timerfd_settime(timer_fd, 0, &spec, NULL);
}

/* Takes the finished transfers: their latency, the closed model's next send, the handle back. */
static void collect(long long measure_from, long long wait_ns, long long *latency, long *count, long capacity, long *errors) {
    CURLMsg *message;
    int left;
    while ((message = curl_multi_info_read(multi, &left))) {
        if (message->msg != CURLMSG_DONE) continue;
        struct transfer *transfer;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
        CURLcode result = message->data.result;
        curl_multi_remove_handle(multi, message->easy_handle);
        long long done = now_ns();
        if (result != CURLE_OK) (*errors)++;
        if (transfer->intended >= measure_from && *count < capacity) {
            latency[*count] = done - transfer->intended;
            (*count)++;
        }
        if (transfer->user >= 0) heap_push(done + wait_ns, transfer->user);
        transfer->next_spare = spare;
        spare = transfer;
    }
}

int main(int argc, char **argv) {
    int closed = argc == 7 && strcmp(argv[2], "closed") == 0;
    if (!(argc == 6 && strcmp(argv[2], "open") == 0) && !closed) {
        fprintf(stderr, "usage: %s PORT open RATE SECONDS WARMUP | PORT closed USERS WAIT_MS SECONDS WARMUP\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    double rate = closed ? 0 : atof(argv[3]);
    int users = closed ? atoi(argv[3]) : 0;
    long long wait_ns = closed ? atoll(argv[4]) * 1000000LL : 0;
    double seconds = atof(argv[closed ? 5 : 4]), warmup = atof(argv[closed ? 6 : 5]);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", port);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 1024L);
    headers = curl_slist_append(NULL, "Expect:");
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event timer_event = {.events = EPOLLIN, .data.fd = timer_fd};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &timer_event);

    heap = calloc(users + 2, sizeof *heap);
    long capacity = (long)((rate > 0 ? rate : users * 1e9 / (wait_ns + 1) + 100) * (seconds + warmup) * 1.5) + 1000;
    long long *lag = calloc(capacity, sizeof *lag), *latency = calloc(capacity, sizeof *latency);
    long count = 0, lags = 0, errors = 0, arrival = 0;
    long long begin = now_ns() + 10000000LL, measure_from = begin + (long long)(warmup * 1e9), end = measure_from + (long long)(seconds * 1e9);
    double cpu_start = -1;
    if (closed) {
        for (int u = 0; u < users; u++) heap_push(begin + (long long)u * wait_ns / users, u);
    } else {
        heap_push(begin, -1);
    }
    int running = 0;
    for (;;) {
        long long now = now_ns();
        if (cpu_start < 0 && now >= measure_from) cpu_start = cpu_us();
        if (now >= end) break;
        while (heap_count && heap[0].at <= now) {
            struct entry due = heap_pop();
            if (due.user < 0) {
                start(due.at, -1);
                arrival++;
                heap_push(begin + (long long)(arrival * 1e9 / rate), -1);
            } else {
                start(now, due.user);
            }
            if (due.at >= measure_from && lags < capacity) lag[lags++] = now - due.at;
        }
        if (curl_deadline >= 0 && curl_deadline <= now_ns()) {
            curl_deadline = -1;
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
            collect(measure_from, wait_ns, latency, &count, capacity, &errors);
        }
        long long next = heap_count ? heap[0].at : -1;
        if (curl_deadline >= 0 && (next < 0 || curl_deadline < next)) next = curl_deadline;
        arm(next);
        struct epoll_event events[64];
        int ready = epoll_wait(epoll_fd, events, 64, -1);
        for (int i = 0; i < ready; i++) {
            if (events[i].data.fd == timer_fd) {
                uint64_t expirations;
                ssize_t got = read(timer_fd, &expirations, sizeof expirations);
                (void)got;
                continue;
            }
            int mask = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) | (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                       (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(multi, events[i].data.fd, mask, &running);
        }
        collect(measure_from, wait_ns, latency, &count, capacity, &errors);
    }
    double cpu = cpu_us() - cpu_start;
    printf("{\"requests\": %ld, \"achieved\": %.2f, \"cpu_us\": %.2f, \"lag_p50_ms\": %.4f, \"lag_p99_ms\": %.4f, "
           "\"lat_p50_ms\": %.4f, \"lat_p99_ms\": %.4f, \"errors\": %ld}\n",
           count, count / seconds, cpu / (count ? count : 1), percentile_ms(lag, lags, 0.5), percentile_ms(lag, lags, 0.99),
           percentile_ms(latency, count, 0.5), percentile_ms(latency, count, 0.99), errors);
    return 0;
}
