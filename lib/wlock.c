/*
 * wlock.c -- the writer lock (see wlock.h).
 */
#include "wlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

int wlock_open(wlock *w, const char *dir, unsigned mode, bool read_only)
{
    char path[PATH_MAX];
    w->fd = -1;
    pthread_mutex_init(&w->mutex, NULL);
    if (read_only)
        return 0;
    if (snprintf(path, sizeof path, "%s/write.lock", dir) >= (int)sizeof path)
        return rill_err(RILL_EINVAL, "directory path is too long");
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0)
        fchmod(fd, mode); /* the umask does not apply */
    else if (errno == EEXIST)
        fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return rill_err_errno(errno, "cannot open", path);
    w->fd = fd;
    return 0;
}

void wlock_close(wlock *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    pthread_mutex_destroy(&w->mutex);
}

int wlock_acquire(wlock *w)
{
    pthread_mutex_lock(&w->mutex);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
    while (fcntl(w->fd, F_SETLKW, &fl) != 0) {
        if (errno == EINTR)
            continue;
        int err = errno;
        pthread_mutex_unlock(&w->mutex);
        return rill_err(err == ENOLCK ? RILL_ENOMEM : RILL_EIO,
                        "cannot take the writer lock: %s", strerror(err));
    }
    return 0;
}

void wlock_release(wlock *w)
{
    struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_len = 1};
    fcntl(w->fd, F_SETLK, &fl);
    pthread_mutex_unlock(&w->mutex);
}
