#include "audio/file_sink.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

enum { PATH_CAP = 4096, MAX_OPEN = 8, WRITE_BUF = 256 * 1024 };

/* Writes go through our own buffer straight to write(2): a WAV is written
 * in block-sized pieces (about 1 KB each for Connect), and stdio's default
 * 4 KiB buffer would cost one system call per 4 KiB. */
struct file_sink {
    int fd;
    int slot;
    size_t used;          /* bytes in buf */
    uint8_t buf[WRITE_BUF];
    char final_path[PATH_CAP];
};

/* Temporary names of open sinks, readable from a signal handler: a slot's
 * name is complete before its flag is raised and the flag drops before the
 * name is reused. */
static char g_temp_names[MAX_OPEN][PATH_CAP];
static volatile sig_atomic_t g_temp_live[MAX_OPEN];

void file_sink_remove_temps(void)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (g_temp_live[i])
            unlink(g_temp_names[i]);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return REC_ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int flush_buf(struct file_sink *fs)
{
    int rc = write_all(fs->fd, fs->buf, fs->used);
    fs->used = 0;
    return rc;
}

static int fs_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    (void)pos;
    struct file_sink *fs = impl;
    if (len > sizeof(fs->buf) - fs->used) {
        int rc = flush_buf(fs);
        if (rc)
            return rc;
        if (len >= sizeof(fs->buf))
            return write_all(fs->fd, bytes, len);
    }
    memcpy(fs->buf + fs->used, bytes, len);
    fs->used += len;
    return 0;
}

static int fs_seek(void *impl, uint64_t offset)
{
    struct file_sink *fs = impl;
    int rc = flush_buf(fs);
    if (rc)
        return rc;
    return lseek(fs->fd, (off_t)offset, SEEK_SET) == (off_t)offset ? 0 : REC_ERR_IO;
}

static int fs_close(void *impl, int commit)
{
    struct file_sink *fs = impl;
    int rc = commit ? flush_buf(fs) : 0;
    if (close(fs->fd) != 0)
        rc = REC_ERR_IO;
    const char *temp = g_temp_names[fs->slot];
    if (commit && rc == 0 && rename(temp, fs->final_path) != 0)
        rc = REC_ERR_IO;
    if (!commit || rc != 0)
        unlink(temp);
    g_temp_live[fs->slot] = 0;
    free(fs);
    return rc;
}

static const struct byte_sink_ops file_sink_ops = { fs_write, fs_seek, fs_close };

int file_sink_open(const char *final_path, struct byte_sink *out)
{
    int rc = 0;
    int fd = -1;
    struct file_sink *fs = NULL;
    size_t n = strlen(final_path);
    if (n == 0 || n > 4000)
        return REC_ERR_INVALID;
    int slot = -1;
    for (int i = 0; i < MAX_OPEN && slot < 0; i++)
        if (!g_temp_live[i])
            slot = i;
    if (slot < 0)
        return REC_ERR_LIMIT;

    fs = calloc(1, sizeof(*fs));
    if (!fs)
        return REC_ERR_NOMEM;
    memcpy(fs->final_path, final_path, n + 1);
    fs->slot = slot;

    /* Hidden temporary name in the same directory, so rename is atomic. */
    const char *slash = strrchr(final_path, '/');
    size_t dir_len = slash ? (size_t)(slash - final_path) + 1 : 0;
    char *temp = g_temp_names[slot];
    snprintf(temp, PATH_CAP, "%.*s.%s.tmp-XXXXXX", (int)dir_len, final_path, final_path + dir_len);
    fd = mkstemp(temp);
    if (fd < 0) {
        rc = REC_ERR_IO;
        goto cleanup;
    }
    g_temp_live[slot] = 1;
    /* mkstemp makes the file 0600; the finished WAV should get the mode any
     * new file would (0666 less the umask). */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        rc = REC_ERR_IO;
        goto cleanup;
    }
    fs->fd = fd;
    *out = (struct byte_sink){ .ops = &file_sink_ops, .impl = fs };
    return 0;

cleanup:
    if (fd >= 0) {
        close(fd);
        unlink(temp);
        g_temp_live[slot] = 0;
    }
    free(fs);
    return rc;
}
