/*
 * work_redis.c -- Redis Streams, the broker-shaped choice for an event
 * log on one host: a redis-server this benchmark starts itself for each
 * run, in the run's own fresh directory, on 127.0.0.1 and a free port,
 * with --save "" and --appendonly yes; appendfsync everysec for sync none
 * and appendfsync always for sync always. It is killed when the run ends,
 * on every error path, and by the kernel if the benchmark dies
 * (PR_SET_PDEATHSIG).
 *
 * Producing: XADD bench * v <value>, one command per record, the batch's
 * commands pipelined (written together, then the replies read).
 * Consuming: a fresh consumer group per pass, XREADGROUP ... COUNT n
 * STREAMS bench >, each reply's entries acknowledged by one XACK sent in
 * the same pipeline as the next XREADGROUP.
 *
 * Compiled only with HAVE_HIREDIS; redis-server must be in PATH.
 */
#define _GNU_SOURCE /* prctl */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_HIREDIS
#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STREAM "bench"
#define MAX_SERVERS 4
#define START_TRIES 5
#define START_WAIT_S 10.0

typedef struct redis_srv {
    pid_t pid;
    int port;
    redisContext *c;
    char dir[4096];
} redis_srv;

/* Every server running, for the consume passes and for cleanup. */
static redis_srv servers[MAX_SERVERS];

void peers_kill_all(void)
{
    for (int i = 0; i < MAX_SERVERS; i++)
        if (servers[i].pid > 0)
            kill(servers[i].pid, SIGKILL); /* async-signal-safe */
}

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void srv_kill(redis_srv *s)
{
    if (s->c)
        redisFree(s->c);
    s->c = NULL;
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    s->pid = 0;
    s->dir[0] = '\0';
}

static void exec_server(const char *dir, int port, int sync)
{
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    if (chdir(dir) != 0)
        _exit(126);
    char *argv[] = {
        "redis-server", "--port", portbuf, "--bind", "127.0.0.1",
        "--protected-mode", "yes", "--save", "", "--appendonly", "yes",
        "--appendfsync", sync == BENCH_SYNC_ALWAYS ? "always" : "everysec",
        "--dir", ".", "--logfile", "redis.log", "--daemonize", "no", NULL};
    FILE *null = freopen("/dev/null", "w", stdout);
    (void)null;
    execvp(argv[0], argv);
    _exit(127);
}

/* Connects to s, waiting for the server to listen; 1 if the server died
 * (the port was taken: try another), -1 on other failures. */
static int srv_connect(redis_srv *s)
{
    uint64_t deadline = now_ns() + (uint64_t)(START_WAIT_S * 1e9);
    struct timeval tv = {1, 0};
    while (now_ns() < deadline) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return 1;
        }
        s->c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
        if (s->c && !s->c->err) {
            redisReply *r = redisCommand(s->c, "PING");
            bool ok = r && r->type == REDIS_REPLY_STATUS;
            freeReplyObject(r);
            if (ok)
                return 0;
        }
        if (s->c)
            redisFree(s->c);
        s->c = NULL;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "rill-bench: redis: the server did not answer in %.0f "
            "s\n", START_WAIT_S);
    return -1;
}

/* Starts a server in dir; returns its slot or NULL (message printed). */
static redis_srv *srv_start(const char *dir, int sync)
{
    redis_srv *s = NULL;
    for (int i = 0; i < MAX_SERVERS && !s; i++)
        if (servers[i].pid == 0)
            s = &servers[i];
    if (!s) {
        fprintf(stderr, "rill-bench: redis: too many servers\n");
        return NULL;
    }
    for (int attempt = 0; attempt < START_TRIES; attempt++) {
        if ((s->port = free_port()) < 0)
            break;
        pid_t parent = getpid();
        fflush(NULL);
        s->pid = fork();
        if (s->pid < 0)
            break;
        if (s->pid == 0) {
            if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
                getppid() != parent)
                _exit(1);
            exec_server(dir, s->port, sync);
        }
        snprintf(s->dir, sizeof s->dir, "%s", dir);
        int rc = srv_connect(s);
        if (rc == 0)
            return s;
        srv_kill(s);
        if (rc < 0)
            break;
    }
    s->pid = 0;
    fprintf(stderr, "rill-bench: redis: cannot start redis-server in '%s' "
            "(see its redis.log)\n", dir);
    return NULL;
}

static int reply_fail(redis_srv *s, redisReply *r, const char *what)
{
    fprintf(stderr, "rill-bench: redis: %s: %s\n", what,
            r && r->type == REDIS_REPLY_ERROR ? r->str
            : s->c->err                       ? s->c->errstr
                                              : "unexpected reply");
    freeReplyObject(r);
    return -1;
}

