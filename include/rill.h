/*
 * rill.h -- an embedded event log: Kafka's topics, partitions, offsets and
 * consumer groups as a library over LMDB.
 *
 * This header is the whole manual. Every function documents what it does,
 * the errors it returns, who owns what, and its thread safety in one word:
 *
 *   safe          any thread, concurrently with other calls on the handle
 *   handle        calls on one handle must be serialized by the caller
 *   thread-local  the result belongs to the calling thread
 *   init          call before the handle is shared between threads
 *
 * Conventions (libgit2, LMDB): out-parameters come first, then the handle,
 * then inputs, then a callback and its opaque pointer. Two kinds of
 * out-parameter are written down as exceptions and come after the inputs
 * they answer: optional per-message results (rill_produce's positions, one
 * per message given) and the results of a read that also takes a timeout
 * (rill_poll's records). Functions that can fail return 0 or a negative
 * RILL_E* code, and set a detailed message for the calling thread
 * (rill_errmsg). A failed call changes nothing unless its comment says
 * otherwise. Objects end in one of two ways, and accept NULL there:
 * *_destroy and *_free return void (nothing to report), *_close does final
 * work that can fail (a last commit, a flush, leaving a group), returns its
 * error, and frees the object whatever the outcome.
 *
 * The ABI: each options struct begins with struct_size, which its _init
 * sets to the size the program was compiled with. The library reads only
 * that many bytes and takes the defaults for fields added since, so a
 * program built against an older rill.h of the same major version keeps
 * working; a struct_size of 0 (not initialised) is RILL_EINVAL. Reports
 * (describe, stats, verify, maintain) are allocated by the library and
 * freed with their _free, so fields can be added to them. The small views
 * handed out in arrays (rill_record, rill_header, rill_position,
 * rill_topic_partition, rill_partition_info, rill_group_member_info,
 * rill_group_partition_info) and rill_message are fixed within a major
 * version: new facts come through new calls. The retry and dead-letter
 * layer, built on this API alone, has its own header, rill_retry.h.
 *
 * Fork: a handle belongs to the process that opened it. After fork() the
 * child must open the directory itself; every call on an inherited handle
 * returns RILL_EFORKED (and rill_close of it does nothing).
 */
#ifndef RILL_H
#define RILL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RILL_VERSION_MAJOR 1
#define RILL_VERSION_MINOR 0
#define RILL_VERSION_PATCH 0
#define RILL_VERSION_STRING "1.0.0"

/* The library's version, "MAJOR.MINOR.PATCH". Thread safety: safe. */
const char *rill_version(void);

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

/* Error codes are fixed and never renumbered. */
#define RILL_ERRNO_MAP(X)                                                      \
    X(EINVAL, -1, "invalid argument")                                          \
    X(ENOTFOUND, -2, "not found")                                              \
    X(EEXIST, -3, "already exists")                                            \
    X(ETOOBIG, -4, "record too large")                                         \
    X(EFULL, -5, "log full")                                                   \
    X(ECORRUPT, -6, "data corrupted")                                          \
    X(EFENCED, -7, "fenced: partition no longer owned")                       \
    X(EOFFSET, -8, "offset out of range")                                      \
    X(ETIMEDOUT, -9, "timed out")                                              \
    X(EQUEUEFULL, -10, "queue full")                                           \
    X(EBUSY, -11, "busy")                                                      \
    X(EVERSION, -12, "unsupported format version")                             \
    X(EPERM, -13, "permission denied")                                         \
    X(ECLOSED, -14, "handle closed")                                           \
    X(EIO, -15, "I/O error")                                                   \
    X(ENOMEM, -16, "out of memory")                                            \
    X(EFORKED, -17, "handle used in a child after fork")                       \
    X(EUNKNOWN, -18, "outcome unknown")                                        \
    X(ESTATE, -19, "operation not valid in this state")                        \
    X(ESEQUENCE, -20, "sequence number out of order")                      \
    X(EPROTOCOL, -21, "inconsistent group protocol")

enum rill_error {
#define RILL_ERR_ENUM_(name, value, text) RILL_##name = (value),
    RILL_ERRNO_MAP(RILL_ERR_ENUM_)
#undef RILL_ERR_ENUM_
    RILL_OK = 0
};

/* The short fixed text of an error code ("topic not found" style); an
 * unknown code gives "unknown error". Never NULL. Thread safety: safe. */
const char *rill_strerror(int err);

/* The detailed message of this thread's most recent failed call, such as
 * "topic 'orders' has 3 partitions; partition 7 requested". Valid until the
 * thread's next rill call. Never NULL ("" before any failure).
 * Thread safety: thread-local. */
const char *rill_errmsg(void);

/* ------------------------------------------------------------------------
 * Special values
 * ------------------------------------------------------------------------ */

#define RILL_PARTITION_ANY (-1)
#define RILL_OFFSET_END (-1)       /* the next offset to be written */
#define RILL_OFFSET_BEGINNING (-2) /* the first offset still in the log */
#define RILL_OFFSET_STORED (-1000) /* the group's committed offset, else the
                                      consumer's auto_offset_reset */
#define RILL_OFFSET_INVALID (-1001) /* no committed offset */

/* A partition of a topic, with an offset where one is meant (like
 * librdkafka's rd_kafka_topic_partition_t); offset is ignored elsewhere. */
typedef struct rill_topic_partition {
    const char *topic;
    int32_t partition;
    int64_t offset;
} rill_topic_partition;

/* ------------------------------------------------------------------------
 * Opening a directory
 * ------------------------------------------------------------------------ */

typedef struct rill rill;                   /* an open directory; safe */
typedef struct rill_consumer rill_consumer; /* one thread at a time */

enum rill_sync_mode {
    /* fsync at every commit: an acknowledged record survives power loss. */
    RILL_SYNC_ALWAYS = 0,
    /* fsync at most every sync_interval_ms: a crash of the process loses
     * nothing acknowledged; power loss loses at most the last interval. */
    RILL_SYNC_INTERVAL = 1,
    /* never fsync (the OS writes back when it likes): a crash of the
     * process loses nothing acknowledged, power loss may lose anything not
     * yet written back and the OS does not promise an order. */
    RILL_SYNC_NONE = 2
};

enum rill_log_level { RILL_LOG_ERROR = 0, RILL_LOG_WARN = 1, RILL_LOG_INFO = 2 };

/* Receives the library's rare diagnostics (a warning about the LMDB
 * version, stale readers cleared, the map grown). Called on whichever
 * thread noticed; must not call back into rill. */
typedef void (*rill_log_cb)(void *opaque, int level, const char *message);

