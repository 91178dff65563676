/*
 * open-loop: an open-loop HTTP/1.1 load generator for the router benchmarks (issue 5).
 *
 * Requests are *scheduled* at a fixed rate (evenly spaced, or Poisson arrivals with
 * --poisson) whatever the server does, as traffic from many independent clients arrives;
 * each goes out on an idle keep-alive connection. Its latency is measured from the time it
 * was scheduled to the last byte of its answer, so a server that stalls is charged for every
 * request that waited behind it (no "coordinated omission", as in wrk2). A request that finds
 * no idle connection waits in a queue, still on the clock; --connections bounds the pool.
 *
 * Why not autocannon: its `overallRate` is a per-connection quota per second, not a
 * schedule. Each connection sends back to back until it has made rate/connections requests
 * in the current second, then idles: every request meets `connections` others in flight,
 * and latency becomes connections x service time (see docs/benchmarks.md).
 *
 * One thread, epoll, and a timerfd armed at the next scheduled send (nanosecond clock), so
 * the generator itself costs a few microseconds of CPU per request.
 *
 *   open-loop --port P --path /v1/chat/completions --body-file F --rate 5000
 *             --seconds 10 [--warmup 3] [--connections 64] [--poisson] [--seed 1]
 *             --latencies OUT
 *
 * Writes one line per answered request of the measured period to OUT: its latency in
 * nanoseconds, its HTTP status, and when it was scheduled (nanoseconds into the period). Prints a JSON summary on stdout;
 * its measureFromNs is the period's start on CLOCK_MONOTONIC (the clock of Node's
 * process.hrtime), so answers can be laid beside events the servers record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_BYTES 65536
#define MAX_CONNECTIONS 1024

typedef struct {
  int fd;
  int busy;             /* a request is in flight */
  int64_t scheduled_ns; /* when the request in flight was scheduled */
  int measured;         /* it belongs to the measured period */
  int64_t idle_since_ns; /* when it was opened or last answered */
  int64_t idle_before_ns; /* how long it had been idle when the request in flight went out */
  char buffer[BUFFER_BYTES];
  size_t used;
} connection_t;

static connection_t connections[MAX_CONNECTIONS];
static int connection_count = 64;
static int open_connections = 0;
static struct sockaddr_in address;
static char *request_bytes;
static size_t request_length;

/* Scheduled requests that found no idle connection, oldest first (their scheduled times). */
static int64_t *backlog;
static size_t backlog_head = 0, backlog_tail = 0, backlog_capacity = 0;

static FILE *latency_file;
static long sent = 0, answered = 0, failed_connections = 0, non_2xx = 0, waited_for_connection = 0;
static long measured_answers = 0;
static int64_t max_send_lag_ns = 0;
static int64_t measure_from_ns, stop_scheduling_ns;
static int epoll_fd;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
  perror(what);
  exit(2);
}

static void open_connection(connection_t *c) {
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, (struct sockaddr *)&address, sizeof address) < 0) die("connect");
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) < 0) die("epoll_ctl");
  c->busy = 0;
  c->used = 0;
  c->idle_since_ns = now_ns();
  open_connections++;
}

static void send_on(connection_t *c, int64_t scheduled_ns) {
  if (c->fd < 0) open_connection(c);
  c->busy = 1;
  c->idle_before_ns = now_ns() - c->idle_since_ns;
  c->scheduled_ns = scheduled_ns;
  c->measured = scheduled_ns >= measure_from_ns;
  c->used = 0;
  size_t offset = 0;
  while (offset < request_length) {
    ssize_t n = write(c->fd, request_bytes + offset, request_length - offset);
    if (n > 0) {
      offset += (size_t)n;
    } else if (n < 0 && errno == EAGAIN) {
      /* send buffer full (requests are small; rare on loopback): wait until writable */
      struct pollfd writable = {.fd = c->fd, .events = POLLOUT};
      poll(&writable, 1, 1000);
    } else {
      die("write");
    }
  }
  sent++;
  int64_t lag = now_ns() - scheduled_ns;
  if (lag > max_send_lag_ns) max_send_lag_ns = lag;
}

static connection_t *idle_connection(void) {
  for (int i = 0; i < connection_count; i++)
    if (!connections[i].busy) return &connections[i];
  return NULL;
}

static void dispatch(int64_t scheduled_ns) {
  connection_t *c = idle_connection();
  if (c != NULL) {
    send_on(c, scheduled_ns);
    return;
  }
  waited_for_connection++;
  if (backlog_tail == backlog_capacity) {
    if (backlog_head > 0) {
      memmove(backlog, backlog + backlog_head, (backlog_tail - backlog_head) * sizeof *backlog);
      backlog_tail -= backlog_head;
      backlog_head = 0;
    } else {
      backlog_capacity = backlog_capacity == 0 ? 1024 : backlog_capacity * 2;
      backlog = realloc(backlog, backlog_capacity * sizeof *backlog);
      if (backlog == NULL) die("realloc");
    }
  }
  backlog[backlog_tail++] = scheduled_ns;
}

