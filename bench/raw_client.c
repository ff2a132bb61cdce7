/* The raw floor of an open-model HTTP client, for bench/http: one kept-alive TCP connection, and
 * for each intended send time (RATE a second) sleep until it with clock_nanosleep, write the request,
 * poll, read the whole answer. Nothing a real load tool could do with less work per request.
 *
 * Usage: raw_client PORT RATE SECONDS WARMUP
 * Prints one JSON line: requests, CPU microseconds per request, schedule lag and latency (from the
 * intended send time) percentiles in milliseconds, all over the SECONDS after the WARMUP. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
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

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads one answer: headers, then Content-Length bytes of body. 0 on success. */
static int read_answer(int fd, char *buffer, size_t size) {
    size_t have = 0;
    long body = -1;
    size_t header_end = 0;
    for (;;) {
        struct pollfd wait = {.fd = fd, .events = POLLIN};
        if (poll(&wait, 1, 5000) <= 0) return -1;
        ssize_t got = read(fd, buffer + have, size - have - 1);
        if (got <= 0) return -1;
        have += got;
        buffer[have] = 0;
        if (body < 0) {
            char *end = strstr(buffer, "\r\n\r\n");
            if (!end) continue;
            header_end = end - buffer + 4;
            char *length = strcasestr(buffer, "Content-Length:");
            body = length ? strtol(length + 15, NULL, 10) : 0;
        }
        if (have >= header_end + (size_t)body) return 0;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s PORT RATE SECONDS WARMUP\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    double rate = atof(argv[2]), seconds = atof(argv[3]), warmup = atof(argv[4]);
    int fd = connect_to(port);
    if (fd < 0) {
        perror("connect");
        return 1;
    }
    char request[256];
    int request_length = snprintf(request, sizeof request, "GET /ok HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: raw-floor\r\n\r\n", port);
    char buffer[65536];
    long total = (long)(rate * (warmup + seconds));
    long measured_from = (long)(rate * warmup);
    long long *lag = calloc(total, sizeof *lag), *latency = calloc(total, sizeof *latency);
    long count = 0, errors = 0;
    long long start = now_ns() + 10000000LL;
    double cpu_start = 0;
    long long wall_start = 0;
    for (long i = 0; i < total; i++) {
        long long intended = start + (long long)(i * 1e9 / rate);
        if (i == measured_from) {
            cpu_start = cpu_us();
            wall_start = now_ns();
        }
        struct timespec at = {.tv_sec = intended / 1000000000LL, .tv_nsec = intended % 1000000000LL};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {}
        long long sent = now_ns();
        if (write(fd, request, request_length) != request_length || read_answer(fd, buffer, sizeof buffer) != 0) {
            errors++;
            close(fd);
            fd = connect_to(port);
            continue;
        }
        long long done = now_ns();
        if (i >= measured_from) {
            lag[count] = sent - intended;
            latency[count] = done - intended;
            count++;
        }
    }
    double cpu = cpu_us() - cpu_start;
    double wall = (now_ns() - wall_start) / 1e9;
    printf("{\"requests\": %ld, \"achieved\": %.2f, \"cpu_us\": %.2f, \"lag_p50_ms\": %.4f, \"lag_p99_ms\": %.4f, "
           "\"lat_p50_ms\": %.4f, \"lat_p99_ms\": %.4f, \"errors\": %ld}\n",
           count, count / wall, cpu / (count ? count : 1), percentile_ms(lag, count, 0.5), percentile_ms(lag, count, 0.99),
           percentile_ms(latency, count, 0.5), percentile_ms(latency, count, 0.99), errors);
    return 0;
}