/* Returns the current time in milliseconds since the Unix epoch. rill uses
 * it for record timestamps of 0, retention and session timeouts; tests
 * inject a clock to run time-dependent logic in milliseconds. */
typedef int64_t (*rill_clock_cb)(void *opaque);

typedef struct rill_options {
    size_t struct_size; /* set by rill_options_init: sizeof as compiled */
    int sync;                  /* enum rill_sync_mode; default ALWAYS */
    unsigned sync_interval_ms; /* for RILL_SYNC_INTERVAL; default 1000 */
    size_t map_size_initial;   /* 0 = 1 GiB (virtual; the file grows as used) */
    size_t map_size_max;       /* 0 = 64 GiB; the map grows up to this */
    unsigned file_mode;        /* default 0600; 0660 to share with a group */
    int read_only;             /* open an existing directory without writing */
    rill_log_cb log;           /* NULL = no diagnostics */
    void *log_opaque;
    rill_clock_cb clock; /* NULL = the system's real-time clock */
    void *clock_opaque;
    unsigned maintain_interval_ms; /* > 0: a thread of this handle runs
                                      rill_maintain at this interval */
    unsigned max_readers; /* LMDB reader slots shared by every process of
                             the directory: 0 = 1022; the first opener
                             decides */
    int allow_nonempty; /* create the log in a directory that holds other
                           files; by default only an empty directory (or
                           one that is rill's already) is used */
} rill_options;

/* Fills *o with the defaults above. Thread safety: safe. */
void rill_options_init(rill_options *o);

/* The time now, in ms since the epoch, by r's clock (rill_options.clock,
 * else the system's): the clock rill stamps records and runs retention
 * and timeouts by. r may be NULL for the system's. Thread safety: safe. */
int64_t rill_now_ms(rill *r);

/* Opens the rill directory dir, creating it (and the log inside it) when
 * missing unless o->read_only. o may be NULL for the defaults; the library
 * keeps no pointer to it.
 *
 * A directory holds data.mdb and lock.mdb (LMDB) and the small side file
 * "notify"; files are created with o->file_mode exactly (the umask does not
 * apply). Every process that shares a directory must see the same local
 * file system and the same PID namespace; network file systems are refused.
 *
 * Opening a directory this process has open already (by any path, symlink
 * or bind mount of the same file) returns the same handle with a reference
 * added: each rill_open needs its rill_close. Its options must then match
 * (sync, read_only), or the call fails with RILL_EBUSY.
 *
 * A directory (or data file) that every user may write to is refused
 * (RILL_EPERM): the file system is rill's access control. One owned by
 * another user opens, with a warning through the log callback.
 *
 * Opening reads; it writes (and so waits for the write lock) only to
 * create the log or upgrade an older format, so it never waits for
 * another process's transaction in an existing directory.
 *
 * Errors: RILL_EINVAL (NULL out or dir, bad option, network file system),
 * RILL_ENOTFOUND (read_only and no rill directory there), RILL_EEXIST (a
 * directory that holds other files and no log, unless allow_nonempty),
 * RILL_EVERSION (written by a newer rill, or not a rill directory;
 * opening a format 1 directory for writing upgrades it to format 2, which
 * older rills refuse), RILL_EPERM (cannot
 * create or open the files), RILL_EBUSY (open here with other options),
 * RILL_EIO, RILL_ENOMEM. On failure *out is NULL.
 * Thread safety: safe. */
int rill_open(rill **out, const char *dir, const rill_options *o);

/* Drops a reference; the last closes the directory and every consumer
 * still open on it. Accepts NULL. In a child after fork it does nothing:
 * the inherited handle's state belongs to the parent and goes when the
 * child exits or execs. Thread safety: handle (no other call may be
 * running on r, and none may start). */
void rill_close(rill *r);

/* ------------------------------------------------------------------------
 * Topics
 * ------------------------------------------------------------------------ */

enum rill_cleanup_policy {
    RILL_CLEANUP_DELETE = 1,  /* old batches leave by time and size */
    RILL_CLEANUP_COMPACT = 2, /* keep the latest record per key */
    RILL_CLEANUP_COMPACT_DELETE = 3
};

enum rill_compression { RILL_COMPRESSION_NONE = 0, RILL_COMPRESSION_ZSTD = 1 };

enum rill_partitioner {
    /* Java Kafka clients' default: murmur2(key) & 0x7fffffff % partitions */
    RILL_PARTITIONER_MURMUR2 = 0,
    /* librdkafka's "consistent": crc32(key) % partitions */
    RILL_PARTITIONER_CRC32 = 1
};

#define RILL_TOPIC_NAME_MAX 249
#define RILL_PARTITIONS_MAX 65536
#define RILL_RECORD_BYTES_MAX (64u * 1024 * 1024)

#define RILL_RETAIN_GROUPS_MAX 1023

/* Retention (cleanup_policy DELETE): whole batches leave from a
 * partition's head once their newest record is older than retention_ms
 * (by record timestamp, as in Kafka) or while the partition without them
 * still holds retention_bytes; the first offset moves up, and consumers
 * below it follow their auto_offset_reset. Offsets are never reused.
 * Compaction (COMPACT): older records of a key are removed once a later
 * one exists; offsets stay (batches become sparse); a tombstone (NULL
 * value) itself goes after delete_retention_ms. Records need a key.
 * With retain_groups, retention waits for those groups to commit past a
 * batch, unless the partition would exceed retain_groups_max_bytes: then
 * the records go anyway and each group's describe counts them as lost.
 * Retention runs inside writes to the partition (amortised, a bounded
 * amount each time), in rill_maintain, and in the maintenance thread of
 * rill_options.maintain_interval_ms; compaction in the latter two. */
/* A zeroed field means its default, except partitions, which must be
 * 1..RILL_PARTITIONS_MAX (0 is refused, as in Kafka): a retention of 0 is
 * "forever", not "nothing"; ask for 1 to keep as little as possible. */
typedef struct rill_topic_config {
    size_t struct_size; /* set by rill_topic_config_init */
    int32_t partitions;         /* default 1; 1..RILL_PARTITIONS_MAX */
    int64_t retention_ms;       /* -1 = keep forever (default) */
    int64_t retention_bytes;    /* per partition, -1 = unlimited (default) */
    int cleanup_policy;         /* enum rill_cleanup_policy; default DELETE */
    int64_t delete_retention_ms; /* tombstones of compacted topics; default
                                    86400000 (a day), as in Kafka */
    const char *retain_groups;  /* NULL, or comma-separated group names
                                   (at most RILL_RETAIN_GROUPS_MAX bytes) */
    int64_t retain_groups_max_bytes; /* the hard cap per partition; required
                                        with retain_groups */
    int compression;            /* enum rill_compression; default NONE */
    int compression_level;      /* zstd level; 0 = zstd's default (3) */
    uint32_t max_record_bytes;  /* key + value + headers; default 1 MiB,
                                   at most RILL_RECORD_BYTES_MAX */
    int partitioner;            /* enum rill_partitioner; default MURMUR2 */
} rill_topic_config;

