/*
 * A scripted HTTP/1.1 server for the request-layer tests: on 127.0.0.1, a
 * port chosen by the kernel, a thread per connection, keep-alive, and a
 * list of canned answers taken in order by all connections (the last one
 * repeats). It records every request
 * (method, target, headers, body length and its first TS_BODY_KEEP bytes) so
 * tests can assert what was sent.
 *
 * Everything is bounded: at most TS_MAX_CONNS connections and TS_MAX_REQS
 * recorded requests, 5 s socket timeouts, header blocks of 64 KiB.
 * Included by tests/unit/test_aws_*.c and test_s3_*.c only.
 */
#ifndef REC_TEST_AWS_SERVER_H
#define REC_TEST_AWS_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TS_MAX_CONNS 64
#define TS_MAX_REQS 64
#define TS_MAX_ANSWERS 16
#define TS_HEAD_MAX (64 * 1024)
#define TS_BODY_KEEP 4096

struct ts_answer {
    int status;
    const char *headers;   /* extra header lines, each ending "\r\n"; may be NULL */
    const char *body;      /* NULL: body_size bytes of 'x' instead */
    size_t body_size;
    int stall_ms_before;   /* wait before sending anything */
    size_t stall_after;    /* send this many body bytes, then stall_ms_mid, then the rest */
    int stall_ms_mid;
};

struct ts_request {
    char method[16];
    char target[1024];
    char *head;            /* the raw header block (heap) */
    size_t body_len;       /* bytes received */
    char *body;            /* its first TS_BODY_KEEP bytes, NUL-terminated (heap) */
};

struct test_server {
    int listen_fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    struct ts_answer answers[TS_MAX_ANSWERS];
    size_t n_answers;
    size_t next_answer;
    struct ts_request reqs[TS_MAX_REQS];
    size_t n_reqs;
    int connections;
    pthread_t conn_threads[TS_MAX_CONNS];
    int n_conn_threads;    /* written by the accepting thread only */
    volatile int stop;
};

static inline void ts_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static inline int ts_send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static inline const char *ts_find_header(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ')
                v++;
            return v;
        }
    }
    return NULL;
}

/* Serves one connection until the peer closes or the server stops. */
static inline void ts_serve(struct test_server *s, int fd)
{
    struct timeval tv = { 5, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    char *buf = malloc(TS_HEAD_MAX + 1);
    size_t have = 0;
    for (int served = 0; served < TS_MAX_REQS && !s->stop; served++) {
        char *end = NULL;
        while (!(end = (have ? strstr(buf, "\r\n\r\n") : NULL))) {
            if (have == TS_HEAD_MAX)
                goto done;
            ssize_t r = recv(fd, buf + have, TS_HEAD_MAX - have, 0);
            if (r <= 0)
                goto done;
            have += (size_t)r;
            buf[have] = '\0';
        }
        size_t head_len = (size_t)(end - buf) + 4;
        struct ts_request rq = { 0 };
        sscanf(buf, "%15s %1023s", rq.method, rq.target);
        rq.head = strndup(buf, head_len);
        const char *cl = ts_find_header(rq.head, "content-length");
        size_t want = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
        size_t got = have - head_len < want ? have - head_len : want;
        rq.body = calloc(1, TS_BODY_KEEP + 1);
        memcpy(rq.body, buf + head_len, got < TS_BODY_KEEP ? got : TS_BODY_KEEP);
        size_t extra = have - head_len - got; /* pipelined bytes, kept */
        memmove(buf, buf + head_len + got, extra);
        have = extra;
        buf[have] = '\0';
        char sink[65536];
        while (got < want) {
            size_t ask = want - got < sizeof(sink) ? want - got : sizeof(sink);
            ssize_t r = recv(fd, sink, ask, 0);
            if (r <= 0)
                break;
            if (got < TS_BODY_KEEP)
                memcpy(rq.body + got, sink, TS_BODY_KEEP - got < (size_t)r ? TS_BODY_KEEP - got : (size_t)r);
            got += (size_t)r;
        }
        rq.body_len = got;
        pthread_mutex_lock(&s->lock);
        struct ts_answer a = s->answers[s->next_answer < s->n_answers ? s->next_answer
                                                                        : s->n_answers - 1];
        if (s->next_answer < s->n_answers)
            s->next_answer++;
        if (s->n_reqs < TS_MAX_REQS) {
            s->reqs[s->n_reqs++] = rq;
        } else {
            free(rq.head);
            free(rq.body);
        }
        pthread_mutex_unlock(&s->lock);

        if (a.stall_ms_before)
            ts_sleep_ms(a.stall_ms_before);
        size_t body_len = a.body ? strlen(a.body) : a.body_size;
        char head[4096];
        int hl = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n",
                          a.status, body_len, a.headers ? a.headers : "");
        if (ts_send_all(fd, head, (size_t)hl))
            goto done;
        if (strcmp(rq.method, "HEAD") == 0)
            continue;
        size_t sent = 0;
        char chunk[16384];
        memset(chunk, 'x', sizeof(chunk));
        while (sent < body_len && !s->stop) {
            if (a.stall_after && sent == a.stall_after)
                ts_sleep_ms(a.stall_ms_mid);
            size_t n = body_len - sent;
            if (n > sizeof(chunk))
                n = sizeof(chunk);
            if (a.stall_after && sent < a.stall_after && sent + n > a.stall_after)
                n = a.stall_after - sent;
            if (ts_send_all(fd, a.body ? a.body + sent : chunk, n))
                goto done;
            sent += n;
        }
    }
done:
    free(buf);
}

