#include "s3/upload_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "sigv4/uri_encode.h"

struct upload {
    struct s3_upload_config cfg;
    char *bucket, *key;
    struct rec_buf part1;  /* bytes [0, part_size): held until the end */
    struct rec_buf cur;    /* the part filling now (numbers 2, 3, ...) */
    uint64_t len;          /* bytes written in all */
    char upload_id[256];   /* "" until CreateMultipartUpload */
    char (*etags)[80];     /* etags[n-1] for part n */
    unsigned n_parts;      /* highest part number uploaded */
    struct s3_upload_status *status;
    struct rec_aws_response resp;
};

static void set_error(struct upload *u, int retriable, const char *what)
{
    if (u->status->error[0])
        return;
    u->status->retriable = retriable;
    /* Precisions bound each piece so the whole always fits. */
    if (u->resp.status || u->resp.error_code[0])
        snprintf(u->status->error, sizeof(u->status->error), "%.40s s3://%.63s/%.160s: %ld %.64s %.140s",
                 what, u->bucket, u->key, u->resp.status, u->resp.error_code, u->resp.error_message);
    else
        snprintf(u->status->error, sizeof(u->status->error), "%.40s s3://%.63s/%.160s failed", what,
                 u->bucket, u->key);
}

static int send(struct upload *u, const char *method, const char *query,
                const struct rec_aws_header *headers, size_t n_headers, const void *body,
                size_t body_len, const char *what)
{
    struct rec_s3_request r = {
        .method = method,
        .bucket = u->bucket,
        .key = u->key,
        .query = query,
        .headers = headers,
        .n_headers = n_headers,
        .body = body,
        .body_len = body_len,
        .deadline_ms = u->cfg.deadline_ms,
    };
    int rc = rec_s3_send(u->cfg.s3, &r, &u->resp);
    if (rc)
        set_error(u, u->resp.retriable, what);
    return rc;
}

/* Headers that describe the object: type, metadata, encryption, ACL. */
static size_t object_headers(const struct upload *u, struct rec_aws_header *h)
{
    size_t n = 0;
    h[n++] = (struct rec_aws_header){ "Content-Type", u->cfg.content_type ? u->cfg.content_type
                                                                           : "application/octet-stream" };
    if (u->cfg.contact_id)
        h[n++] = (struct rec_aws_header){ "x-amz-meta-contact-id", u->cfg.contact_id };
    h[n++] = (struct rec_aws_header){ "x-amz-server-side-encryption", u->cfg.sse ? u->cfg.sse : "AES256" };
    if (u->cfg.sse && strcmp(u->cfg.sse, "aws:kms") == 0 && u->cfg.kms_key_id)
        h[n++] = (struct rec_aws_header){ "x-amz-server-side-encryption-aws-kms-key-id", u->cfg.kms_key_id };
    if (u->cfg.acl)
        h[n++] = (struct rec_aws_header){ "x-amz-acl", u->cfg.acl };
    return n;
}

/* <UploadId>...</UploadId> out of CreateMultipartUpload's XML answer. */
static int parse_upload_id(struct upload *u)
{
    const char *body = u->resp.body.data ? u->resp.body.data : "";
    const char *a = strstr(body, "<UploadId>");
    const char *b = a ? strstr(a, "</UploadId>") : NULL;
    if (!a || !b || (size_t)(b - a - 10) >= sizeof(u->upload_id) || b - a - 10 == 0)
        return REC_ERR_INVALID;
    memcpy(u->upload_id, a + 10, (size_t)(b - a - 10));
    u->upload_id[b - a - 10] = '\0';
    return 0;
}

static int query_for(struct upload *u, char *out, size_t cap, unsigned part)
{
    struct rec_buf id;
    rec_buf_init(&id, 1024);
    int rc = sigv4_uri_encode(&id, u->upload_id, strlen(u->upload_id), 0);
    if (!rc) {
        int n = part ? snprintf(out, cap, "partNumber=%u&uploadId=%s", part, id.data)
                     : snprintf(out, cap, "uploadId=%s", id.data);
        rc = n < 0 || (size_t)n >= cap ? REC_ERR_LIMIT : 0;
    }
    rec_buf_clean_up(&id, 0);
    return rc;
}