/* Fills *c with the defaults above. Thread safety: safe. */
void rill_topic_config_init(rill_topic_config *c);

/* Creates a topic. Names follow Kafka's rule: 1..249 characters of
 * [A-Za-z0-9._-], neither "." nor "..", and no two topics may differ only
 * in '.' against '_' (Kafka refuses "a_b" beside "a.b": their metric
 * names collide). c may be NULL for the defaults.
 * Errors: RILL_EINVAL (bad name or config), RILL_EEXIST (the topic, or
 * one whose name collides, exists), RILL_EPERM (read-only), RILL_EFULL.
 * Thread safety: safe. */
int rill_topic_create(rill *r, const char *topic, const rill_topic_config *c);

/* Changes a topic's configuration; c replaces it entirely (start from
 * rill_topic_describe's config to change one field). Partitions may only
 * grow; new
 * partitions start empty at offset 0 and no record moves (keyed records
 * produced afterwards may map to other partitions, as in Kafka).
 * Errors: RILL_EINVAL (bad config, fewer partitions), RILL_ENOTFOUND,
 * RILL_EPERM, RILL_EFULL. Thread safety: safe. */
int rill_topic_alter(rill *r, const char *topic, const rill_topic_config *c);

/* Deletes a topic with its records and every group's committed offsets
 * for it. Consumers assigned to it see RILL_ENOTFOUND from rill_poll.
 * Errors: RILL_EINVAL, RILL_ENOTFOUND, RILL_EPERM. Thread safety: safe. */
int rill_topic_delete(rill *r, const char *topic);

/* Lists the topic names in byte order. *names is an array of *count
 * NUL-terminated strings, owned by the caller: free it with
 * rill_names_free. Errors: RILL_EINVAL, RILL_ENOMEM. Thread safety: safe. */
int rill_topic_list(char ***names, size_t *count, rill *r);

/* Frees what rill_topic_list (or another *_list) returned. Accepts NULL.
 * Thread safety: safe. */
void rill_names_free(char **names, size_t count);

typedef struct rill_partition_info {
    int32_t partition;
    int64_t first_offset; /* the first offset still in the log */
    int64_t next_offset;  /* the offset the next record will get */
    int64_t records;      /* records present (next - first unless compacted) */
    int64_t bytes;        /* stored bytes of its batches */
    int64_t batches;
} rill_partition_info;

typedef struct rill_topic_info {
    char name[RILL_TOPIC_NAME_MAX + 1];
    rill_topic_config config; /* config.retain_groups points below */
    char retain_groups[RILL_RETAIN_GROUPS_MAX + 1];
    int64_t created_ms;
    size_t partition_count;
    rill_partition_info *partitions; /* partition_count entries */
    int64_t bytes; /* all partitions' stored bytes */
    /* The directory's file, for context (see rill_stats). */
    size_t file_bytes, page_size, pages_used, pages_free;
} rill_topic_info;

/* Describes a topic: its configuration and, per partition, first and next
 * offset, records and bytes. The caller frees *out with
 * rill_topic_info_free. Errors: RILL_EINVAL, RILL_ENOTFOUND, RILL_ENOMEM,
 * RILL_ECORRUPT. Thread safety: safe. */
int rill_topic_describe(rill_topic_info **out, rill *r, const char *topic);

/* Frees a rill_topic_info. Accepts NULL. Thread safety: safe. */
void rill_topic_info_free(rill_topic_info *info);

/* ------------------------------------------------------------------------
 * Producing
 * ------------------------------------------------------------------------ */

typedef struct rill_header {
    const char *key;   /* NUL-terminated, at most 255 bytes */
    const void *value; /* NULL = a null value (value_len 0), kept distinct
                          from an empty one, as in Kafka */
    size_t value_len;
} rill_header;

typedef struct rill_message {
    const char *topic;
    int32_t partition; /* RILL_PARTITION_ANY: the topic's partitioner on the
                          key; without a key, sticky spreading like Kafka */
    const void *key;   /* NULL = no key; (non-NULL, 0) = an empty key */
    size_t key_len;
    const void *value; /* NULL = tombstone; (non-NULL, 0) = empty value */
    size_t value_len;
    const rill_header *headers;
    size_t header_count;
    int64_t timestamp_ms; /* ms since the epoch; RILL_TIMESTAMP_NOW (0)
                             = the time of the write, RILL_TIMESTAMP_ZERO
                             = exactly 0 */
} rill_message;

/* Record timestamps. As in librdkafka (and unlike Kafka's Java client,
 * where "now" is a null timestamp), 0 asks for the time of the write, so a
 * zero-initialised message is stamped now rather than with 1970, which
 * time-based retention would remove at once; a record that must carry
 * exactly 0 (copied from Kafka, say) asks for RILL_TIMESTAMP_ZERO. Other
 * negative timestamps are refused. */
#define RILL_TIMESTAMP_NOW 0
#define RILL_TIMESTAMP_ZERO (-2)

typedef struct rill_position {
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;
} rill_position;

/* Appends one record and returns once it is committed per the sync mode.
 * out (may be NULL) receives its partition, offset and timestamp.
 * Errors: RILL_EINVAL (bad message), RILL_ENOTFOUND (topic or partition),
 * RILL_ETOOBIG (over the topic's max_record_bytes), RILL_EFULL (the map
 * reached map_size_max or the disk is full: nothing was written),
 * RILL_EPERM (read-only), RILL_EUNKNOWN (the commit failed in a way that
 * leaves its outcome unknown; the handle must be reopened).
 * Thread safety: safe; concurrent calls share commits (and fsyncs). */
int rill_produce(rill *r, const rill_message *m, rill_position *out);

/* Appends n records atomically: all are committed or none. Records of one
 * partition keep their order. out (may be NULL) has n entries.
 * Errors: as rill_produce; the message is named by index.
 * Thread safety: safe. */
int rill_produce_batch(rill *r, const rill_message *m, size_t n,
                       rill_position *out);

/* Appends n records atomically, idempotently: a service that may resend
 * after a crash (committed, but not yet recorded as sent) names itself
 * with producer_id (1..249 bytes, stable across restarts) and numbers its
 * calls with increasing sequence numbers (gaps allowed). A call whose
 * sequence is above the producer's last is written; a resend of one of
 * its last 8 calls writes nothing and fills out with the positions the
 * original got. out (may be NULL) has n entries.
 * Errors: as rill_produce_batch, and RILL_ESEQUENCE (the sequence was
 * used longer ago than the last 8 calls, or by a call of another size).
 * Thread safety: safe, though one producer id should have one sender. */
