#include "s3/part_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"

static int io_failed(struct part_spool *sp, const char *doing)
{
    snprintf(sp->msg, sizeof(sp->msg), "spool file: %s: %s", doing, strerror(errno ? errno : EIO));
    return REC_ERR_IO;
}

/* An unlinked file in dir: O_TMPFILE, or (a file system without it)
 * mkstemp and unlink at once. */
static int create_unlinked(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/.upload-spool-XXXXXX", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

int part_spool_open(struct part_spool *sp, const char *dir)
{
    memset(sp, 0, sizeof(*sp));
    sp->fd = -1;
    sp->stage = malloc(PART_SPOOL_STAGE);
    if (!sp->stage)
        return REC_ERR_NOMEM;
    const char *d = dir && *dir ? dir : PART_SPOOL_DEFAULT_DIR;
    sp->fd = create_unlinked(d);
    if (sp->fd < 0) {
        int rc = io_failed(sp, "cannot create one in the spool directory");
        free(sp->stage);
        sp->stage = NULL;
        return rc;
    }
    return 0;
}

static int pwrite_all(struct part_spool *sp, uint64_t off, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = pwrite(sp->fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return io_failed(sp, "write");
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static int flush(struct part_spool *sp)
{
    int rc = pwrite_all(sp, sp->stage_at, sp->stage, sp->staged);
    sp->stage_at += sp->staged;
    sp->staged = 0;
    return rc;
}

int part_spool_write(struct part_spool *sp, uint64_t off, const void *bytes, size_t len)
{
    const uint8_t *p = bytes;
    int rc = 0;
    if (off != sp->stage_at + sp->staged) {
        /* not an append to the staged run: a new run starts at off */
        if ((rc = flush(sp)) != 0)
            return rc;
        sp->stage_at = off;
    }
    while (len > 0) {
        if (sp->staged == PART_SPOOL_STAGE && (rc = flush(sp)) != 0)
            return rc;
        size_t n = PART_SPOOL_STAGE - sp->staged;
        if (n > len)
            n = len;
        memcpy(sp->stage + sp->staged, p, n);
        sp->staged += n;
        p += n;
        len -= n;
    }
    return 0;
}

static int view_read(void *user, uint64_t offset, void *buf, size_t len)
{
    struct part_spool_view *v = user;
    uint8_t *p = buf;
    uint64_t at = v->base + offset;
    while (len > 0) {
        ssize_t r = pread(v->sp->fd, p, len, (off_t)at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO; /* the file is shorter than what was written */
            return io_failed(v->sp, "read");
        }
        p += r;
        len -= (size_t)r;
        at += (uint64_t)r;
    }
    return 0;
}

int part_spool_view(struct part_spool *sp, uint64_t base, struct part_spool_view *view)
{
    *view = (struct part_spool_view){ .sp = sp, .base = base,
                                      .src = { .read = view_read, .user = view } };
    return flush(sp);
}

int part_spool_sha256(struct part_spool *sp, uint64_t off, uint64_t len,
                      char hex[SIGV4_SHA256_HEX_LEN + 1])
{
    struct part_spool_view v;
    int rc = part_spool_view(sp, off, &v);
    if (!rc)
        rc = sigv4_sha256_hex_read(view_read, &v, len, hex);
    return rc;
}

void part_spool_forget(struct part_spool *sp, uint64_t off, uint64_t len)
{
    if (sp->fd >= 0)
        (void)posix_fadvise(sp->fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
}

void part_spool_close(struct part_spool *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    sp->fd = -1;
    free(sp->stage);
    sp->stage = NULL;
    sp->staged = 0;
}
