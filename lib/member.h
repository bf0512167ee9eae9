/*
 * member.h -- liveness of consumer-group members on this host.
 *
 * Each member holds a POSIX record lock on its own file,
 * <dir>/members/<member id>, and stores the time of its last poll in the
 * file's first 8 bytes through a shared mapping. The kernel drops the lock
 * the moment the process dies (exit, crash, kill -9), so another member
 * that finds the file unlocked knows at once that its owner is gone; a
 * member that is alive but stopped polling shows an old time.
 *
 * POSIX locks belong to the process and are not inherited across fork,
 * but closing any descriptor of the file releases them: so this process
 * never opens the file of a member it holds itself (a process-wide table
 * answers for those).
 */
#ifndef RILL_MEMBER_H
#define RILL_MEMBER_H

#include "common.h"

#include <stdatomic.h>

#define MEMBER_ID_MAX 128

typedef struct member_lock {
    char id[MEMBER_ID_MAX];
    char *path;
    int fd;
    _Atomic int64_t *heartbeat; /* mapped from the file */
    int pid;                    /* the process that holds the lock */
    struct member_lock *next;   /* in the process-wide table */
} member_lock;

/* Makes a fresh member id from the client id (sanitized to
 * [A-Za-z0-9._-]), the pid and 64 random bits. */
void member_id_new(char id[MEMBER_ID_MAX], const char *client_id);

/* Creates and locks <dir>/members/<id> (mode for new files and the
 * directory) and records now as the first heartbeat. */
int member_lock_create(member_lock *ml, const char *dir, const char *id,
                       unsigned mode, int64_t now_ms);

/* Unlocks and removes the file. */
void member_lock_release(member_lock *ml);

/* Records a poll. */
void member_heartbeat(member_lock *ml, int64_t now_ms);

/* Whether member id (of directory dir) is alive, and its last poll time
 * (0 if unknown; last_poll_ms may be NULL). A missing or unlocked file
 * means dead. */
bool member_probe(const char *dir, const char *id, int64_t *last_poll_ms);

/* Removes a dead member's file. */
void member_remove_file(const char *dir, const char *id);

#endif
