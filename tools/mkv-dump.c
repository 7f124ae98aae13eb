/*
 * mkv-dump FILE|-  : what did GetMedia send?
 *
 * Streams a Matroska/KVS GetMedia capture through the reader (kvs/mkv_reader)
 * and prints one JSON object: per fragment its index, byte offset,
 * TimecodeScale, tags, tracks, block/frame counts per track and first/last
 * frame times (ns), plus totals and the reader's error if any. Payloads are
 * only counted, never decoded.
 *
 * Exit status: 0 read cleanly, 2 invalid input (malformed, unsupported, over
 * a cap), 3 truncated (input ended inside an element or a Cluster), 1 usage
 * or I/O error. The JSON is printed in every case but usage/I/O errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "kvs/mkv_reader.h"

struct track_stats {
    uint64_t track;
    uint64_t blocks, frames, bytes, keyframes;
    int64_t first_ns, last_ns;
};

struct dump {
    cJSON *fragments;      /* array */
    cJSON *frag;           /* the fragment being read, NULL between fragments */
    struct track_stats *stats; /* of frag */
    size_t n_stats;
    int64_t first_ns, last_ns;
    int have_time;
    uint64_t total_blocks, total_frames, total_bytes;
    int failed_alloc;
};

static cJSON *add_i64(cJSON *obj, const char *key, int64_t v)
{
    /* cJSON numbers are doubles; epoch nanoseconds need all 64 bits. */
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_AddRawToObject(obj, key, buf);
}

static cJSON *add_u64(cJSON *obj, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_AddRawToObject(obj, key, buf);
}

/* Closes the fragment's per-track statistics into its JSON. */
static void flush_stats(struct dump *d)
{
    if (!d->frag)
        return;
    cJSON *blocks = cJSON_AddArrayToObject(d->frag, "blocks");
    for (size_t i = 0; i < d->n_stats; i++) {
        const struct track_stats *s = &d->stats[i];
        cJSON *o = cJSON_CreateObject();
        add_u64(o, "track", s->track);
        add_u64(o, "blocks", s->blocks);
        add_u64(o, "frames", s->frames);
        add_u64(o, "keyframes", s->keyframes);
        add_u64(o, "bytes", s->bytes);
        add_i64(o, "first_time_ns", s->first_ns);
        add_i64(o, "last_time_ns", s->last_ns);
        cJSON_AddItemToArray(blocks, o);
    }
    if (d->have_time) {
        add_i64(d->frag, "first_frame_ns", d->first_ns);
        add_i64(d->frag, "last_frame_ns", d->last_ns);
    }
    free(d->stats);
    d->stats = NULL;
    d->n_stats = 0;
    d->have_time = 0;
}

/* The fragment that events now belong to: tags and tracks arrive before
 * on_fragment_start, so a fragment is opened by its first event. */
static cJSON *current(struct dump *d)
{
    if (!d->frag) {
        d->frag = cJSON_CreateObject();
        /* fragments are numbered from 0 in stream order; a cut one never
         * gets on_fragment_start/_end to say so */
        add_u64(d->frag, "index", (uint64_t)cJSON_GetArraySize(d->fragments));
        cJSON_AddItemToArray(d->fragments, d->frag);
        cJSON_AddBoolToObject(d->frag, "complete", 0);
        cJSON_AddArrayToObject(d->frag, "tags");
        cJSON_AddArrayToObject(d->frag, "tracks");
    }
    return d->frag;
}

static void describe(cJSON *frag, const struct mkv_fragment_info *f)
{
    cJSON_DeleteItemFromObject(frag, "index");
    cJSON_DeleteItemFromObject(frag, "start_offset");
    cJSON_DeleteItemFromObject(frag, "timecode_scale");
    add_u64(frag, "index", f->index);
    add_u64(frag, "start_offset", f->start_offset);
    add_u64(frag, "timecode_scale", f->timecode_scale);
}

static int on_fragment_start(void *user, const struct mkv_fragment_info *f)
{
    describe(current(user), f);
    return 0;
}

static int on_fragment_end(void *user, const struct mkv_fragment_info *f)
{
    struct dump *d = user;
    cJSON *frag = current(d);
    describe(frag, f);
    cJSON_ReplaceItemInObject(frag, "complete", cJSON_CreateBool(1));
    flush_stats(d);
    d->frag = NULL;
    return 0;
}

static int on_track(void *user, const struct mkv_track_info *t)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "number", t->number);
    add_u64(o, "type", t->type);
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON_AddStringToObject(o, "codec_id", t->codec_id);
    if (t->codec_private)
        add_u64(o, "codec_private_bytes", t->codec_private_len);
    cJSON_AddNumberToObject(o, "sampling_frequency", t->sampling_frequency);
    add_u64(o, "channels", t->channels);
    add_u64(o, "bit_depth", t->bit_depth);
    cJSON_AddItemToArray(cJSON_GetObjectItem(current(user), "tracks"), o);
    return 0;
}

