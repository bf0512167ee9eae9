/*
 * member.c -- member lock files and heartbeats (see member.h).
 */
#include "member.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

#define MEMBER_FILE_SIZE 64

static pthread_mutex_t local_lock = PTHREAD_MUTEX_INITIALIZER;
static member_lock *local_members;

void member_id_new(char id[MEMBER_ID_MAX], const char *client_id)
{
    char clean[64];
    size_t n = 0;
    for (const char *p = client_id; *p && n < sizeof clean - 1; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                  ch == '-';
        clean[n++] = ok ? ch : '_';
    }
    clean[n] = '\0';
    uint64_t rnd = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, &rnd, sizeof rnd) != (ssize_t)sizeof rnd)
        rnd = (uint64_t)rill_monotonic_us() * 0x9e3779b97f4a7c15ULL ^
              (uint64_t)(uintptr_t)id;
    if (fd >= 0)
        close(fd);
    snprintf(id, MEMBER_ID_MAX, "%s-%d-%016llx", n ? clean : "rill",
             (int)getpid(), (unsigned long long)rnd);
}

static char *member_path(const char *dir, const char *id)
{
    char *p = malloc(strlen(dir) + strlen(id) + 10);
    if (p)
        sprintf(p, "%s/members/%s", dir, id);
    return p;
}

int member_lock_create(member_lock *ml, const char *dir, const char *id,
                       unsigned mode, int64_t now_ms)
{
    char mdir[PATH_MAX];
    memset(ml, 0, sizeof *ml);
    ml->fd = -1;
    snprintf(ml->id, sizeof ml->id, "%s", id);
    if (snprintf(mdir, sizeof mdir, "%s/members", dir) >= (int)sizeof mdir)
        return rill_err(RILL_EINVAL, "directory path is too long");
    unsigned dmode = mode | ((mode & 0444) >> 2);
    if (mkdir(mdir, dmode) == 0)
        chmod(mdir, dmode);
    else if (errno != EEXIST)
        return rill_err_errno(errno, "cannot create", mdir);
    if (!(ml->path = member_path(dir, id)))
        return rill_err(RILL_ENOMEM, "out of memory");
    int fd = open(ml->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        int rc = rill_err_errno(errno, "cannot create member file", ml->path);
        free(ml->path);
        ml->path = NULL;
        return rc;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    void *map = MAP_FAILED;
    int rc = 0;
    if (fchmod(fd, mode) != 0 || ftruncate(fd, MEMBER_FILE_SIZE) != 0 ||
        fcntl(fd, F_SETLK, &fl) != 0)
        rc = rill_err_errno(errno, "cannot prepare member file", ml->path);
    else if ((map = mmap(NULL, MEMBER_FILE_SIZE, PROT_READ | PROT_WRITE,
                         MAP_SHARED, fd, 0)) == MAP_FAILED)
        rc = rill_err_errno(errno, "cannot map member file", ml->path);
    if (rc) {
        unlink(ml->path);
        close(fd);
        free(ml->path);
        ml->path = NULL;
        return rc;
    }
    ml->fd = fd;
    ml->heartbeat = map;
    ml->pid = (int)getpid();
    atomic_store(ml->heartbeat, now_ms);
    pthread_mutex_lock(&local_lock);
    ml->next = local_members;
    local_members = ml;
    pthread_mutex_unlock(&local_lock);
    return 0;
}

void member_lock_release(member_lock *ml)
{
    if (ml->fd < 0)
        return;
    pthread_mutex_lock(&local_lock);
    for (member_lock **p = &local_members; *p; p = &(*p)->next)
        if (*p == ml) {
            *p = ml->next;
            break;
        }
    pthread_mutex_unlock(&local_lock);
    unlink(ml->path);
    munmap((void *)ml->heartbeat, MEMBER_FILE_SIZE);
    close(ml->fd); /* releases the lock */
    free(ml->path);
    ml->path = NULL;
    ml->fd = -1;
    ml->heartbeat = NULL;
}

void member_heartbeat(member_lock *ml, int64_t now_ms)
{
    if (ml->heartbeat)
        atomic_store(ml->heartbeat, now_ms);
}

bool member_probe(const char *dir, const char *id, int64_t *last_poll_ms)
{
    int64_t ignored;
    if (!last_poll_ms)
        last_poll_ms = &ignored;
    *last_poll_ms = 0;
    pthread_mutex_lock(&local_lock);
    for (member_lock *m = local_members; m; m = m->next)
        if (m->pid == (int)getpid() && strcmp(m->id, id) == 0) {
            *last_poll_ms = atomic_load(m->heartbeat);
            pthread_mutex_unlock(&local_lock);
            return true;
        }
    pthread_mutex_unlock(&local_lock);

    char *path = member_path(dir, id);
    if (!path)
        return true; /* cannot tell: assume alive */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return errno != ENOENT;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    bool alive = true;
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK)
        alive = false;
    int64_t hb;
    if (alive && pread(fd, &hb, sizeof hb, 0) == (ssize_t)sizeof hb)
        *last_poll_ms = hb;
    close(fd);
    return alive;
}

void member_remove_file(const char *dir, const char *id)
{
    char *path = member_path(dir, id);
    if (path) {
        unlink(path);
        free(path);
    }
}