/* XADDs records first .. first+k-1 in one pipeline. */
static int xadd(redis_srv *s, uint64_t first, size_t k, size_t vsize)
{
    for (size_t j = 0; j < k; j++)
        if (redisAppendCommand(s->c, "XADD " STREAM " * v %b",
                               bench_value(first + j, vsize),
                               vsize) != REDIS_OK)
            return reply_fail(s, NULL, "XADD");
    for (size_t j = 0; j < k; j++) {
        redisReply *r;
        if (redisGetReply(s->c, (void **)&r) != REDIS_OK ||
            r->type != REDIS_REPLY_STRING)
            return reply_fail(s, r, "XADD");
        freeReplyObject(r);
    }
    return 0;
}

static int check_len(redis_srv *s, uint64_t want)
{
    redisReply *r = redisCommand(s->c, "XLEN " STREAM);
    if (!r || r->type != REDIS_REPLY_INTEGER)
        return reply_fail(s, r, "XLEN");
    long long n = r->integer;
    freeReplyObject(r);
    if ((uint64_t)n != want) {
        fprintf(stderr, "rill-bench: redis: %lld entries, %llu written\n", n,
                (unsigned long long)want);
        return -1;
    }
    return 0;
}

static int redis_produce(const produce_params *p, const char *dir,
                         run_result *res)
{
    lat_buf lat;
    redis_srv *s = srv_start(dir, p->sync);
    if (!s)
        return -1;
    if (lat_init(&lat, (size_t)(p->max_records / p->batch + 1))) {
        srv_kill(s);
        return -1;
    }
    int rc = 0;
    uint64_t n = 0, t0 = now_ns(), prev = t0;
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9);
    while (!rc && n < p->max_records) {
        size_t k = p->batch;
        if (k > p->max_records - n)
            k = (size_t)(p->max_records - n);
        rc = xadd(s, n, k, p->value_size);
        uint64_t t = now_ns();
        if (lat.n < lat.cap)
            lat.ns[lat.n++] = t - prev;
        prev = t;
        n += k;
        if (t - t0 >= cap_ns)
            break;
    }
    if (!rc)
        rc = check_len(s, n);
    srv_kill(s);
    res->records = n;
    res->seconds = (double)(prev - t0) / 1e9;
    lat_percentiles(&lat, &res->p50_us, &res->p99_us);
    lat_free(&lat);
    return rc;
}

static int redis_consume_prepare(const consume_params *p, const char *dir)
{
    redis_srv *s = srv_start(dir, BENCH_SYNC_NONE);
    if (!s)
        return -1;
    int rc = 0;
    for (uint64_t n = 0; !rc && n < p->records; n += 1000) {
        size_t k = p->records - n < 1000 ? (size_t)(p->records - n) : 1000;
        rc = xadd(s, n, k, p->value_size);
    }
    if (!rc)
        rc = check_len(s, p->records);
    if (rc)
        srv_kill(s); /* it stays up for the passes otherwise */
    return rc;
}

static redis_srv *srv_of(const char *dir)
{
    for (int i = 0; i < MAX_SERVERS; i++)
        if (servers[i].pid > 0 && strcmp(servers[i].dir, dir) == 0)
            return &servers[i];
    fprintf(stderr, "rill-bench: redis: no server for '%s'\n", dir);
    return NULL;
}

static void redis_consume_finish(const char *dir)
{
    for (int i = 0; i < MAX_SERVERS; i++)
        if (servers[i].pid > 0 && strcmp(servers[i].dir, dir) == 0)
            srv_kill(&servers[i]);
}

/* A consumer's state: its group, the ids to acknowledge. */
typedef struct reader {
    char group[32];
    const char **argv;
    size_t *argvlen;
    size_t nack; /* ids in argv after "XACK stream group" */
} reader;

/* Takes one XREADGROUP reply: counts the entries, sums the values'
 * first bytes, keeps the ids for XACK. Returns the entries, or -1. */
static long take_entries(reader *rd, redisReply *r, size_t vsize,
                         uint64_t *sum)
{
    if (r->type == REDIS_REPLY_NIL)
        return 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
        r->element[0]->elements != 2)
        return -1;
    redisReply *entries = r->element[0]->element[1];
    for (size_t i = 0; i < entries->elements; i++) {
        redisReply *e = entries->element[i];
        if (e->elements != 2 || e->element[1]->elements != 2 ||
            e->element[1]->element[1]->len != vsize)
            return -1;
        *sum += (uint8_t)e->element[1]->element[1]->str[0];
        rd->argv[3 + i] = e->element[0]->str;
        rd->argvlen[3 + i] = e->element[0]->len;
    }
    rd->nack = entries->elements;
    return (long)entries->elements;
}