int rill_produce_idempotent(rill *r, const char *producer_id,
                            uint64_t sequence, const rill_message *m,
                            size_t n, rill_position *out);

/* ------------------------------------------------------------------------
 * The asynchronous producer
 *
 * rill_producer_send copies the message and returns at once; a writer
 * thread the producer owns waits up to linger_ms to gather a batch, then
 * commits it in one transaction (one fsync for all). Each message's
 * outcome -- its position, or its own error -- is reported by its delivery
 * callback, run on the application's thread inside rill_producer_poll or
 * rill_producer_flush (as librdkafka does), in the order sent.
 * ------------------------------------------------------------------------ */

typedef struct rill_producer rill_producer;

/* err is 0 or the message's error (rill_errmsg() has the detail inside
 * the callback); pos is NULL on error. m and its bytes are the producer's
 * copy, valid during the call. The callback must not poll, flush or
 * destroy its own producer. */
typedef void (*rill_delivery_cb)(void *opaque, int err, const rill_message *m,
                                 const rill_position *pos);

typedef struct rill_producer_options {
    size_t struct_size; /* set by rill_producer_options_init */
    unsigned linger_ms;        /* default 5; at most 60000 */
    size_t batch_max_bytes;    /* a batch is written when this is queued;
                                  default 1 MiB */
    size_t queue_max_messages; /* sent but not yet delivered; beyond it
                                  send fails with RILL_EQUEUEFULL; default
                                  100000 */
} rill_producer_options;

/* Fills *o with the defaults above. Thread safety: safe. */
void rill_producer_options_init(rill_producer_options *o);

/* Creates a producer and starts its writer thread. o may be NULL.
 * Errors: RILL_EINVAL, RILL_EPERM (read-only), RILL_ENOMEM.
 * Thread safety: safe. */
int rill_producer_new(rill_producer **out, rill *r,
                      const rill_producer_options *o);

/* Queues a copy of m; cb (may be NULL) reports its outcome later.
 * Errors now: RILL_EINVAL (bad message), RILL_ETOOBIG (over the largest
 * record size), RILL_EQUEUEFULL (queue_max_messages outstanding: poll to
 * serve deliveries, then retry), RILL_ECLOSED. Errors known only when
 * written (an unknown topic, a record over the topic's limit, a full log)
 * come through the callback. Thread safety: safe. */
int rill_producer_send(rill_producer *p, const rill_message *m,
                       rill_delivery_cb cb, void *opaque);

/* Runs the delivery callbacks of messages written so far, waiting up to
 * timeout_ms (-1 forever) for at least one while any is outstanding.
 * Returns how many it served (>= 0), or RILL_EINVAL / RILL_ESTATE (called
 * from a delivery callback). Thread safety: safe (one thread serves at a
 * time). */
int rill_producer_poll(rill_producer *p, int timeout_ms);

/* Writes everything queued now (no lingering) and serves callbacks until
 * every message sent before the call was delivered, or timeout_ms (-1
 * forever) passed: then RILL_ETIMEDOUT. Thread safety: safe. */
int rill_producer_flush(rill_producer *p, int timeout_ms);

/* Messages sent and not yet delivered. Thread safety: safe. */
size_t rill_producer_outstanding(rill_producer *p);

/* Flushes (serving every callback), stops the writer and frees p, and
 * returns the flush's outcome: 0, or the error that kept it from writing
 * everything (RILL_EIO or RILL_EFORKED: the handle is dead; each message's
 * own error went to its callback). Called from p's own delivery callback
 * it does nothing and returns RILL_ESTATE. Accepts NULL. rill_close
 * closes producers still open. Thread safety: handle. */
int rill_producer_close(rill_producer *p);

/* The partition a keyed record would go to under the topic's partitioner
 * (murmur2 or crc32), as computed by rill_produce. *partition receives it.
 * Errors: RILL_EINVAL, RILL_ENOTFOUND. Thread safety: safe. */
int rill_partition_for_key(int32_t *partition, rill *r, const char *topic,
                           const void *key, size_t key_len);

/* Kafka's murmur2 of data (the Java client's Utils.murmur2), for callers
 * that want to check compatibility. Thread safety: safe. */
int32_t rill_murmur2(const void *data, size_t len);

/* ------------------------------------------------------------------------
 * Transactions
 *
 * Records for several topics, a consumer's positions and the application's
 * own keys and values, committed atomically: all become visible together,
 * to every process, or none does (rill_txn_abort, a failed commit, or a
 * crash before the commit leave no trace). This is the outbox pattern and
 * exactly-once consume-transform-produce without a broker.
 *
 * A transaction holds the directory's write lock from begin to commit or
 * abort: every writer, in every process, waits meanwhile. Keep it short and
 * never wait on anything inside one. It belongs to the thread that began
 * it; that thread cannot write to the directory in any other way until it
 * ends (RILL_ESTATE instead of waiting for itself).
 *
 * An aborted transaction leaves no trace, its offsets included: the next
 * records written to a partition get the offsets its rill_txn_produce
 * reported. (Kafka burns an aborted transaction's offsets and writes an
 * abort marker there; rill has nothing to mark, so offsets stay dense and
 * a consumer never meets a gap. A position reported inside a transaction
 * means something only once it committed.)
 *
 * A call that fails on its input (RILL_EINVAL, RILL_ENOTFOUND,
 * RILL_ETOOBIG) writes nothing and the transaction goes on. Any other
 * failure dooms it: later calls return that error and rill_txn_commit
 * aborts. RILL_EFULL inside a transaction means the map filled: abort,
 * and a retry can succeed, as the map grows once the transaction ended.
 * ------------------------------------------------------------------------ */

typedef struct rill_txn rill_txn;

/* Begins a transaction (waiting for the write lock). Errors: RILL_EINVAL,
 * RILL_EPERM (read-only), RILL_ESTATE (this thread has one open already).
 * Thread safety: safe; the transaction then belongs to this thread, and
 * every rill_txn_* call on it below is "handle", on that thread only. */
int rill_txn_begin(rill_txn **out, rill *r);

/* Appends a record within the transaction; out (may be NULL) gets the
 * position it will have if the transaction commits. Errors: as
 * rill_produce. Thread safety: handle (the thread that began t). */
int rill_txn_produce(rill_txn *t, const rill_message *m, rill_position *out);