/* Length of a complete answer at the start of the buffer, or 0 if it is not all here yet. */
/* Sets *closes when the answer says `Connection: close`: the server will close the
   connection after it, so it is not used again (a request sent on it would be lost). */
static size_t complete_answer(const char *buffer, size_t used, int *status, int *closes) {
  const char *end = memmem(buffer, used, "\r\n\r\n", 4);
  if (end == NULL) return 0;
  size_t header_length = (size_t)(end - buffer) + 4;
  *status = used > 12 ? atoi(buffer + 9) : 0;
  long content_length = -1;
  int chunked = 0;
  for (const char *line = memchr(buffer, '\n', header_length); line != NULL && line < end;
       line = memchr(line + 1, '\n', (size_t)(end - line))) {
    const char *name = line + 1;
    if (strncasecmp(name, "content-length:", 15) == 0) content_length = atol(name + 15);
    if (strncasecmp(name, "connection:", 11) == 0 &&
        memmem(name, (size_t)(end - name) < 64 ? (size_t)(end - name) : 64, "close", 5) != NULL)
      *closes = 1;
    if (strncasecmp(name, "transfer-encoding:", 18) == 0 &&
        memmem(name, (size_t)(end - name) < 64 ? (size_t)(end - name) : 64, "chunked", 7) != NULL)
      chunked = 1;
  }
  if (chunked) {
    const char *last = memmem(buffer + header_length, used - header_length, "0\r\n\r\n", 5);
    return last == NULL ? 0 : (size_t)(last - buffer) + 5;
  }
  if (content_length < 0) content_length = 0;
  return used >= header_length + (size_t)content_length ? header_length + (size_t)content_length
                                                        : 0;
}

static void record(connection_t *c, int status, int64_t done_ns) {
  answered++;
  if (status < 200 || status > 299) {
    /* The first few say what they were: an answer from the HTTP layer itself (a 400 or 408
       that Node.js writes before closing) never reaches the server's own log. */
    if (non_2xx < 10) {
      const char *end = memchr(c->buffer, '\r', c->used < 200 ? c->used : 200);
      fprintf(stderr, "open-loop: answered %d: %.*s\n", status,
              (int)(end == NULL ? (c->used < 80 ? c->used : 80) : (size_t)(end - c->buffer)),
              c->buffer);
    }
    non_2xx++;
  }
  if (c->measured && c->scheduled_ns < stop_scheduling_ns) {
    measured_answers++;
    fprintf(latency_file, "%lld %d %lld\n", (long long)(done_ns - c->scheduled_ns), status,
            (long long)(c->scheduled_ns - measure_from_ns));
  }
}

static void drop_connection(connection_t *c) {
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  c->busy = 0;
  c->used = 0;
  open_connections--;
}

static void on_readable(connection_t *c) {
  int ended = 0, read_errno = 0; /* the server closed, or the connection failed */
  for (;;) {
    ssize_t n = read(c->fd, c->buffer + c->used, BUFFER_BYTES - c->used);
    if (n > 0) {
      c->used += (size_t)n;
      if (c->used == BUFFER_BYTES) {
        fprintf(stderr, "open-loop: an answer is larger than %d bytes\n", BUFFER_BYTES);
        exit(2);
      }
      continue;
    }
    if (n < 0 && errno == EAGAIN) break;
    ended = 1;
    read_errno = n < 0 ? errno : 0;
    break;
  }
  /* An answer read in full counts even when the close came in the same read (a server that
     answers and closes at once); without one, a request in flight is lost. */
  int status = 0, closes = 0;
  size_t length = c->busy ? complete_answer(c->buffer, c->used, &status, &closes) : 0;
  if (length > 0) {
    record(c, status, now_ns());
    c->idle_since_ns = now_ns();
    c->busy = 0;
    c->used = 0;
  } else if (ended && c->busy) {
    failed_connections++;
    /* Says which: a server closing an idle keep-alive connection just as a request went out
       on it shows as a long idle time (Node.js closes after keepAliveTimeout + 1 s). */
    fprintf(stderr,
            "open-loop: connection %d closed (%s) with a request in flight, %.1f ms after it was "
            "scheduled; the connection had been idle %.1f ms before it\n",
            (int)(c - connections), read_errno == 0 ? "end of stream" : strerror(read_errno),
            (now_ns() - c->scheduled_ns) / 1e6, c->idle_before_ns / 1e6);
  }
  /* Closed, or said it will close: reopened on next use. */
  if (ended || closes) drop_connection(c);
  if (length > 0 && backlog_head < backlog_tail) send_on(c, backlog[backlog_head++]);
}

static void usage(void) {
  fprintf(stderr,
          "usage: open-loop --port P --path PATH --body-file F --rate R --seconds S "
          "[--warmup W] [--connections N] [--poisson] [--seed K] --latencies OUT\n");
  exit(2);
}

