/*
 * work_sqlite.c -- SQLite as a queue table, the way an application that
 * already has SQLite would keep an event log: one database file in WAL
 * mode, a table log(topic, partition, offset, key, value) keyed by
 * (topic, partition, offset) WITHOUT ROWID, prepared statements.
 *
 * Producing: batch records per transaction (BEGIN ... COMMIT), offsets
 * numbered by the application; sync none is synchronous=NORMAL (in WAL
 * mode: no fsync at commit, durable across a crash of the process, like
 * RILL_SYNC_NONE), sync always is synchronous=FULL (the WAL is synced at
 * every commit, like RILL_SYNC_ALWAYS). The WAL checkpoints itself at
 * its default of 1000 pages.
 * Consuming: SELECT offset, value ... WHERE topic = ? AND partition = ?
 * AND offset > ? ORDER BY offset LIMIT n, from the last offset seen, n
 * being max_poll_records.
 *
 * Compiled only with HAVE_SQLITE (the Makefile sets it when sqlite3.h is
 * there); otherwise the system says it was built without SQLite.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef HAVE_SQLITE
#include <sqlite3.h>

#define TOPIC "bench"

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS log (topic TEXT NOT NULL, "
    "\"partition\" INTEGER NOT NULL, \"offset\" INTEGER NOT NULL, "
    "key BLOB, value BLOB, PRIMARY KEY (topic, \"partition\", \"offset\")) "
    "WITHOUT ROWID";

static int fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "rill-bench: sqlite: %s: %s\n", what,
            db ? sqlite3_errmsg(db) : "out of memory");
    return -1;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "rill-bench: sqlite: %s: %s\n", sql,
                err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* Opens dir/queue.db in WAL mode with the sync mode's synchronous. */
static int db_open(sqlite3 **db, const char *dir, int sync)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/queue.db", dir);
    if (sqlite3_open(path, db) != SQLITE_OK) {
        int rc = fail(*db, "opening the database");
        sqlite3_close(*db);
        return rc;
    }
    if (exec(*db, "PRAGMA journal_mode=WAL") ||
        exec(*db, sync == BENCH_SYNC_ALWAYS ? "PRAGMA synchronous=FULL"
                                            : "PRAGMA synchronous=NORMAL") ||
        exec(*db, schema)) {
        sqlite3_close(*db);
        return -1;
    }
    return 0;
}

/* Inserts records first .. first+k-1 in one transaction. */
static int insert(sqlite3 *db, sqlite3_stmt *ins, uint64_t first, size_t k,
                  size_t vsize)
{
    if (exec(db, "BEGIN"))
        return -1;
    for (size_t j = 0; j < k; j++) {
        sqlite3_bind_int64(ins, 3, (sqlite3_int64)(first + j));
        sqlite3_bind_blob(ins, 5, bench_value(first + j, vsize), (int)vsize,
                          SQLITE_STATIC);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE) {
            fail(db, "INSERT");
            exec(db, "ROLLBACK");
            return -1;
        }
    }
    return exec(db, "COMMIT");
}