/* Commits, within the transaction, the positions of the consumer c (the
 * offsets after the records its last rill_poll returned), fenced as
 * rill_commit is: if c no longer owns a partition the transaction is
 * doomed with RILL_EFENCED and nothing of it is written. c must have a
 * group_id and belong to the same directory. Errors: RILL_EINVAL,
 * RILL_ENOTFOUND (a topic was deleted; the transaction goes on),
 * RILL_EFENCED. Thread safety: handle (the thread that began t; c must
 * not be used by another thread meanwhile). */
int rill_txn_commit_consumer(rill_txn *t, rill_consumer *c);

/* Commits, within the transaction, explicit offsets (the next offset to
 * read) for c's group, fenced as rill_commit_offsets is: a subscribed
 * member may commit only partitions it owns (else the transaction is
 * doomed with RILL_EFENCED). For moving one failed record to a retry
 * topic and committing past it atomically. Errors: RILL_EINVAL,
 * RILL_ENOTFOUND (no such topic or partition: nothing written, the
 * transaction goes on), RILL_EFENCED. Thread safety: handle (as
 * rill_txn_commit_consumer). */
int rill_txn_commit_offsets(rill_txn *t, rill_consumer *c,
                            const rill_topic_partition *tps, size_t n);

/* The application's table: keys of 1 byte up to LMDB's maximum key size
 * (511 bytes), values up to RILL_RECORD_BYTES_MAX. get's *v points into
 * the database and stays valid until the next call on t.
 * Errors: RILL_EINVAL, RILL_ENOTFOUND (get, del), RILL_ETOOBIG.
 * Thread safety: handle (the thread that began t). */
int rill_txn_put(rill_txn *t, const void *k, size_t kl, const void *v,
                 size_t vl);
int rill_txn_get(rill_txn *t, const void *k, size_t kl, const void **v,
                 size_t *vl);
int rill_txn_del(rill_txn *t, const void *k, size_t kl);

/* Commits and frees t, whatever the outcome. Durable per the sync mode
 * when it returns 0. Errors: the error that doomed t, RILL_EFULL,
 * RILL_EUNKNOWN (see rill_produce); on error nothing was committed.
 * Thread safety: handle (the thread that began t). */
int rill_txn_commit(rill_txn *t);

/* Discards everything t did and frees it. Accepts NULL.
 * Thread safety: handle (the thread that began t). */
void rill_txn_abort(rill_txn *t);

/* Reads a value of the application's table outside a transaction, as
 * last committed. *v is a copy the caller frees with free().
 * Errors: RILL_EINVAL, RILL_ENOTFOUND, RILL_ENOMEM. Thread safety: safe. */
int rill_app_get(void **v, size_t *vl, rill *r, const void *k, size_t kl);

/* ------------------------------------------------------------------------
 * Consuming
 * ------------------------------------------------------------------------ */

typedef struct rill_record {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;
    const void *key; /* NULL = no key */
    size_t key_len;
    const void *value; /* NULL = tombstone */
    size_t value_len;
    const rill_header *headers;
    size_t header_count;
} rill_record;

/* The value of rec's last header named key (as Kafka's lastHeader), in
 * *value and *len, pointing into the record. Errors: RILL_EINVAL,
 * RILL_ENOTFOUND. Thread safety: safe. */
int rill_record_header(const void **value, size_t *len, const rill_record *rec,
                       const char *key);

enum rill_offset_reset {
    RILL_RESET_EARLIEST = 0, /* start at the first offset in the log */
    RILL_RESET_LATEST = 1,   /* start at the end: only new records */
    RILL_RESET_ERROR = 2     /* rill_poll fails with RILL_EOFFSET */
};

/* What a rebalance callback reports. REVOKED: partitions about to move
 * away (commit them now if you like); ASSIGNED: partitions just gained;
 * LOST: partitions taken while this member was out of the group (it
 * stopped polling past its session timeout): another member may already
 * process them and commits for them are refused with RILL_EFENCED. */
enum rill_rebalance_kind {
    RILL_REBALANCE_REVOKED = 0,
    RILL_REBALANCE_ASSIGNED = 1,
    RILL_REBALANCE_LOST = 2
};

enum rill_assignor {
    RILL_ASSIGN_RANGE = 0, /* Kafka's default */
    RILL_ASSIGN_ROUND_ROBIN = 1,
    RILL_ASSIGN_STICKY = 2
};

typedef void (*rill_rebalance_cb)(void *opaque, rill_consumer *c, int kind,
                                  const rill_topic_partition *tps, size_t n);

typedef struct rill_consumer_options {
    size_t struct_size; /* set by rill_consumer_options_init */
    const char *group_id;  /* NULL: manual assignment only */
    const char *client_id; /* shown in group describe; NULL = "rill" */
    int auto_offset_reset; /* enum rill_offset_reset; default EARLIEST */
    int enable_auto_commit;           /* default 1, like Kafka */
    unsigned auto_commit_interval_ms; /* default 5000 */
    unsigned session_timeout_ms;      /* default 45000; see below */
    int assignor;                     /* enum rill_assignor; default RANGE */
    unsigned max_poll_records;        /* default 500 */
    rill_rebalance_cb on_rebalance;
    void *opaque;
    unsigned max_poll_interval_ms; /* default 300000: a live member that
                                      does not call rill_poll for this long
                                      leaves the group */
} rill_consumer_options;

/* Fills *o with the defaults above. Thread safety: safe. */
void rill_consumer_options_init(rill_consumer_options *o);

/* Creates a consumer on r. o may be NULL for the defaults; strings in it
 * are copied. The consumer must be closed before r.
 * Errors: RILL_EINVAL, RILL_ENOMEM. Thread safety: safe (on r). */
int rill_consumer_new(rill_consumer **out, rill *r,
                      const rill_consumer_options *o);

/* Assigns partitions by hand, replacing any previous assignment. Each
 * tps[i].offset says where to start: an offset, RILL_OFFSET_BEGINNING,
 * RILL_OFFSET_END, or RILL_OFFSET_STORED (the group's committed offset if
 * the consumer has a group_id and one exists, else auto_offset_reset).
 * n = 0 clears the assignment. Errors: RILL_EINVAL (bad or duplicate
 * entry, or the consumer is subscribed), RILL_ENOTFOUND (topic or
 * partition); on error the old assignment stays. Thread safety: handle. */
int rill_assign(rill_consumer *c, const rill_topic_partition *tps, size_t n);

/* Fetches up to max_poll_records records from the assigned partitions
 * that are not paused, waiting up to timeout_ms (-1 = forever, 0 = do not
 * wait) when none is ready. Partitions take turns, so a busy one does not
 * starve the rest. *recs and *n receive the records (n may be 0 after the
 * timeout); they stay valid until the next rill_poll or rill_consumer_close
 * on this consumer. A position outside the log follows auto_offset_reset.
 * Errors: RILL_EINVAL, RILL_EOFFSET (position out of range and
 * auto_offset_reset is ERROR: the message names the partition; seek to
 * go on), RILL_ENOTFOUND (an assigned topic was deleted), RILL_ECORRUPT
 * (a stored batch fails its checks: the message names topic, partition
 * and offset), RILL_ECLOSED. Thread safety: handle. */