static int start_multipart(struct upload *u)
{
    struct rec_aws_header h[6];
    size_t n = object_headers(u, h);
    int rc = send(u, "POST", "uploads=", h, n, NULL, 0, "CreateMultipartUpload");
    if (rc)
        return rc;
    if (parse_upload_id(u)) {
        set_error(u, 1, "CreateMultipartUpload answered without an UploadId for");
        return REC_ERR_INVALID;
    }
    return 0;
}

static int upload_part(struct upload *u, unsigned number, const struct rec_buf *data)
{
    if (number > S3_UPLOAD_MAX_PARTS) {
        set_error(u, 0, "more than 10,000 parts for");
        return REC_ERR_LIMIT;
    }
    char query[1400];
    int rc = query_for(u, query, sizeof(query), number);
    if (rc)
        return rc;
    rc = send(u, "PUT", query, NULL, 0, data->data, data->len, "UploadPart");
    if (rc)
        return rc;
    const char *etag = rec_aws_response_header(&u->resp, "ETag");
    if (!etag || strlen(etag) >= sizeof(u->etags[0])) {
        set_error(u, 1, "UploadPart answered without an ETag for");
        return REC_ERR_INVALID;
    }
    snprintf(u->etags[number - 1], sizeof(u->etags[0]), "%s", etag);
    if (number > u->n_parts)
        u->n_parts = number;
    u->status->parts++;
    return 0;
}

