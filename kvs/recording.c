/*
 * The recorder (see recording.h). One fragment at a time:
 *
 *   on_track*  -> the fragment's track table (tracks repeat per fragment)
 *   on_tag*    -> fragment number, ContactId, MimeType, continuation token
 *   on_fragment_start -> roles; judge with the tags so far:
 *        SKIP   unwanted blocks are skipped by the reader without buffering
 *        USE    decided and every codec known: frames go straight out
 *        HOLD   frames are held (one fragment, capped) until it can be judged
 *   on_frame   -> written (USE) or held (HOLD)
 *   on_tag after the Cluster, once the tags a judgement needs are in, or
 *   on_fragment_end at the latest -> judge; commit the held frames or drop
 *
 * Committing a frame: decode to s16le, place it on the track's timeline
 * (silence before it if it starts late), write silence + samples to the
 * track's mono WAV and to the stereo mix.
 */
#include "kvs/recording.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/stereo_mix.h"
#include "audio/timeline.h"
#include "audio/wav_writer.h"
#include "common/buf.h"
#include "common/bytes.h"
#include "common/error.h"
#include "recorder/track_codec.h"

/* Connect's track names (REFERENCE.md §3). */
static const struct track_roles connect_roles = {
    .name = { "AUDIO_FROM_CUSTOMER", "AUDIO_TO_CUSTOMER" },
    .lone_name = "Track_audio/L16",
};

static const char *track_role_name(int role)
{
    return role >= 0 && role < TRACK_ROLES ? connect_roles.name[role] : "";
}

#define DEFAULT_MAX_FRAGMENT_BYTES ((size_t)8 << 20)
#define MAX_TRACKS 32 /* TrackEntries per fragment; Connect has 2 */

#define TAG_FRAGMENT_NUMBER "AWS_KINESISVIDEO_FRAGMENT_NUMBER"
#define TAG_CONTINUATION "AWS_KINESISVIDEO_CONTINUATION_TOKEN"
#define TAG_CONTACT_ID "ContactId"
#define TAG_MIME_TYPE "MimeType"

/* What happens to the frames of the fragment being read. */
enum mode {
    MODE_NONE, /* no fragment open */
    MODE_SKIP, /* judged: not used; its blocks are skipped unread */
    MODE_USE,  /* judged: used, codecs known; frames go straight out */
    MODE_HOLD, /* not judged yet: frames are held */
};

/* Header of one held frame in struct recording.hold, followed by len bytes. */
struct held_frame {
    int64_t time_ns;
    uint32_t len;
    int32_t role;
};

struct role_out {
    int present;                 /* declared in a used fragment */
    char codec_id[64];
    int resolved;                /* codec decided at least once */
    struct track_codec codec;
    int failed;                  /* unsupported: frames dropped from now on */
    char error[192];
    struct timeline_track tl;
    struct byte_sink sink;
    struct wav_writer wav;
    int open;                    /* sink + wav live */
    int write_failed;
};

struct recording {
    struct recording_config cfg;
    struct mkv_reader reader;
    int reader_live;
    struct fragment_select select;

    int err;            /* sticky negative REC_ERR_* */
    char err_msg[320];
    int finished;
    int finish_rc;
    int truncated;

    /* the fragment being read */
    struct track_entry tracks[MAX_TRACKS];
    enum track_role roles[MAX_TRACKS];
    size_t n_tracks;
    int tracks_stale;   /* the next on_track starts a new table */
    char number[FRAGMENT_NUMBER_MAX_DIGITS + 2];
    int have_number;
    char contact[FRAGMENT_SELECT_MAX_CALL_ID + 2];
    int have_contact;
    char mime[128];
    int have_mime;
    enum mode mode;
    int fragment_open;  /* between on_fragment_start and on_fragment_end */
    int direct_wrote;   /* USE: frames of this fragment already written */
    int counted;        /* settled and counted in the stats */
    struct rec_buf hold;