int rill_poll(rill_consumer *c, int timeout_ms, const rill_record **recs,
              size_t *n);

/* Sets the next offset to read from an assigned partition: an offset,
 * RILL_OFFSET_BEGINNING or RILL_OFFSET_END. The next rill_poll starts
 * there. Errors: RILL_EINVAL, RILL_ENOTFOUND (not assigned).
 * Thread safety: handle. */
int rill_seek(rill_consumer *c, const char *topic, int32_t partition,
              int64_t offset);

/* Seeks every assigned partition to the first record with a timestamp >=
 * timestamp_ms (the end if there is none). Errors: RILL_EINVAL,
 * RILL_ECORRUPT. Thread safety: handle. */
int rill_seek_to_time(rill_consumer *c, int64_t timestamp_ms);

/* Fills tps[i].offset with the consumer's position (the next offset
 * rill_poll returns) for each assigned partition named; a partition whose
 * position is not yet resolved gives RILL_OFFSET_STORED.
 * Errors: RILL_EINVAL, RILL_ENOTFOUND (not assigned). Thread safety: handle. */
int rill_position_get(rill_consumer *c, rill_topic_partition *tps, size_t n);

/* The current assignment with positions: *tps (n entries, topic strings
 * included) is owned by the caller; free it with rill_tps_free.
 * Errors: RILL_EINVAL, RILL_ENOMEM. Thread safety: handle. */
int rill_assignment(rill_topic_partition **tps, size_t *n, rill_consumer *c);

/* Frees what rill_assignment (or another call returning a partition list)
 * returned. Accepts NULL. Thread safety: safe. */
void rill_tps_free(rill_topic_partition *tps, size_t n);

/* Pauses or resumes fetching from assigned partitions; positions are kept.
 * Errors: RILL_EINVAL, RILL_ENOTFOUND (not assigned); on error nothing
 * changed. Thread safety: handle. */
int rill_pause(rill_consumer *c, const rill_topic_partition *tps, size_t n);
int rill_resume(rill_consumer *c, const rill_topic_partition *tps, size_t n);

/* Closes the consumer and frees it. Accepts NULL; always frees. Returns
 * the error of its final work (a final auto-commit in a group), else 0.
 * Thread safety: handle. */
int rill_consumer_close(rill_consumer *c);

/* ------------------------------------------------------------------------
 * Consumer groups
 *
 * Consumers with the same group_id share the partitions of the topics they
 * subscribe to, across threads and processes, with no coordinator: the
 * group's state lives in the directory and every member runs the same
 * deterministic rebalance inside a write transaction. A member that exits,
 * crashes or is killed is noticed by the others within a second (each
 * holds a lock on its own file in <dir>/members, which the kernel drops
 * the moment its process dies): that lock is the member's heartbeat, so
 * no session timeout is needed to notice a death. One that is alive but
 * does not call rill_poll for max_poll_interval_ms (default 300 s, as
 * Kafka's max.poll.interval.ms since KIP-62) is removed, so a slow handler
 * keeps its partitions until then. session_timeout_ms is kept for Kafka
 * compatibility and shown by describe; native members do not need it.
 *
 * The first live member decides the group's assignor; a consumer asking
 * for another gets RILL_EPROTOCOL from rill_subscribe (Kafka's
 * INCONSISTENT_GROUP_PROTOCOL).
 *
 * Partitions move in two steps, so that none ever has two owners: the old
 * owner's rill_poll reports them REVOKED (and auto-commits them), gives
 * them up, and only then does the new owner's rill_poll take them and
 * report them ASSIGNED. Delivery is at least once: records after a
 * member's last commit are delivered again to the next owner.
 * ------------------------------------------------------------------------ */

/* Joins the consumer's group (group_id is required) subscribed to topics,
 * replacing an earlier subscription; partitions arrive through rill_poll.
 * Topics that do not exist yet are assigned once created. Strings are
 * copied. Errors: RILL_EINVAL (no group_id, bad or no topic names, the
 * consumer was assigned partitions by hand), RILL_EPROTOCOL (the group's
 * live members use another assignor), RILL_EPERM (read-only),
 * RILL_EIO (cannot create the member's lock file). Thread safety: handle. */
int rill_subscribe(rill_consumer *c, const char *const *topics, size_t n);

/* Leaves the group (after a final auto-commit and the revoked callback);
 * the consumer keeps no partitions. Errors: RILL_EINVAL (not subscribed).
 * Thread safety: handle. */
int rill_unsubscribe(rill_consumer *c);

/* Commits the positions of every partition the consumer holds: the
 * offsets after the records the last rill_poll returned. Synchronous and
 * durable per the sync mode. Errors: RILL_EINVAL (no group_id),
 * RILL_ENOTFOUND (a topic was deleted), RILL_EFENCED (a partition is no
 * longer this member's: nothing was committed), RILL_EFULL.
 * Thread safety: handle. */
int rill_commit(rill_consumer *c);

/* Commits explicit offsets (the next offset to read, as in Kafka) for the
 * consumer's group. A subscribed member may commit only partitions it
 * owns; a consumer assigned by hand only partitions no member owns.
 * All or nothing. Errors: RILL_EINVAL, RILL_ENOTFOUND (no such topic or
 * partition, as Kafka's UNKNOWN_TOPIC_OR_PARTITION), RILL_EFENCED,
 * RILL_EFULL. Thread safety: handle. */
int rill_commit_offsets(rill_consumer *c, const rill_topic_partition *o,
                        size_t n);

/* Fills tps[i].offset with the group's committed offset for each entry,
 * or RILL_OFFSET_INVALID if it has none. Errors: RILL_EINVAL (no
 * group_id or bad entry). Thread safety: handle. */
int rill_committed(rill_consumer *c, rill_topic_partition *tps, size_t n);

/* The consumer's current member id in its group ("" before it joined). The
 * string lives until the next rill_poll or rill_consumer_close.
 * Thread safety: handle. */
const char *rill_consumer_member_id(rill_consumer *c);

typedef struct rill_group_member_info {
    char member_id[128];
    char client_id[250];
    int32_t pid;
    int alive;                 /* its lock is held */
    int64_t last_poll_ms;      /* its last rill_poll, 0 if unknown */
    uint32_t session_timeout_ms;
    uint32_t max_poll_interval_ms;
    size_t assigned_count;
    rill_topic_partition *assigned; /* the partitions it owns */
    char host[256]; /* this host's name for a rill member; the client's
                       address for a member of an external group */
} rill_group_member_info;