static int complete(struct upload *u)
{
    struct rec_buf xml;
    rec_buf_init(&xml, (size_t)S3_UPLOAD_MAX_PARTS * 128 + 128);
    int rc = rec_buf_append_str(&xml, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (unsigned i = 1; !rc && i <= u->n_parts; i++)
        rc = rec_buf_printf(&xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>", i, u->etags[i - 1]);
    if (!rc)
        rc = rec_buf_append_str(&xml, "</CompleteMultipartUpload>");
    char query[1400];
    if (!rc)
        rc = query_for(u, query, sizeof(query), 0);
    if (!rc) {
        const struct rec_aws_header h[] = { { "Content-Type", "application/xml" } };
        rc = send(u, "POST", query, h, 1, xml.data, xml.len, "CompleteMultipartUpload");
        /* S3 may answer 200 and still fail the completion in the body. */
        if (!rc && u->resp.body.data && strstr(u->resp.body.data, "<Error>")) {
            set_error(u, 1, "CompleteMultipartUpload failed in its 200 answer for");
            rc = REC_ERR_AWS;
        }
    }
    rec_buf_clean_up(&xml, 0);
    return rc;
}

static void abort_upload(struct upload *u)
{
    char query[1400];
    if (!u->upload_id[0] || query_for(u, query, sizeof(query), 0))
        return;
    /* Keep the first error; the abort's own failure only matters if it is the only one. */
    if (send(u, "DELETE", query, NULL, 0, NULL, 0, "AbortMultipartUpload") == 0)
        u->status->aborted = 1;
    u->upload_id[0] = '\0';
}

/* Appends at the end: part 1 first, then parts 2.. uploaded as they fill. */
static int append(struct upload *u, const uint8_t *bytes, size_t len)
{
    size_t part = u->cfg.part_size;
    while (len) {
        struct rec_buf *b = u->part1.len < part ? &u->part1 : &u->cur;
        size_t n = part - b->len;
        if (n > len)
            n = len;
        int rc = rec_buf_append(b, bytes, n);
        if (rc)
            return rc;
        bytes += n;
        len -= n;
        u->len += n;
        if (b == &u->cur && u->cur.len == part) {
            if (!u->upload_id[0] && (rc = start_multipart(u)))
                return rc;
            if ((rc = upload_part(u, u->n_parts < 2 ? 2 : u->n_parts + 1, &u->cur)))
                return rc;
            rec_buf_reset(&u->cur);
        }
    }
    return 0;
}

static int sink_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    struct upload *u = impl;
    if (u->status->error[0])
        return REC_ERR_IO;
    if (pos == u->len)
        return append(u, bytes, len) ? REC_ERR_IO : 0;
    /* A rewrite: only ever of the header, which lives in part 1. */
    if (pos > u->part1.len || len > u->part1.len - pos) {
        set_error(u, 0, "a rewrite outside the first part of");
        return REC_ERR_STATE;
    }
    memcpy(u->part1.data + pos, bytes, len);
    return 0;
}

static int sink_seek(void *impl, uint64_t offset)
{
    struct upload *u = impl;
    return offset <= u->part1.len || offset == u->len ? 0 : REC_ERR_STATE;
}

static void destroy(struct upload *u)
{
    rec_aws_response_clean_up(&u->resp);
    rec_buf_clean_up(&u->part1, 0);
    rec_buf_clean_up(&u->cur, 0);
    free(u->etags);
    free(u->bucket);
    free(u->key);
    free(u);
}

static int sink_close(void *impl, int commit)
{
    struct upload *u = impl;
    int rc = 0;
    if (commit && u->status->error[0])
        rc = REC_ERR_IO;
    if (commit && !rc) {
        if (!u->upload_id[0] && u->cur.len == 0) {
            struct rec_aws_header h[6];
            size_t n = object_headers(u, h);
            rc = send(u, "PUT", NULL, h, n, u->part1.data ? u->part1.data : "", u->part1.len, "PutObject");
        } else {
            if (!u->upload_id[0])
                rc = start_multipart(u);
            if (!rc && u->cur.len)
                rc = upload_part(u, u->n_parts < 2 ? 2 : u->n_parts + 1, &u->cur);
            if (!rc)
                rc = upload_part(u, 1, &u->part1);
            if (!rc)
                rc = complete(u);
            if (!rc)
                u->upload_id[0] = '\0';
        }
        if (!rc) {
            u->status->committed = 1;
            u->status->bytes = u->len;
        }
    }
    if (u->upload_id[0])
        abort_upload(u);
    destroy(u);
    return rc ? (rc == REC_ERR_AWS || rc == REC_ERR_HTTP || rc == REC_ERR_TIMEOUT ? rc : REC_ERR_IO) : 0;
}

static const struct byte_sink_ops upload_ops = {
    .write = sink_write,
    .seek = sink_seek,
    .close = sink_close,
};

int s3_upload_sink_open(const struct s3_upload_config *cfg, struct s3_upload_status *status,
                        struct byte_sink *out)
{
    memset(status, 0, sizeof(*status));
    if (!cfg->s3 || !cfg->bucket || !*cfg->bucket || !cfg->key || !*cfg->key)
        return REC_ERR_INVALID;
    size_t part = cfg->part_size ? cfg->part_size : S3_UPLOAD_DEFAULT_PART;
    if (part < S3_UPLOAD_MIN_PART)
        return REC_ERR_INVALID;
    struct upload *u = calloc(1, sizeof(*u));
    if (!u)
        return REC_ERR_NOMEM;
    u->cfg = *cfg;
    u->cfg.part_size = part;
    u->status = status;
    rec_aws_response_init(&u->resp);
    rec_buf_init(&u->part1, part);
    rec_buf_init(&u->cur, part);
    u->bucket = strdup(cfg->bucket);
    u->key = strdup(cfg->key);
    u->etags = calloc(S3_UPLOAD_MAX_PARTS, sizeof(*u->etags));
    if (!u->bucket || !u->key || !u->etags) {
        destroy(u);
        return REC_ERR_NOMEM;
    }
    u->cfg.bucket = u->bucket;
    u->cfg.key = u->key;
    *out = (struct byte_sink){ .ops = &upload_ops, .impl = u };
    return 0;
}