struct ts_conn {
    struct test_server *s;
    int fd;
};

static inline void *ts_conn_main(void *arg)
{
    struct ts_conn *c = arg;
    ts_serve(c->s, c->fd);
    close(c->fd);
    free(c);
    return NULL;
}

/* Each connection is served by a thread of its own, so an answer that
 * stalls on one connection does not hold up the client's next one. */
static inline void *ts_main(void *arg)
{
    struct test_server *s = arg;
    for (int i = 0; i < TS_MAX_CONNS && !s->stop; i++) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        if (s->stop) {
            close(fd);
            break;
        }
        struct ts_conn *c = malloc(sizeof(*c));
        *c = (struct ts_conn){ s, fd };
        pthread_mutex_lock(&s->lock);
        s->connections++;
        pthread_mutex_unlock(&s->lock);
        if (pthread_create(&s->conn_threads[s->n_conn_threads], NULL, ts_conn_main, c) != 0)
            abort();
        s->n_conn_threads++;
    }
    return NULL;
}

/* Starts a server answering with answers[0..n) in turn. */
static inline struct test_server *ts_start(const struct ts_answer *answers, size_t n)
{
    struct test_server *s = calloc(1, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    memcpy(s->answers, answers, n * sizeof(*answers));
    s->n_answers = n;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s->listen_fd, 8) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &al) != 0)
        abort();
    s->port = ntohs(a.sin_port);
    pthread_create(&s->thread, NULL, ts_main, s);
    return s;
}

/* Stops the thread (waking accept with a throwaway connection) and frees. */
static inline void ts_stop(struct test_server *s)
{
    s->stop = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    connect(fd, (struct sockaddr *)&a, sizeof(a));
    close(fd);
    shutdown(s->listen_fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < s->n_conn_threads; i++)
        pthread_join(s->conn_threads[i], NULL);
    close(s->listen_fd);
    for (size_t i = 0; i < s->n_reqs; i++) {
        free(s->reqs[i].head);
        free(s->reqs[i].body);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static inline size_t ts_count(struct test_server *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->n_reqs;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* A port with nothing listening (bound, then closed). */
static inline int ts_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    return ntohs(a.sin_port);
}

#endif