typedef struct rill_group_partition_info {
    const char *topic;
    int32_t partition;
    int64_t committed;    /* RILL_OFFSET_INVALID if none */
    int64_t first_offset; /* the log's first offset */
    int64_t end_offset;   /* the log's next offset */
    int64_t lag;          /* end - max(committed, first), or end - first */
    int64_t lost;         /* records retention removed before the group
                             committed them (topics with retain_groups) */
    const char *owner;    /* the owning member's id, or NULL */
} rill_group_partition_info;

typedef struct rill_group_info {
    char name[250];
    uint32_t generation;
    int assignor; /* a rill group's; see protocol for an external one */
    const char *state; /* "Stable", "Rebalancing" or "Empty", or what an
                          external group's coordinator reports; valid as
                          long as the info */
    size_t member_count;
    rill_group_member_info *members;
    size_t partition_count; /* subscribed partitions and committed ones */
    rill_group_partition_info *partitions; /* by topic, then partition */
    /* For a group run by another coordinator (see "Groups run by another
     * coordinator"): its protocol, as "consumer/range"; "" for a rill
     * group. */
    char protocol[128];
    char state_buf[128]; /* where state points for an external group */
} rill_group_info;

/* Describes a group as it is now: members (with liveness and what they
 * own) and, per partition, committed offset, end offset, lag and owner.
 * Liveness is each member's lock at the time of the call, so a member that
 * died is shown dead at once (alive 0, owning nothing, its partitions
 * without owner, the group "Empty" if no member lives, or "Rebalancing"
 * while live members have yet to take over), even before any member polls
 * and removes it from the record. The caller frees
 * *out with rill_group_info_free. Errors: RILL_EINVAL, RILL_ENOTFOUND (no
 * members and no offsets), RILL_ENOMEM. Thread safety: safe. */
int rill_group_describe(rill_group_info **out, rill *r, const char *group);
void rill_group_info_free(rill_group_info *g);

/* Fills tps[i].offset with group's committed offset for each entry, or
 * RILL_OFFSET_INVALID where it has none, in one read transaction, without
 * a consumer (as Kafka's OffsetFetch). Errors: RILL_EINVAL (bad group
 * name or entry); on error tps is unchanged. Thread safety: safe. */
int rill_group_committed(rill *r, const char *group, rill_topic_partition *tps,
                         size_t n);

/* Lists the groups with members or committed offsets, sorted. Free with
 * rill_names_free. Thread safety: safe. */
int rill_group_list(char ***names, size_t *count, rill *r);

enum rill_reset_to {
    RILL_RESET_TO_EARLIEST = 0, /* the first offset in the log */
    RILL_RESET_TO_LATEST = 1,   /* the end: skip everything */
    RILL_RESET_TO_TIME = 2,     /* value: a timestamp in ms */
    RILL_RESET_TO_OFFSET = 3    /* value: an offset, kept within the log */
};

/* Sets the group's committed offsets for every partition of topic (or,
 * with topic NULL, of every topic it has offsets for). Only when the group
 * has no live member. Errors: RILL_EINVAL, RILL_ENOTFOUND (topic),
 * RILL_EBUSY (a member is alive). Thread safety: safe. */
int rill_group_reset_offsets(rill *r, const char *group, const char *topic,
                             int to, int64_t value);

/* Sets the group's committed offsets to tps[i].offset for each entry
 * (kept within the partition's log, as Kafka's tool does), all in one
 * transaction; for resets by partition, by a shift, or from a file. Only
 * when the group has no live member. Errors: RILL_EINVAL (bad name,
 * negative partition or offset), RILL_ENOTFOUND (topic or partition),
 * RILL_EBUSY (a member is alive, or the group changed meanwhile); on
 * error nothing was written. Thread safety: safe. */
int rill_group_set_offsets(rill *r, const char *group,
                           const rill_topic_partition *tps, size_t n);

/* Deletes a group's record and committed offsets, when it has no live
 * member. Errors: RILL_EINVAL, RILL_ENOTFOUND, RILL_EBUSY.
 * Thread safety: safe. */
int rill_group_delete(rill *r, const char *group);

/* ------------------------------------------------------------------------
 * Groups run by another coordinator
 *
 * For a process that runs another group protocol for its own clients --
 * the Kafka gateway (rill serve) runs Kafka's, where the clients assign
 * partitions among themselves -- and records in the directory what rill
 * must know: who the members are, what each owns, the group's state. Such
 * a group is the coordinator's while its process lives (a lock file in
 * <dir>/members, as a member holds): rill consumers subscribing to it get
 * RILL_EPROTOCOL, rill_group_describe shows the coordinator's members and
 * state, and nobody else can commit what its members own. When the
 * process ends, its members are dead with it and the group is free.
 * Committed offsets are the group's ordinary ones (rill_committed,
 * describe's lag); the coordinator fences its members' commits by its own
 * generations.
 * ------------------------------------------------------------------------ */

typedef struct rill_group_external_member {
    const char *member_id; /* the coordinator's id for it */
    const char *client_id;
    const char *host;      /* as the coordinator names it ("/127.0.0.1") */
    const rill_topic_partition *assigned; /* offsets ignored */
    size_t assigned_count;
} rill_group_external_member;

/* Records group as held by this process's coordinator, with its protocol
 * (as "consumer/range"), state ("Stable", "PreparingRebalance", ...),
 * generation and members, replacing what it recorded before. Copies
 * everything. Errors: RILL_EINVAL (bad names, a member listed twice),
 * RILL_EPROTOCOL (live rill consumers use the group, or another live
 * coordinator holds it), RILL_EPERM (read-only), RILL_EIO (the lock
 * file), RILL_EFULL. Thread safety: safe. */
int rill_group_external_set(rill *r, const char *group, const char *protocol,
                            const char *state, uint32_t generation,
                            const rill_group_external_member *members,
                            size_t n);

/* Commits offsets (the next to read) for a group this process's
 * coordinator holds, all or nothing. Errors: RILL_EINVAL, RILL_ENOTFOUND
 * (topic or partition), RILL_EFENCED (the group is not held by this
 * process's coordinator: nothing was committed), RILL_EFULL.
 * Thread safety: safe. */
int rill_group_external_commit(rill *r, const char *group,
                               const rill_topic_partition *tps, size_t n);

/* Gives the group up: its record goes (its committed offsets stay), and
 * rill consumers may use it. Does nothing for a group this process does
 * not hold. Errors: RILL_EINVAL, RILL_EFULL. Thread safety: safe. */
int rill_group_external_release(rill *r, const char *group);