int main(int argc, char **argv) {
  int port = 0, poisson = 0;
  const char *path = NULL, *body_file = NULL, *latencies_path = NULL;
  double rate = 0, seconds = 0, warmup = 0;
  unsigned seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(flag, "--poisson") == 0) { poisson = 1; continue; }
    if (value == NULL) usage();
    if (strcmp(flag, "--port") == 0) port = atoi(value);
    else if (strcmp(flag, "--path") == 0) path = value;
    else if (strcmp(flag, "--body-file") == 0) body_file = value;
    else if (strcmp(flag, "--rate") == 0) rate = atof(value);
    else if (strcmp(flag, "--seconds") == 0) seconds = atof(value);
    else if (strcmp(flag, "--warmup") == 0) warmup = atof(value);
    else if (strcmp(flag, "--connections") == 0) connection_count = atoi(value);
    else if (strcmp(flag, "--seed") == 0) seed = (unsigned)atoi(value);
    else if (strcmp(flag, "--latencies") == 0) latencies_path = value;
    else usage();
    i++;
  }
  if (port <= 0 || path == NULL || body_file == NULL || rate <= 0 || seconds <= 0 ||
      latencies_path == NULL || connection_count < 1 || connection_count > MAX_CONNECTIONS)
    usage();

  FILE *body = fopen(body_file, "rb");
  if (body == NULL) die(body_file);
  static char body_bytes[BUFFER_BYTES];
  size_t body_length = fread(body_bytes, 1, sizeof body_bytes, body);
  fclose(body);
  request_bytes = malloc(body_length + 512);
  request_length = (size_t)snprintf(request_bytes, 512,
                                    "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                                    path, port, body_length);
  memcpy(request_bytes + request_length, body_bytes, body_length);
  request_length += body_length;

  latency_file = fopen(latencies_path, "w");
  if (latency_file == NULL) die(latencies_path);

  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) die("epoll_create1");
  for (int i = 0; i < connection_count; i++) {
    connections[i].fd = -1;
    connections[i].busy = 0;
  }
  /* Open the pool up front, so connection set-up is not in anyone's latency. */
  for (int i = 0; i < connection_count; i++) open_connection(&connections[i]);

  int timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  if (timer_fd < 0) die("timerfd_create");
  struct epoll_event timer_event = {.events = EPOLLIN, .data.ptr = &timer_fd};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &timer_event);

  srand48(seed);
  const double interval_ns = 1e9 / rate;
  const int64_t start_ns = now_ns() + 50000000LL; /* 50 ms for the connections to open */
  measure_from_ns = start_ns + (int64_t)(warmup * 1e9);
  stop_scheduling_ns = measure_from_ns + (int64_t)(seconds * 1e9);
  double next_offset_ns = 0;
  int64_t next_ns = start_ns;
  /* Answers to requests scheduled before the stop are awaited for up to 10 s after it. */
  const int64_t give_up_ns = stop_scheduling_ns + 10000000000LL;

  struct itimerspec arm = {0};
  struct epoll_event events[64];
  for (;;) {
    int64_t now = now_ns();
    while (next_ns < stop_scheduling_ns && next_ns <= now) {
      dispatch(next_ns);
      next_offset_ns += poisson ? -log(1.0 - drand48()) * interval_ns : interval_ns;
      next_ns = start_ns + (int64_t)next_offset_ns;
      now = now_ns();
    }
    int in_flight = 0;
    for (int i = 0; i < connection_count; i++) in_flight += connections[i].busy;
    if (next_ns >= stop_scheduling_ns && in_flight == 0 && backlog_head == backlog_tail) break;
    if (now > give_up_ns) break;
    if (next_ns < stop_scheduling_ns) {
      arm.it_value.tv_sec = next_ns / 1000000000LL;
      arm.it_value.tv_nsec = next_ns % 1000000000LL;
      timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &arm, NULL);
    }
    int ready = epoll_wait(epoll_fd, events, 64, 1000);
    if (ready < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < ready; i++) {
      if (events[i].data.ptr == &timer_fd) {
        uint64_t expirations;
        if (read(timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) die("read");
        continue;
      }
      on_readable((connection_t *)events[i].data.ptr);
    }
  }
  fclose(latency_file);
  long unanswered = 0;
  for (int i = 0; i < connection_count; i++) unanswered += connections[i].busy;
  unanswered += (long)(backlog_tail - backlog_head);
  printf(
      "{\"sent\":%ld,\"answered\":%ld,\"measured\":%ld,\"non2xx\":%ld,\"failedConnections\":%ld,"
      "\"unanswered\":%ld,\"waitedForConnection\":%ld,\"maxSendLagNs\":%lld,\"arrivals\":\"%s\","
      "\"measureFromNs\":%lld}\n",
      sent, answered, measured_answers, non_2xx, failed_connections, unanswered,
      waited_for_connection, (long long)max_send_lag_ns, poisson ? "poisson" : "uniform",
      (long long)measure_from_ns);
  return 0;
}
