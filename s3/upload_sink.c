#include "s3/upload_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "s3/part_spool.h"

struct upload {
    struct s3_upload_config cfg;
    char *bucket, *key;
    /* The spool file (s3/part_spool.h): part 1, bytes [0, part_size) of the
     * object, held until the end at file offset 0; the part filling now
     * (numbers 2, 3, ...) at file offset part_size. */
    struct part_spool spool;
    uint64_t part1_len;    /* bytes of part 1 written */
    uint64_t cur_len;      /* bytes of the part filling */
    uint64_t len;          /* bytes written in all */
    struct rec_s3_multipart mp;          /* upload_id "" until CreateMultipartUpload */
    struct rec_s3_completed_part *parts; /* parts[n-1] for part n */
    unsigned n_parts;      /* highest part number uploaded */
    /* the object's x-amz-meta-* headers, and room for the late one */
    struct rec_aws_header meta[S3_UPLOAD_MAX_METADATA + 1];
    struct rec_s3_put_options object;    /* what describes the object */
    struct s3_upload_status *status;
    struct rec_aws_response resp;
};

/* Keeps the first failure, naming the object. Returns e->code. */
static int failed(struct upload *u, const struct rec_error *e)
{
    char where[256];
    snprintf(where, sizeof(where), "s3://%.63s/%.160s", u->bucket, u->key);
    rec_error_wrap(&u->status->err, e, where);
    return e->code;
}

/* A spool failure (a full or unwritable /tmp) may pass in a fresh
 * environment: retriable. */
static int spool_failed(struct upload *u, int code)
{
    struct rec_error e;
    rec_error_clear(&e);
    rec_error_set(&e, code, 1, "%s", u->spool.msg[0] ? u->spool.msg : rec_strerror(code));
    return failed(u, &e);
}

/* The body of len spooled bytes at file offset off: read from the file as
 * it is sent, its SHA-256 read back first (what the signature covers). */
static int spooled_body(struct upload *u, uint64_t off, uint64_t len, struct part_spool_view *view,
                        char hex[SIGV4_SHA256_HEX_LEN + 1], struct rec_s3_body *body)
{
    int rc = part_spool_sha256(&u->spool, off, len, hex);
    if (!rc)
        rc = part_spool_view(&u->spool, off, view);
    if (rc)
        return spool_failed(u, rc);
    *body = (struct rec_s3_body){ .source = &view->src, .len = (size_t)len, .sha256_hex = hex };
    return 0;
}

static int start_multipart(struct upload *u)
{
    struct rec_error e;
    rec_error_clear(&e);
    u->status->late_meta_left_out = u->cfg.late_meta_name != NULL;
    int rc = rec_s3_create_multipart_upload(u->cfg.s3, &u->mp, &u->object, &u->resp, &e);
    return rc ? failed(u, &e) : 0;
}

/* Uploads the len spooled bytes at file offset off as part number. */
static int upload_part(struct upload *u, unsigned number, uint64_t off, uint64_t len)
{
    struct rec_error e;
    rec_error_clear(&e);
    if (number > S3_UPLOAD_MAX_PARTS) {
        rec_error_set(&e, REC_ERR_LIMIT, 0, "more than 10,000 parts");
        return failed(u, &e);
    }
    struct part_spool_view view;
    char hex[SIGV4_SHA256_HEX_LEN + 1];
    struct rec_s3_body body;
    int rc = spooled_body(u, off, len, &view, hex, &body);
    if (rc)
        return rc;
    rc = rec_s3_upload_part_body(u->cfg.s3, &u->mp, number, &body, &u->parts[number - 1], &u->resp, &e);
    if (rc)
        return failed(u, &e);
    part_spool_forget(&u->spool, off, len);
    if (number > u->n_parts)
        u->n_parts = number;
    u->status->parts++;
    return 0;
}

/* Parts 2, 3, ... in turn: part 1 is the one held back. */
static unsigned next_part_number(const struct upload *u)
{
    return u->n_parts < 2 ? 2 : u->n_parts + 1;
}