static int prepare_insert(sqlite3 *db, sqlite3_stmt **ins)
{
    if (sqlite3_prepare_v2(db, "INSERT INTO log VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, ins, NULL) != SQLITE_OK)
        return fail(db, "preparing the INSERT");
    sqlite3_bind_text(*ins, 1, TOPIC, -1, SQLITE_STATIC);
    sqlite3_bind_int(*ins, 2, 0);
    sqlite3_bind_null(*ins, 4);
    return 0;
}

static int count_rows(sqlite3 *db, uint64_t want)
{
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM log", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(db, "preparing count(*)");
    if (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 n = sqlite3_column_int64(st, 0);
        rc = (uint64_t)n == want ? 0 : -1;
        if (rc)
            fprintf(stderr, "rill-bench: sqlite: %lld rows, %llu written\n",
                    (long long)n, (unsigned long long)want);
    } else {
        fail(db, "count(*)");
    }
    sqlite3_finalize(st);
    return rc;
}

static int sqlite_produce(const produce_params *p, const char *dir,
                          run_result *res)
{
    sqlite3 *db;
    sqlite3_stmt *ins;
    lat_buf lat;
    if (lat_init(&lat, (size_t)(p->max_records / p->batch + 1)))
        return -1;
    if (db_open(&db, dir, p->sync)) {
        lat_free(&lat);
        return -1;
    }
    int rc = prepare_insert(db, &ins);
    uint64_t n = 0, t0 = now_ns(), prev = t0;
    uint64_t cap_ns = (uint64_t)(p->time_cap * 1e9);
    while (!rc && n < p->max_records) {
        size_t k = p->batch;
        if (k > p->max_records - n)
            k = (size_t)(p->max_records - n);
        rc = insert(db, ins, n, k, p->value_size);
        uint64_t t = now_ns();
        if (lat.n < lat.cap)
            lat.ns[lat.n++] = t - prev;
        prev = t;
        n += k;
        if (t - t0 >= cap_ns)
            break;
    }
    sqlite3_finalize(ins);
    if (!rc)
        rc = count_rows(db, n);
    sqlite3_close(db);
    res->records = n;
    res->seconds = (double)(prev - t0) / 1e9;
    lat_percentiles(&lat, &res->p50_us, &res->p99_us);
    lat_free(&lat);
    return rc;
}

static int sqlite_consume_prepare(const consume_params *p, const char *dir)
{
    sqlite3 *db;
    sqlite3_stmt *ins;
    if (db_open(&db, dir, BENCH_SYNC_NONE))
        return -1;
    int rc = prepare_insert(db, &ins);
    for (uint64_t n = 0; !rc && n < p->records; n += 1000) {
        size_t k = p->records - n < 1000 ? (size_t)(p->records - n) : 1000;
        rc = insert(db, ins, n, k, p->value_size);
    }
    sqlite3_finalize(ins);
    if (!rc)
        rc = exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    return rc;
}

/* One SELECT of up to limit records after offset *last. Returns the rows
 * read, or -1. */
static int64_t scan(sqlite3 *db, sqlite3_stmt *sel, int64_t *last,
                    size_t vsize, uint64_t *sum)
{
    int64_t got = 0;
    int rc;
    sqlite3_bind_int64(sel, 3, *last);
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const uint8_t *v = sqlite3_column_blob(sel, 1);
        if (!v || (size_t)sqlite3_column_bytes(sel, 1) != vsize) {
            fprintf(stderr, "rill-bench: sqlite: a bad value\n");
            sqlite3_reset(sel);
            return -1;
        }
        *sum += v[0];
        *last = sqlite3_column_int64(sel, 0);
        got++;
    }
    sqlite3_reset(sel);
    if (rc != SQLITE_DONE)
        return fail(db, "SELECT");
    return got;
}

static int sqlite_consume(const consume_params *p, const char *dir,
                          run_result *res, uint64_t *sum)
{
    sqlite3 *db;
    sqlite3_stmt *sel;
    uint64_t t0 = now_ns(), n = 0, s = 0;
    if (db_open(&db, dir, BENCH_SYNC_NONE))
        return -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT \"offset\", value FROM log WHERE topic = "
                           "?1 AND \"partition\" = ?2 AND \"offset\" > ?3 "
                           "ORDER BY \"offset\" LIMIT ?4",
                           -1, &sel, NULL) != SQLITE_OK) {
        int rc = fail(db, "preparing the SELECT");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_bind_text(sel, 1, TOPIC, -1, SQLITE_STATIC);
    sqlite3_bind_int(sel, 2, 0);
    sqlite3_bind_int64(sel, 4, (sqlite3_int64)p->poll_records);
    int64_t last = -1, got;
    uint64_t deadline = consume_deadline(p, t0);
    while ((got = scan(db, sel, &last, p->value_size, &s)) > 0) {
        n += (uint64_t)got;
        if (now_ns() >= deadline)
            break;
    }
    sqlite3_finalize(sel);
    sqlite3_close(db);
    uint64_t t1 = now_ns();
    res->records = n;
    res->seconds = (double)(t1 - t0) / 1e9;
    *sum = s;
    return got < 0 ? -1 : 0;
}

static void sqlite_version(char *buf, size_t cap)
{
    snprintf(buf, cap, "SQLite %s", sqlite3_libversion());
}

const bench_system bench_system_sqlite = {
    .name = "sqlite",
    .about = "SQLite in WAL mode: a queue table (topic, partition, offset, "
             "key, value), batch rows per transaction",
    .setting = {"WAL, synchronous=NORMAL", "WAL, synchronous=FULL"},
    .setting_read = "SELECT ... LIMIT n per poll",
    .version = sqlite_version,
    .produce = sqlite_produce,
    .consume_prepare = sqlite_consume_prepare,
    .consume = sqlite_consume,
};

#else /* !HAVE_SQLITE */

static const char *sqlite_missing(void)
{
    return "built without SQLite (sqlite3.h was not found: install "
           "libsqlite3-dev and rebuild)";
}

const bench_system bench_system_sqlite = {
    .name = "sqlite",
    .about = "SQLite in WAL mode (not built in)",
    .unavailable = sqlite_missing,
};

#endif