    char last_mime[128]; /* the latest MimeType tag, for fragments that lack it */
    int have_last_mime;

    /* outputs */
    struct role_out role[TRACK_ROLES];
    int origin_set;
    int64_t origin_ns;
    struct stereo_mix mix;
    int mix_live;       /* mixer initialised */
    int mix_dead;       /* refused (rates differ) or failed */
    uint32_t mix_rate;
    struct byte_sink mix_sink;
    struct wav_writer mix_wav;
    int mix_open;
    int mix_failed;     /* its sink failed: discard it */
    char mix_error[192];
    uint8_t *scratch;   /* byte-swapped block */
    size_t scratch_cap;

    struct recording_stats st;
};

__attribute__((format(printf, 3, 4))) static int fail(struct recording *r, int code,
                                                      const char *fmt, ...)
{
    /* The first error is the one reported; later ones are consequences. */
    if (r->err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
    va_end(ap);
    r->err = code;
    return code;
}

/* Copies src into dst[cap], cutting it to cap - 1 bytes. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* ---- outputs -------------------------------------------------------------- */

static int mix_emit(void *user, const uint8_t *frames, size_t n)
{
    struct recording *r = user;
    if (r->mix_dead)
        return 0;
    if (!r->mix_open) {
        int rc = r->cfg.sinks.open(r->cfg.sinks.user, RECORDING_MIXED, r->mix_rate, 2, &r->mix_sink);
        if (rc) {
            r->mix_dead = r->mix_failed = 1;
            return fail(r, rc, "cannot open the stereo mix output: %s", rec_strerror(rc));
        }
        r->mix_open = 1;
        rc = wav_writer_init(&r->mix_wav, &r->mix_sink, r->mix_rate, 2);
        if (rc) {
            r->mix_dead = r->mix_failed = 1;
            return fail(r, rc, "cannot write the stereo mix: %s", rec_strerror(rc));
        }
    }
    int rc = wav_writer_write_s16le(&r->mix_wav, frames, n);
    if (rc) {
        r->mix_dead = r->mix_failed = 1;
        return fail(r, rc, "cannot write the stereo mix: %s", rec_strerror(rc));
    }
    return 0;
}

static void mix_refuse(struct recording *r, const char *why)
{
    if (r->mix_dead)
        return;
    r->mix_dead = 1;
    copy_str(r->mix_error, sizeof(r->mix_error), why);
    if (r->mix_open) {
        byte_sink_close(&r->mix_sink, 0);
        r->mix_open = 0;
    }
}

/* Checks that a newly known rate allows the mix. */
static void mix_check_rate(struct recording *r, uint32_t rate)
{
    if (r->mix_dead)
        return;
    if (!r->mix_rate) {
        r->mix_rate = rate;
        return;
    }
    if (rate != r->mix_rate) {
        char why[192];
        snprintf(why, sizeof(why),
                 "the tracks' rates differ (%u Hz and %u Hz): no stereo mix without resampling",
                 r->mix_rate, rate);
        mix_refuse(r, why);
    }
}

static int role_open(struct recording *r, int ro)
{
    struct role_out *o = &r->role[ro];
    if (o->open)
        return 0;
    int rc = r->cfg.sinks.open(r->cfg.sinks.user, (enum recording_output)ro, o->codec.rate, 1,
                               &o->sink);
    if (rc)
        return fail(r, rc, "cannot open the %s output: %s", track_role_name(ro), rec_strerror(rc));
    o->open = 1;
    rc = wav_writer_init(&o->wav, &o->sink, o->codec.rate, 1);
    if (rc) {
        o->write_failed = 1;
        return fail(r, rc, "cannot write the %s output: %s", track_role_name(ro), rec_strerror(rc));
    }
    return 0;
}

/* Appends silence then n samples (s16le, NULL = none) to a role's outputs. */
static int role_write(struct recording *r, int ro, uint64_t silence, const uint8_t *s16le,
                      size_t n)
{
    struct role_out *o = &r->role[ro];
    int rc = role_open(r, ro);
    if (rc)
        return rc;
    if (silence)
        rc = wav_writer_write_silence(&o->wav, silence);
    if (!rc && n)
        rc = wav_writer_write_s16le(&o->wav, s16le, n);
    if (rc) {
        o->write_failed = 1;
        return fail(r, rc, "cannot write the %s output: %s", track_role_name(ro), rec_strerror(rc));
    }
    if (!r->mix_dead) {
        if (silence)
            rc = stereo_mix_add(&r->mix, ro, NULL, silence);
        if (!rc && n)
            rc = stereo_mix_add(&r->mix, ro, s16le, n);
        if (rc)
            return fail(r, rc, "stereo mix failed: %s", rec_strerror(rc));
    }
    return 0;
}

/* ---- codecs --------------------------------------------------------------- */

static void role_fail(struct recording *r, int ro, const char *why)
{
    struct role_out *o = &r->role[ro];
    if (o->failed)
        return;
    o->failed = 1;
    snprintf(o->error, sizeof(o->error), "%s: %.160s", track_role_name(ro), why);
}

/* Decides the codec of every role track in the fragment. mime: the
 * MimeType tag to apply (NULL if none). */
static void resolve_codecs(struct recording *r, const char *mime)
{
    for (size_t i = 0; i < r->n_tracks; i++) {
        int ro = r->roles[i];
        if (ro == TRACK_ROLE_NONE)
            continue;
        struct role_out *o = &r->role[ro];
        const struct track_entry *t = &r->tracks[i];
        o->present = 1;
        copy_str(o->codec_id, sizeof(o->codec_id), t->codec_id);
        if (o->failed)
            continue;
        struct track_codec c;
        struct track_mime m;
        if (mime)
            track_mime_parse(&m, mime);
        if (track_codec_resolve(t, mime ? &m : NULL, &c) != 0) {
            role_fail(r, ro, c.why);
            continue;
        }
        if (o->resolved && c.rate != o->codec.rate) {
            char why[160];
            snprintf(why, sizeof(why), "rate changed from %u Hz to %u Hz mid-stream",
                     o->codec.rate, c.rate);
            role_fail(r, ro, why);
            continue;
        }
        if (!o->resolved)
            timeline_track_init(&o->tl, c.rate, r->cfg.max_gap_ms);
        o->codec = c;
        o->resolved = 1;
        mix_check_rate(r, c.rate);
    }
}

/* Non-zero when every role track's codec can be decided now (A_AAC needs
 * the MimeType tag, which Connect writes after the Cluster). */
static int codecs_known_at_start(const struct recording *r)
{
    for (size_t i = 0; i < r->n_tracks; i++) {
        if (r->roles[i] == TRACK_ROLE_NONE)
            continue;
        const char *id = r->tracks[i].codec_id;
        if ((!strcmp(id, "A_AAC") || !strncmp(id, "A_AAC/", 6)) && !r->have_mime)
            return 0;
    }
    return 1;
}

static int role_of_track(const struct recording *r, uint64_t track)
{
    for (size_t i = 0; i < r->n_tracks; i++)
        if (r->tracks[i].number == track)
            return r->roles[i];
    return TRACK_ROLE_NONE;
}

/* ---- committing frames ----------------------------------------------------- */

static int commit_frame(struct recording *r, int ro, int64_t time_ns, const uint8_t *data,
                        size_t len)
{
    struct role_out *o = &r->role[ro];
    if (o->failed || !o->resolved || len == 0)
        return 0;
    if (len % 2)
        return fail(r, REC_ERR_INVALID,
                    "%s block at %lld ns: %zu bytes are not whole 16-bit samples",
                    track_role_name(ro), (long long)time_ns, len);
    const uint8_t *s16 = data;
    if (o->codec.layout == PCM_S16BE) {
        /* Grows to the largest block, which the reader caps
         * (max_element_bytes). */
        if (len > r->scratch_cap) {
            uint8_t *p = realloc(r->scratch, len);
            if (!p)
                return fail(r, REC_ERR_NOMEM, "out of memory");
            r->scratch = p;
            r->scratch_cap = len;
        }
        pcm_to_s16le(PCM_S16BE, data, len, r->scratch);
        s16 = r->scratch;
    }
    if (!r->origin_set) {
        /* Only for frames that go straight out (USE): the first one fixes
         * the origin. A block of the other track stamped earlier but stored
         * after it starts at the origin too; muxers interleave by time, so
         * that is at most one block. Held fragments compute the true
         * minimum first (commit_held). */
        r->origin_set = 1;
        r->origin_ns = time_ns;
    }
    uint64_t silence;
    if (timeline_track_place(&o->tl, r->origin_ns, time_ns, len / 2, &silence) != 0)
        return fail(r, REC_ERR_LIMIT,
                    "%s block at %lld ns starts more than %llu ms after the track's end "
                    "(max_gap_ms)",
                    track_role_name(ro), (long long)time_ns,
                    (unsigned long long)(o->tl.max_silence * 1000 / o->tl.rate));
    return role_write(r, ro, silence, s16, len / 2);
}

/* Replays the held frames of a fragment judged USE. */
static int commit_held(struct recording *r)
{
    const uint8_t *p = (const uint8_t *)r->hold.data;
    const uint8_t *end = p + r->hold.len;
    struct held_frame h;
    /* The origin is the earliest block of either track, not the first one
     * held: with alternating tracks the other may start a little earlier. */
    if (!r->origin_set) {
        int64_t min = 0;
        int any = 0;
        for (const uint8_t *q = p; q < end; q += sizeof(h) + h.len) {
            memcpy(&h, q, sizeof(h));
            const struct role_out *o = &r->role[h.role];
            if (o->failed || !o->resolved || h.len == 0)
                continue;
            if (!any || h.time_ns < min)
                min = h.time_ns;
            any = 1;
        }
        if (any) {
            r->origin_set = 1;
            r->origin_ns = min;
        }
    }
    for (; p < end; p += sizeof(h) + h.len) {
        memcpy(&h, p, sizeof(h));
        int rc = commit_frame(r, h.role, h.time_ns, p + sizeof(h), h.len);
        if (rc)
            return rc;
    }
    return 0;
}

static enum fragment_call call_of(const struct recording *r)
{
    return r->have_contact ? fragment_select_call(&r->select, rec_bytes_of_str(r->contact))
                           : FRAGMENT_CALL_UNSEEN;
}

static void note_used(struct recording *r)
{
    struct recording_stats *st = &r->st;
    const char *number = r->have_number ? r->number : NULL;
    st->fragments_used++;
    if (number) {
        if (!st->first_fragment[0])
            copy_str(st->first_fragment, sizeof(st->first_fragment), number);
        copy_str(st->last_fragment, sizeof(st->last_fragment), number);
    }
    if (!st->contact_id[0] && r->have_contact)
        copy_str(st->contact_id, sizeof(st->contact_id), r->contact);
    fragment_select_used(&r->select, number);
}

/* Non-zero when a held fragment has every tag its judgement needs, so it
 * can be settled before its Segment ends. That matters on a live stream:
 * after a contact's last fragment nothing more may arrive for a long time,
 * so waiting for the next fragment's EBML header would stall the reader. */
static int tags_sufficient(const struct recording *r)
{
    if (r->select.call_id[0] && !r->have_contact)
        return 0;
    if ((r->select.start[0] || r->select.stop[0]) && !r->have_number)
        return 0;
    return codecs_known_at_start(r); /* i.e. the MimeType tag, if A_AAC needs it */
}

/* The fragment's audio is complete (its Cluster ended: a tag followed it,
 * the fragment ended, or the input was cut): judge a held fragment and
 * commit or drop its frames, and count the fragment once. early: called on
 * a tag, when a held fragment may still lack the tags it needs. Returns 0,
 * MKV_STOP when the recording is complete, or an error. */
static int settle_fragment(struct recording *r, enum fragment_phase phase, int early)
{
    int rc = 0;
    if (r->mode == MODE_HOLD) {
        if (early && !tags_sufficient(r))
            return 0;
        enum fragment_verdict v = fragment_select_judge(&r->select, phase,
                                                        r->have_number ? r->number : NULL,
                                                        call_of(r));
        if (v == FRAGMENT_USE) {
            resolve_codecs(r, r->have_mime ? r->mime : (r->have_last_mime ? r->last_mime : NULL));
            r->mode = MODE_USE;
            rc = commit_held(r);
        } else {
            r->mode = MODE_SKIP;
            r->st.fragments_skipped++;
            r->counted = 1;
        }
        rec_buf_reset(&r->hold);
    }
    if (r->mode == MODE_USE && !r->counted) {
        note_used(r);
        r->counted = 1;
    }
    if (phase != FRAGMENT_CUT && r->mode != MODE_HOLD && r->have_number)
        copy_str(r->st.last_fragment_seen, sizeof(r->st.last_fragment_seen), r->number);
    if (rc)
        return rc;
    return r->select.done ? MKV_STOP : 0;
}

/* Forgets the fragment; its tracks are replaced by the next fragment's
 * TrackEntries (kept if a fragment has no Tracks). */
static void reset_fragment(struct recording *r)
{
    if (r->have_mime) {
        memcpy(r->last_mime, r->mime, sizeof(r->last_mime));
        r->have_last_mime = 1;
    }
    r->have_number = r->have_contact = r->have_mime = 0;
    r->tracks_stale = 1;
    r->direct_wrote = 0;
    r->counted = 0;
    r->fragment_open = 0;
    r->mode = MODE_NONE;
    rec_buf_reset(&r->hold);
}

/* ---- reader callbacks ------------------------------------------------------ */

static int on_track(void *user, const struct mkv_track_info *t)
{
    struct recording *r = user;
    if (r->tracks_stale) {
        r->n_tracks = 0;
        r->tracks_stale = 0;
    }
    if (r->n_tracks == MAX_TRACKS)
        return fail(r, REC_ERR_LIMIT, "more than %d tracks in one fragment", MAX_TRACKS);
    track_entry_from_info(&r->tracks[r->n_tracks++], t);
    return 0;
}

static int on_tag(void *user, const struct mkv_tag *tag)
{
    struct recording *r = user;
    if (!strcmp(tag->name, TAG_FRAGMENT_NUMBER)) {
        if (!fragment_number_valid(tag->value))
            return fail(r, REC_ERR_INVALID, "fragment number tag \"%.40s\" is not a decimal number",
                        tag->value);
        copy_str(r->number, sizeof(r->number), tag->value);
        r->have_number = 1;
    } else if (!strcmp(tag->name, TAG_CONTACT_ID)) {
        /* A longer value is cut past the longest contact ID accepted, so it
         * can never equal the wanted one. */
        copy_str(r->contact, sizeof(r->contact), tag->value);
        r->have_contact = 1;
    } else if (!strcmp(tag->name, TAG_MIME_TYPE)) {
        copy_str(r->mime, sizeof(r->mime), tag->value);
        r->have_mime = 1;
    } else if (!strcmp(tag->name, TAG_CONTINUATION)) {
        copy_str(r->st.continuation_token, sizeof(r->st.continuation_token), tag->value);
    }
    /* Tags cannot sit inside a Cluster: one after the fragment started means
     * its audio has been read. */
    if (r->fragment_open && !r->counted && (r->mode == MODE_HOLD || r->mode == MODE_USE))
        return settle_fragment(r, FRAGMENT_AT_END, 1);
    return 0;
}

static int on_kvs_error(void *user, const char *code, const char *id)
{
    struct recording *r = user;
    return fail(r, REC_ERR_AWS, "GetMedia reported error code %.40s%s%.80s", code,
                id ? ", id " : "", id ? id : "");
}

static int on_fragment_start(void *user, const struct mkv_fragment_info *f)
{
    (void)f;
    struct recording *r = user;
    r->fragment_open = 1;
    r->direct_wrote = 0;
    r->counted = 0;
    rec_buf_reset(&r->hold);
    if (track_roles_assign(&connect_roles, r->tracks, r->n_tracks, r->roles) != 0)
        return fail(r, REC_ERR_INVALID, "two tracks of one fragment have the same name (%s)",
                    "AUDIO_FROM_CUSTOMER or AUDIO_TO_CUSTOMER");
    enum fragment_verdict v =
        fragment_select_judge(&r->select, FRAGMENT_AT_START, r->have_number ? r->number : NULL,
                              call_of(r));
    switch (v) {
    case FRAGMENT_END:
        r->st.fragments_skipped++;
        r->counted = 1;
        r->mode = MODE_SKIP;
        return MKV_STOP;
    case FRAGMENT_SKIP:
        r->st.fragments_skipped++;
        r->counted = 1;
        r->mode = MODE_SKIP;
        break;
    case FRAGMENT_USE:
        if (codecs_known_at_start(r)) {
            resolve_codecs(r, r->have_mime ? r->mime : NULL);
            r->mode = MODE_USE;
        } else {
            r->mode = MODE_HOLD;
        }
        break;
    default: r->mode = MODE_HOLD; break;
    }
    return 0;
}

static int want_track(void *user, uint64_t track)
{
    struct recording *r = user;
    if (r->mode != MODE_USE && r->mode != MODE_HOLD)
        return 0;
    int ro = role_of_track(r, track);
    if (ro == TRACK_ROLE_NONE || r->role[ro].failed)
        return 0;
    return 1;
}

static int on_frame(void *user, const struct mkv_frame *fr)
{
    struct recording *r = user;
    int ro = role_of_track(r, fr->track);
    if (ro == TRACK_ROLE_NONE)
        return 0;
    if (r->mode == MODE_USE) {
        r->direct_wrote = 1;
        return commit_frame(r, ro, fr->time_ns, fr->data, fr->len);
    }
    if (r->mode != MODE_HOLD)
        return 0;
    struct held_frame h = { fr->time_ns, (uint32_t)fr->len, ro };
    if (fr->len > UINT32_MAX)
        return fail(r, REC_ERR_LIMIT, "block of %zu bytes", fr->len);
    int rc = rec_buf_append(&r->hold, &h, sizeof(h));
    if (!rc)
        rc = rec_buf_append(&r->hold, fr->data, fr->len);
    if (rc == REC_ERR_LIMIT)
        return fail(r, rc,
                    "fragment %s holds more than %zu bytes of audio before its tags can be "
                    "read (max_fragment_bytes)",
                    r->have_number ? r->number : "(unnumbered)", r->hold.limit);
    if (rc)
        return fail(r, rc, "out of memory holding a fragment");
    return 0;
}

static int on_fragment_end(void *user, const struct mkv_fragment_info *f)
{
    (void)f;
    struct recording *r = user;
    int rc = settle_fragment(r, FRAGMENT_AT_END, 0);
    reset_fragment(r);
    return rc;
}

/* ---- public interface ------------------------------------------------------- */

static int reader_start(struct recording *r)
{
    struct mkv_callbacks cb = {
        .user = r,
        .on_fragment_start = on_fragment_start,
        .on_fragment_end = on_fragment_end,
        .on_track = on_track,
        .on_tag = on_tag,
        .on_kvs_error = on_kvs_error,
        .want_track = want_track,
        .on_frame = on_frame,
    };
    struct mkv_reader_config rc = { .max_element_bytes = r->cfg.max_element_bytes };
    int err = mkv_reader_init(&r->reader, &rc, &cb);
    if (err)
        return err;
    r->reader_live = 1;
    r->tracks_stale = 1;
    r->have_number = r->have_contact = r->have_mime = 0;
    r->mode = MODE_NONE;
    r->fragment_open = 0;
    return 0;
}

int recording_new(const struct recording_config *cfg, struct recording **out)
{
    *out = NULL;
    if (!cfg || !cfg->sinks.open)
        return REC_ERR_INVALID;
    struct recording *r = calloc(1, sizeof(*r));
    if (!r)
        return REC_ERR_NOMEM;
    int rc = fragment_select_init(&r->select, cfg->contact_id, cfg->start_fragment,
                                  cfg->stop_fragment);
    if (rc)
        goto cleanup;
    r->cfg = *cfg;
    r->cfg.contact_id = r->cfg.start_fragment = r->cfg.stop_fragment = NULL; /* not kept */
    rec_buf_init(&r->hold, cfg->max_fragment_bytes ? cfg->max_fragment_bytes
                                                   : DEFAULT_MAX_FRAGMENT_BYTES);
    rc = stereo_mix_init(&r->mix, cfg->max_mix_lag_bytes, mix_emit, r);
    if (rc)
        goto cleanup;
    r->mix_live = 1;
    rc = reader_start(r);
    if (rc)
        goto cleanup;
    copy_str(r->st.contact_id, sizeof(r->st.contact_id), r->select.call_id);
    *out = r;
    return 0;

cleanup:
    recording_destroy(r);
    return rc;
}

int recording_push(struct recording *r, const uint8_t *bytes, size_t len)
{
    if (r->err)
        return r->err;
    if (r->finished)
        return REC_ERR_STATE;
    if (r->select.done)
        return MKV_STOP;
    int rc = mkv_reader_push(&r->reader, bytes, len);
    if (rc < 0)
        return fail(r, rc, "%s", mkv_reader_error(&r->reader));
    return rc;
}

int recording_done(const struct recording *r)
{
    return r->select.done != FRAGMENT_NOT_DONE;
}

static int close_outputs(struct recording *r)
{
    int rc = 0;
    for (int ro = 0; ro < TRACK_ROLES; ro++) {
        struct role_out *o = &r->role[ro];
        if (!o->open)
            continue;
        int e = o->write_failed ? REC_ERR_IO : wav_writer_finish(&o->wav);
        int c = byte_sink_close(&o->sink, e == 0);
        o->open = 0;
        if (!e && c)
            e = c;
        if (e && !rc)
            rc = fail(r, e, "cannot finish the %s output: %s", track_role_name(ro), rec_strerror(e));
        r->st.committed[ro] = e == 0;
    }
    /* The mix exists only when both tracks got audio. */
    int both = r->role[0].tl.samples > 0 && r->role[1].tl.samples > 0;
    if (both && !r->mix_dead) {
        int e = stereo_mix_flush(&r->mix);
        if (e && !rc)
            rc = e;
    }
    if (r->mix_open) {
        int keep = both && !r->mix_dead && !r->mix_failed;
        int e = keep ? wav_writer_finish(&r->mix_wav) : 0;
        int c = byte_sink_close(&r->mix_sink, keep && e == 0);
        r->mix_open = 0;
        if (!e && c)
            e = c;
        if (e && !rc)
            rc = fail(r, e, "cannot finish the stereo mix: %s", rec_strerror(e));
        r->st.committed[RECORDING_MIXED] = keep && e == 0;
        if (r->st.committed[RECORDING_MIXED])
            r->st.mix_frames = wav_writer_frames(&r->mix_wav);
    }
    return rc;
}

int recording_finish(struct recording *r)
{
    if (r->finished)
        return r->finish_rc;
    r->finished = 1;
    if (!r->err && !r->select.done) {
        int rc = mkv_reader_finish(&r->reader);
        if (rc == REC_ERR_TRUNCATED) {
            r->truncated = 1;
            copy_str(r->err_msg, sizeof(r->err_msg), mkv_reader_error(&r->reader));
        } else if (rc < 0) {
            fail(r, rc, "%s", mkv_reader_error(&r->reader));
        }
    }
    /* A fragment the input (or a fault) cut off: keep its complete blocks
     * if it belongs to the recording. */
    if (r->fragment_open && !r->select.done)
        settle_fragment(r, FRAGMENT_CUT, 0);
    close_outputs(r);

    int rc = r->err;
    if (!rc && r->st.fragments_used > 0 && !r->role[0].present && !r->role[1].present) {
        rc = REC_ERR_UNSUPPORTED;
        copy_str(r->err_msg, sizeof(r->err_msg),
                 "no audio track to record: none named AUDIO_FROM_CUSTOMER or "
                 "AUDIO_TO_CUSTOMER, and no single Track_audio/L16 or unnamed audio track");
    }
    if (!rc) {
        for (int ro = 0; ro < TRACK_ROLES && !rc; ro++)
            if (r->role[ro].failed) {
                rc = REC_ERR_UNSUPPORTED;
                copy_str(r->err_msg, sizeof(r->err_msg), r->role[ro].error);
            }
    }
    if (!rc && r->truncated)
        rc = REC_ERR_TRUNCATED;
    if (rc == REC_ERR_UNSUPPORTED && !r->err)
        r->err = rc;
    r->finish_rc = rc;
    return rc;
}

int recording_restart_input(struct recording *r)
{
    if (r->finished || r->err)
        return REC_ERR_STATE;
    if (r->fragment_open && r->mode == MODE_USE && r->direct_wrote && !r->counted)
        return REC_ERR_STATE;
    mkv_reader_clean_up(&r->reader);
    r->reader_live = 0;
    reset_fragment(r);
    return reader_start(r);
}

void recording_get_stats(const struct recording *r, struct recording_stats *out)
{
    *out = r->st;
    out->done = r->select.done != FRAGMENT_NOT_DONE;
    out->done_reason = r->select.done == FRAGMENT_DONE_STOP      ? "stop_fragment"
                       : r->select.done == FRAGMENT_DONE_CALL ? "contact_changed"
                                                                 : NULL;
    out->truncated = r->truncated;
    out->bytes_read = r->reader_live ? mkv_reader_offset(&r->reader) : 0;
    for (int ro = 0; ro < TRACK_ROLES; ro++) {
        const struct role_out *o = &r->role[ro];
        struct recording_track_stats *t = &out->track[ro];
        t->name = track_role_name(ro);
        t->present = o->present;
        copy_str(t->codec_id, sizeof(t->codec_id), o->codec_id);
        t->pcm = o->resolved && !o->failed
                     ? (o->codec.layout == PCM_S16BE ? "s16be" : "s16le")
                     : NULL;
        t->rate = o->resolved ? o->codec.rate : 0;
        t->samples = o->tl.samples;
        t->blocks = o->tl.blocks;
        t->gaps_ms = timeline_samples_to_ms(o->tl.gap_samples, o->tl.rate);
        t->lead_ms = timeline_samples_to_ms(o->tl.lead_samples, o->tl.rate);
        copy_str(t->error, sizeof(t->error), o->error);
    }
    out->mix_lost_samples = r->mix.lost_samples;
    copy_str(out->mix_error, sizeof(out->mix_error), r->mix_error);
}

const char *recording_error(const struct recording *r)
{
    return r->err_msg;
}

void recording_destroy(struct recording *r)
{
    if (!r)
        return;
    for (int ro = 0; ro < TRACK_ROLES; ro++)
        if (r->role[ro].open)
            byte_sink_close(&r->role[ro].sink, 0);
    if (r->mix_open)
        byte_sink_close(&r->mix_sink, 0);
    if (r->mix_live)
        stereo_mix_clean_up(&r->mix);
    if (r->reader_live)
        mkv_reader_clean_up(&r->reader);
    rec_buf_clean_up(&r->hold, 0);
    free(r->scratch);
    free(r);
}