static int complete(struct upload *u)
{
    struct rec_error e;
    rec_error_clear(&e);
    int rc = rec_s3_complete_multipart_upload(u->cfg.s3, &u->mp, u->parts, u->n_parts, &u->resp, &e);
    return rc ? failed(u, &e) : 0;
}

static int put_whole(struct upload *u)
{
    struct rec_error e;
    rec_error_clear(&e);
    if (u->cfg.late_meta_name) { /* final now: the object is complete */
        u->meta[u->object.n_metadata] = (struct rec_aws_header){ u->cfg.late_meta_name,
                                                                 u->cfg.late_value(u->cfg.late_user) };
        u->object.metadata = u->meta;
        u->object.n_metadata++;
    }
    struct part_spool_view view;
    char hex[SIGV4_SHA256_HEX_LEN + 1];
    struct rec_s3_body body;
    int rc = spooled_body(u, 0, u->part1_len, &view, hex, &body);
    if (rc)
        return rc;
    rc = rec_s3_put_object_body(u->cfg.s3, u->bucket, u->key, &body, &u->object, &u->resp, &e);
    return rc ? failed(u, &e) : 0;
}

static void abort_upload(struct upload *u)
{
    struct rec_error e;
    rec_error_clear(&e);
    /* the first failure is kept: the abort's own matters only if it is the only one */
    if (rec_s3_abort_multipart_upload(u->cfg.s3, &u->mp, &u->resp, &e) == 0)
        u->status->aborted = 1;
    else
        failed(u, &e);
    u->mp.upload_id[0] = '\0';
}

/* Appends at the end: part 1 first, then parts 2.. uploaded as they fill. */
static int append(struct upload *u, const uint8_t *bytes, size_t len)
{
    uint64_t part = u->cfg.part_size;
    while (len) {
        int in_part1 = u->part1_len < part;
        uint64_t filled = in_part1 ? u->part1_len : u->cur_len;
        uint64_t n = part - filled;
        if (n > len)
            n = len;
        int rc = part_spool_write(&u->spool, (in_part1 ? 0 : part) + filled, bytes, (size_t)n);
        if (rc)
            return spool_failed(u, rc);
        *(in_part1 ? &u->part1_len : &u->cur_len) += n;
        bytes += n;
        len -= (size_t)n;
        u->len += n;
        if (!in_part1 && u->cur_len == part) {
            if (!u->mp.upload_id[0] && (rc = start_multipart(u)))
                return rc;
            if ((rc = upload_part(u, next_part_number(u), part, part)))
                return rc;
            u->cur_len = 0;
        }
    }
    return 0;
}

static int sink_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    struct upload *u = impl;
    if (rec_error_is_set(&u->status->err))
        return REC_ERR_IO;
    if (pos == u->len)
        return append(u, bytes, len) ? REC_ERR_IO : 0;
    /* A rewrite: only ever of the header, which lives in part 1. */
    if (pos > u->part1_len || len > u->part1_len - pos) {
        struct rec_error e;
        rec_error_clear(&e);
        rec_error_set(&e, REC_ERR_STATE, 0, "a rewrite outside the first part");
        return failed(u, &e);
    }
    if (part_spool_write(&u->spool, pos, bytes, len) != 0) {
        spool_failed(u, REC_ERR_IO);
        return REC_ERR_IO;
    }
    return 0;
}

static int sink_seek(void *impl, uint64_t offset)
{
    struct upload *u = impl;
    return offset <= u->part1_len || offset == u->len ? 0 : REC_ERR_STATE;
}

static void destroy(struct upload *u)
{
    rec_aws_response_clean_up(&u->resp);
    part_spool_close(&u->spool);
    free(u->parts);
    free(u->bucket);
    free(u->key);
    free(u);
}

/* Everything still held goes up: one PutObject for a small object, else
 * the last parts, part 1 (with the final header) last, and the completion. */