/* Reads the stream to its end with a fresh group. */
static int read_all(redis_srv *s, reader *rd, const consume_params *p,
                    uint64_t *n, uint64_t *sum, uint64_t deadline)
{
    redisReply *prev = NULL, *r;
    char count[24];
    snprintf(count, sizeof count, "%u", p->poll_records);
    for (;;) {
        if (now_ns() >= deadline) {
            freeReplyObject(prev);
            return 0; /* stopped at the time cap */
        }
        if (rd->nack)
            redisAppendCommandArgv(s->c, (int)(3 + rd->nack), rd->argv,
                                   rd->argvlen);
        redisAppendCommand(s->c, "XREADGROUP GROUP %s c COUNT %s STREAMS "
                           STREAM " >", rd->group, count);
        if (rd->nack) {
            if (redisGetReply(s->c, (void **)&r) != REDIS_OK ||
                r->type != REDIS_REPLY_INTEGER ||
                (size_t)r->integer != rd->nack) {
                freeReplyObject(prev);
                return reply_fail(s, r, "XACK");
            }
            freeReplyObject(r);
        }
        freeReplyObject(prev); /* the ids acknowledged were in it */
        prev = NULL;
        rd->nack = 0;
        if (redisGetReply(s->c, (void **)&r) != REDIS_OK)
            return reply_fail(s, NULL, "XREADGROUP");
        long got = take_entries(rd, r, p->value_size, sum);
        if (got < 0)
            return reply_fail(s, r, "XREADGROUP");
        if (got == 0) {
            freeReplyObject(r);
            return 0;
        }
        *n += (uint64_t)got;
        prev = r;
    }
}

static int redis_consume(const consume_params *p, const char *dir,
                         run_result *res, uint64_t *sum)
{
    static unsigned passes;
    redis_srv *s = srv_of(dir);
    reader rd = {.nack = 0};
    uint64_t n = 0, sm = 0;
    if (!s)
        return -1;
    rd.argv = malloc((p->poll_records + 3) * sizeof *rd.argv);
    rd.argvlen = malloc((p->poll_records + 3) * sizeof *rd.argvlen);
    if (!rd.argv || !rd.argvlen) {
        free(rd.argv);
        free(rd.argvlen);
        fprintf(stderr, "rill-bench: out of memory\n");
        return -1;
    }
    snprintf(rd.group, sizeof rd.group, "g%u", ++passes);
    rd.argv[0] = "XACK";
    rd.argv[1] = STREAM;
    rd.argv[2] = rd.group;
    rd.argvlen[0] = 4;
    rd.argvlen[1] = strlen(STREAM);
    rd.argvlen[2] = strlen(rd.group);
    uint64_t t0 = now_ns();
    redisReply *r = redisCommand(s->c, "XGROUP CREATE " STREAM " %s 0",
                                 rd.group);
    int rc = r && r->type == REDIS_REPLY_STATUS
                 ? 0 : reply_fail(s, r, "XGROUP CREATE");
    if (!rc) {
        freeReplyObject(r);
        rc = read_all(s, &rd, p, &n, &sm, consume_deadline(p, t0));
    }
    uint64_t t1 = now_ns();
    free(rd.argv);
    free(rd.argvlen);
    res->records = n;
    res->seconds = (double)(t1 - t0) / 1e9;
    *sum = sm;
    return rc;
}

static const char *redis_missing(void)
{
    return in_path("redis-server")
               ? NULL
               : "redis-server is not in PATH (install redis-server)";
}

static void redis_version(char *buf, size_t cap)
{
    char line[256] = "";
    const char *v = NULL;
    FILE *f = popen("redis-server --version 2>/dev/null", "r");
    if (f) {
        if (fgets(line, sizeof line, f))
            v = strstr(line, "v=");
        pclose(f);
    }
    snprintf(buf, cap, "redis-server %.*s, hiredis %d.%d.%d",
             v ? (int)strcspn(v + 2, " \n") : 1, v ? v + 2 : "?",
             HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
}

const bench_system bench_system_redis = {
    .name = "redis",
    .about = "Redis Streams on 127.0.0.1 (a server started per run, "
             "appendonly yes, save \"\"): pipelined XADD, "
             "XREADGROUP+XACK",
    .setting = {"AOF appendfsync everysec", "AOF appendfsync always"},
    .setting_read = "XREADGROUP COUNT n + XACK",
    .unavailable = redis_missing,
    .version = redis_version,
    .produce = redis_produce,
    .consume_prepare = redis_consume_prepare,
    .consume = redis_consume,
    .consume_finish = redis_consume_finish,
};

#else /* !HAVE_HIREDIS */

void peers_kill_all(void)
{
}

static const char *redis_missing(void)
{
    return "built without hiredis (hiredis/hiredis.h was not found: "
           "install libhiredis-dev and rebuild)";
}

const bench_system bench_system_redis = {
    .name = "redis",
    .about = "Redis Streams (not built in)",
    .unavailable = redis_missing,
};

#endif