static int on_tag(void *user, const struct mkv_tag *tag)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", tag->name);
    cJSON_AddStringToObject(o, "value", tag->value);
    cJSON_AddItemToArray(cJSON_GetObjectItem(current(user), "tags"), o);
    return 0;
}

static int on_kvs_error(void *user, const char *code, const char *id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", code);
    if (id)
        cJSON_AddStringToObject(o, "id", id);
    else
        cJSON_AddNullToObject(o, "id");
    cJSON_AddItemToObject(current(user), "kvs_error", o);
    return 0;
}

static int on_frame(void *user, const struct mkv_frame *fr)
{
    struct dump *d = user;
    current(d);
    struct track_stats *s = NULL;
    for (size_t i = 0; i < d->n_stats; i++)
        if (d->stats[i].track == fr->track)
            s = &d->stats[i];
    if (!s) {
        struct track_stats *p = realloc(d->stats, (d->n_stats + 1) * sizeof *p);
        if (!p)
            return REC_ERR_NOMEM;
        d->stats = p;
        s = &p[d->n_stats++];
        *s = (struct track_stats){ .track = fr->track, .first_ns = fr->time_ns };
    }
    if (fr->lace_index == 0) {
        s->blocks++;
        d->total_blocks++;
        if (fr->keyframe)
            s->keyframes++;
    }
    s->frames++;
    s->bytes += fr->len;
    s->last_ns = fr->time_ns;
    d->total_frames++;
    d->total_bytes += fr->len;
    if (!d->have_time || fr->time_ns < d->first_ns)
        d->first_ns = fr->time_ns;
    if (!d->have_time || fr->time_ns > d->last_ns)
        d->last_ns = fr->time_ns;
    d->have_time = 1;
    return 0;
}

static const char *status_name(int rc)
{
    switch (rc) {
    case 0: return "ok";
    case REC_ERR_TRUNCATED: return "truncated";
    case REC_ERR_INVALID: return "invalid";
    case REC_ERR_UNSUPPORTED: return "unsupported";
    case REC_ERR_LIMIT: return "limit";
    default: return "error";
    }
}

int main(int argc, char **argv)
{
    if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fprintf(stderr, "usage: mkv-dump FILE|-\n"
                        "Prints the fragments, tags, tracks and block counts of a Matroska /\n"
                        "KVS GetMedia stream as JSON. Exit 0 ok, 2 invalid, 3 truncated.\n");
        return 1;
    }
    FILE *in = strcmp(argv[1], "-") ? fopen(argv[1], "rb") : stdin;
    if (!in) {
        fprintf(stderr, "mkv-dump: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }

    int status = 1;
    struct dump d = { .fragments = cJSON_CreateArray() };
    struct mkv_callbacks cb = {
        .user = &d,
        .on_fragment_start = on_fragment_start,
        .on_fragment_end = on_fragment_end,
        .on_track = on_track,
        .on_tag = on_tag,
        .on_kvs_error = on_kvs_error,
        .on_frame = on_frame,
    };
    struct mkv_reader r;
    int rc = mkv_reader_init(&r, NULL, &cb);
    if (rc) {
        fprintf(stderr, "mkv-dump: %s\n", rec_strerror(rc));
        goto cleanup;
    }
    static uint8_t buf[1 << 16];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
        rc = mkv_reader_push(&r, buf, n);
    if (ferror(in)) {
        fprintf(stderr, "mkv-dump: %s: read error\n", argv[1]);
        goto cleanup;
    }
    if (!rc)
        rc = mkv_reader_finish(&r);
    flush_stats(&d);

    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "file", argv[1]);
    cJSON_AddStringToObject(out, "status", status_name(rc));
    if (rc < 0)
        cJSON_AddStringToObject(out, "error", mkv_reader_error(&r));
    add_u64(out, "bytes_read", mkv_reader_offset(&r));
    cJSON *totals = cJSON_AddObjectToObject(out, "totals");
    add_u64(totals, "fragments", (uint64_t)cJSON_GetArraySize(d.fragments));
    add_u64(totals, "blocks", d.total_blocks);
    add_u64(totals, "frames", d.total_frames);
    add_u64(totals, "bytes", d.total_bytes);
    cJSON_AddItemToObject(out, "fragments", d.fragments);
    d.fragments = NULL;
    char *text = cJSON_Print(out);
    cJSON_Delete(out);
    if (!text) {
        fprintf(stderr, "mkv-dump: out of memory\n");
        goto cleanup;
    }
    puts(text);
    free(text);
    status = rc == 0 || rc == MKV_STOP ? 0 : rc == REC_ERR_TRUNCATED ? 3 : 2;

cleanup:
    mkv_reader_clean_up(&r);
    cJSON_Delete(d.fragments);
    free(d.stats);
    if (in != stdin)
        fclose(in);
    return status;
}