static int commit(struct upload *u)
{
    if (!u->mp.upload_id[0] && u->cur_len == 0)
        return put_whole(u);
    int rc = 0;
    if (!u->mp.upload_id[0])
        rc = start_multipart(u);
    if (!rc && u->cur_len)
        rc = upload_part(u, next_part_number(u), u->cfg.part_size, u->cur_len);
    if (!rc)
        rc = upload_part(u, 1, 0, u->part1_len);
    if (!rc)
        rc = complete(u);
    if (!rc)
        u->mp.upload_id[0] = '\0';
    return rc;
}

static int sink_close(void *impl, int commit_it)
{
    struct upload *u = impl;
    int rc = 0;
    if (commit_it && rec_error_is_set(&u->status->err))
        rc = REC_ERR_IO;
    if (commit_it && !rc && (rc = commit(u)) == 0) {
        u->status->committed = 1;
        u->status->bytes = u->len;
    }
    if (u->mp.upload_id[0])
        abort_upload(u);
    destroy(u);
    return rc ? (rc == REC_ERR_AWS || rc == REC_ERR_HTTP || rc == REC_ERR_TIMEOUT ? rc : REC_ERR_IO) : 0;
}

static const struct byte_sink_ops upload_ops = {
    .write = sink_write,
    .seek = sink_seek,
    .close = sink_close,
};

/* The description PutObject and CreateMultipartUpload send (cfg's
 * metadata checked by s3_upload_sink_open). */
static void describe_object(struct upload *u, const struct s3_upload_config *cfg)
{
    int kms = cfg->sse && strcmp(cfg->sse, "aws:kms") == 0;
    size_t n = 0;
    if (cfg->n_metadata) {
        memcpy(u->meta, cfg->metadata, cfg->n_metadata * sizeof(u->meta[0]));
        n = cfg->n_metadata;
    } else if (cfg->contact_id) {
        u->meta[n++] = (struct rec_aws_header){ "contact-id", cfg->contact_id };
    }
    u->object = (struct rec_s3_put_options){
        .content_type = cfg->content_type ? cfg->content_type : "application/octet-stream",
        .metadata = n ? u->meta : NULL,
        .n_metadata = n,
        .sse = cfg->sse ? cfg->sse : "AES256",
        .sse_kms_key_id = kms ? cfg->kms_key_id : NULL,
        .acl = cfg->acl,
        .deadline_ms = cfg->deadline_ms,
    };
}

int s3_upload_sink_open(const struct s3_upload_config *cfg, struct s3_upload_status *status,
                        struct byte_sink *out)
{
    memset(status, 0, sizeof(*status));
    rec_error_clear(&status->err);
    if (!cfg->s3 || !cfg->bucket || !*cfg->bucket || !cfg->key || !*cfg->key)
        return REC_ERR_INVALID;
    size_t part = cfg->part_size ? cfg->part_size : S3_UPLOAD_DEFAULT_PART;
    if (part < S3_UPLOAD_MIN_PART)
        return REC_ERR_INVALID;
    if (cfg->n_metadata > S3_UPLOAD_MAX_METADATA || (cfg->n_metadata && !cfg->metadata))
        return REC_ERR_INVALID;
    struct upload *u = calloc(1, sizeof(*u));
    if (!u)
        return REC_ERR_NOMEM;
    u->cfg = *cfg;
    u->cfg.part_size = part;
    u->status = status;
    rec_aws_response_init(&u->resp);
    u->spool.fd = -1;
    u->bucket = strdup(cfg->bucket);
    u->key = strdup(cfg->key);
    u->parts = calloc(S3_UPLOAD_MAX_PARTS, sizeof(*u->parts));
    if (!u->bucket || !u->key || !u->parts) {
        destroy(u);
        return REC_ERR_NOMEM;
    }
    int rc = part_spool_open(&u->spool, cfg->spool_dir);
    if (rc) {
        spool_failed(u, rc);
        destroy(u);
        return rc;
    }
    u->cfg.bucket = u->bucket;
    u->cfg.key = u->key;
    u->mp = (struct rec_s3_multipart){ .bucket = u->bucket, .key = u->key,
                                       .deadline_ms = cfg->deadline_ms };
    describe_object(u, cfg);
    *out = (struct byte_sink){ .ops = &upload_ops, .impl = u };
    return 0;
}