/* ------------------------------------------------------------------------
 * Reading partitions directly
 *
 * For programs that keep their positions themselves (a Kafka-protocol
 * gateway answering fetches, a mirror, an operator's tool): a partition's
 * bounds and offsets by time, a reader that reads from any offset without
 * a group, and a wait for the next commit by any process.
 * ------------------------------------------------------------------------ */

/* Offsets for times: for each tps[i] (topic, partition, and a timestamp in
 * .offset), replaces .offset by the first offset whose record timestamp is
 * >= that time, or RILL_OFFSET_END if there is none. Errors: RILL_EINVAL,
 * RILL_ENOTFOUND, RILL_ECORRUPT; on error tps is unchanged.
 * Thread safety: safe. */
int rill_offsets_for_times(rill *r, rill_topic_partition *tps, size_t n);

/* The first and next offsets of one partition (Kafka's watermarks).
 * Errors: RILL_EINVAL, RILL_ENOTFOUND. Thread safety: safe. */
int rill_watermarks(int64_t *first, int64_t *next, rill *r, const char *topic,
                    int32_t partition);

typedef struct rill_reader rill_reader; /* one thread at a time */

/* Creates a reader on r. Destroy it before closing r.
 * Errors: RILL_EINVAL, RILL_ENOMEM. Thread safety: safe (on r). */
int rill_reader_new(rill_reader **out, rill *r);

/* Reads records of one partition from offset on, without waiting: up to
 * max_records (1..1000000), and batches until about max_bytes were read
 * (0: 8 MiB; the first batch is read whole however large, so a large
 * record is never stuck). *recs and *n receive them, valid until the next
 * read on rd or its destroy; *next the offset to read from next (past any
 * gap compaction left, so it may exceed the last record's offset + 1);
 * *end (may be NULL) the partition's next offset, Kafka's high watermark.
 * At the end, *n is 0 and *next is offset. Errors: RILL_EINVAL,
 * RILL_ENOTFOUND (topic or partition), RILL_EOFFSET (offset below the
 * partition's first or above its end: the message gives its bounds),
 * RILL_ECORRUPT (a stored batch fails its checks). Thread safety: handle. */
int rill_reader_read(rill_reader *rd, const char *topic, int32_t partition,
                     int64_t offset, size_t max_records, size_t max_bytes,
                     const rill_record **recs, size_t *n, int64_t *next,
                     int64_t *end);

/* Frees rd and the records it handed out. Accepts NULL.
 * Thread safety: handle. */
void rill_reader_destroy(rill_reader *rd);

/* The directory's change counter, which every commit by any process
 * moves on (0 for a bad handle). Take it before looking for new records,
 * then wait with rill_wait_change, so no commit falls in between.
 * Thread safety: safe. */
uint32_t rill_change_seq(rill *r);

/* Returns once the counter differs from seq (a commit since, by any
 * process: at once if one happened already), or after timeout_ms (-1
 * forever): then RILL_ETIMEDOUT. A blocked wait wakes within microseconds
 * of the commit (a futex on Linux) and spins no core. Errors: RILL_EINVAL,
 * RILL_ETIMEDOUT. Thread safety: safe. */
int rill_wait_change(rill *r, uint32_t seq, int timeout_ms);

/* ------------------------------------------------------------------------
 * Operating a directory
 * ------------------------------------------------------------------------ */

typedef struct rill_maintain_report {
    int64_t batches_removed, records_removed, bytes_removed; /* retention */
    int64_t records_compacted, bytes_compacted;              /* compaction */
} rill_maintain_report;

/* Runs retention and compaction on every topic now, each in bounded
 * transactions. Retention also runs by itself after writes; compaction
 * only here and in the maintenance thread (rill_options
 * .maintain_interval_ms). *out (out may be NULL) receives what was
 * removed, to free with rill_maintain_report_free; on error it is NULL.
 * Errors: RILL_EPERM, RILL_EFULL, RILL_ECORRUPT (a batch could not be
 * read: nothing of that partition changed), RILL_ENOMEM.
 * Thread safety: safe. */
int rill_maintain(rill_maintain_report **out, rill *r);
void rill_maintain_report_free(rill_maintain_report *rep);

typedef struct rill_verify_report {
    int64_t topics, partitions;
    int64_t batches, records; /* the ones that passed */
    int64_t bytes;            /* stored bytes read */
    int64_t problems;
} rill_verify_report;

/* Called for each problem found: the partition (-1 for a topic's
 * metadata), the stored batch's offset, the error and its message. */
typedef void (*rill_verify_cb)(void *opaque, const char *topic,
                               int32_t partition, int64_t offset, int err,
                               const char *message);

/* Reads every stored batch of topic (NULL: of every topic) and checks
 * its CRC, lengths, records and that offsets follow on from the batch
 * before. Reads in short transactions; cb runs between them and may be
 * NULL. *out (out may be NULL) receives the counts, also when problems
 * were found; free it with rill_verify_report_free. Returns 0 when all
 * is well, RILL_ECORRUPT when problems were found (each reported to cb),
 * or another error that stopped the scan (*out is then NULL).
 * Thread safety: safe. */
int rill_verify(rill_verify_report **out, rill *r, const char *topic,
                rill_verify_cb cb, void *opaque);
void rill_verify_report_free(rill_verify_report *rep);

typedef struct rill_stats_report {
    size_t file_bytes;    /* data.mdb's size on disk */
    size_t map_bytes;     /* this process's map */
    size_t map_bytes_max; /* map_size_max */
    size_t page_size;
    size_t pages_used;    /* pages the file has handed out so far */
    size_t pages_free;    /* of those, free for reuse */
    unsigned max_readers, readers_used;
    size_t topics, batches, groups_active, app_keys;
} rill_stats_report;

/* Statistics of the directory's file, in a report the caller frees with
 * rill_stats_report_free. Errors: RILL_EINVAL, RILL_ENOMEM.
 * Thread safety: safe. */
int rill_stats(rill_stats_report **out, rill *r);
void rill_stats_report_free(rill_stats_report *rep);

/* Copies the directory, consistently, while other processes go on
 * writing, into dest (a directory that must not exist; created with the
 * handle's file mode). With compact, free pages are left out and the copy
 * is as small as the data: the way to shrink a directory after a large
 * deletion is to back it up compacted, stop every process using it, and
 * put the copy in its place. The copy opens as a rill directory.
 * Errors: RILL_EINVAL, RILL_EEXIST, RILL_EPERM, RILL_EFULL, RILL_EIO.
 * Thread safety: safe. */
int rill_backup(rill *r, const char *dest, int compact);

#ifdef __cplusplus
}
#endif

#endif /* RILL_H */
