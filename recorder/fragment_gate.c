/*
 * The fragment gate (see fragment_gate.h). One fragment at a time:
 *
 *   on_track*  -> the fragment's track table (tracks repeat per fragment)
 *   on_tag*    -> fragment number, call tag, MimeType, continuation token
 *   on_fragment_start -> roles; judge with the tags so far:
 *        SKIP   its blocks are skipped by the reader without buffering
 *        USE    decided and every codec decidable: frames go straight out
 *        HOLD   frames are held (one fragment, capped) until it can be judged
 *   on_frame   -> out (USE) or held (HOLD)
 *   on_tag after the Cluster, once the tags a judgement needs are in, or
 *   on_fragment_end at the latest -> judge; send the held frames or drop them
 */
#include "recorder/fragment_gate.h"

#include <string.h>

#define DEFAULT_MAX_FRAGMENT_BYTES ((size_t)8 << 20)

#define TAG_FRAGMENT_NUMBER "AWS_KINESISVIDEO_FRAGMENT_NUMBER"
#define TAG_CONTINUATION "AWS_KINESISVIDEO_CONTINUATION_TOKEN"
#define TAG_MIME_TYPE "MimeType"
#define TAG_SERVER_TIMESTAMP "AWS_KINESISVIDEO_SERVER_TIMESTAMP"

/* Header of one held frame in hold, followed by len bytes. */
struct held_frame {
    int64_t time_ns;
    int64_t cluster_ns;
    uint32_t len;      /* bytes that follow */
    int16_t role;
    int16_t time_only;
};

/* ---- batches -------------------------------------------------------------- */

int gate_batch_next(struct gate_batch *b, struct gate_frame *out)
{
    if (b->has_single) {
        if (b->single_taken)
            return 0;
        b->single_taken = 1;
        *out = b->single;
        return 1;
    }
    if (b->at >= b->end)
        return 0;
    struct held_frame h;
    memcpy(&h, b->at, sizeof(h));
    *out = (struct gate_frame){ .role = (enum track_role)h.role,
                                .time_ns = h.time_ns,
                                .cluster_ns = h.cluster_ns,
                                .data = rec_bytes_of(b->at + sizeof(h), h.len),
                                .time_only = h.time_only };
    b->at += sizeof(h) + h.len;
    return 1;
}

void gate_batch_rewind(struct gate_batch *b)
{
    b->at = b->start;
    b->single_taken = 0;
}

static void drop_held(struct fragment_gate *g)
{
    rec_buf_reset(&g->hold);
}

static int send_single(struct fragment_gate *g, const struct gate_frame *f)
{
    struct gate_batch b = { .single = *f, .has_single = 1 };
    return g->ev.on_frames(g->ev.user, &b);
}

static int send_held(struct fragment_gate *g)
{
    struct gate_batch b = { 0 };
    if (g->hold.len == 0)
        return 0;
    b.start = b.at = (const uint8_t *)g->hold.data;
    b.end = b.start + g->hold.len;
    return g->ev.on_frames(g->ev.user, &b);
}

/* ---- judging -------------------------------------------------------------- */

static const char *number_or_null(const struct fragment_gate *g)
{
    return g->number[0] ? g->number : NULL;
}

/* Non-zero when every role track's codec can be decided now (A_AAC needs
 * the MimeType tag, which Connect writes after the Cluster). */
static int codecs_decidable(const struct fragment_gate *g)
{
    for (size_t i = 0; i < g->n_tracks; i++)
        if (g->track_roles[i] != TRACK_ROLE_NONE && track_codec_needs_mime(&g->tracks[i]) &&
            !g->mime.present)
            return 0;
    return 1;
}

/* Non-zero when a held fragment has every tag its judgement needs, so it
 * can be settled before its Segment ends. That matters on a live stream:
 * after a call's last fragment nothing more may arrive for a long time, so
 * waiting for the next fragment's EBML header would stall the reader. */
static int tags_sufficient(const struct fragment_gate *g)
{
    if (g->select.call_id[0] && g->call == FRAGMENT_CALL_UNSEEN)
        return 0;
    if ((g->select.start[0] || g->select.stop[0]) && !g->number[0])
        return 0;
    return codecs_decidable(g); /* i.e. the MimeType tag, if A_AAC needs it */
}

static int announce_use(struct fragment_gate *g)
{
    const struct track_mime *mime = g->mime.present        ? &g->mime
                                    : g->last_mime.present ? &g->last_mime
                                                           : NULL;
    struct gate_fragment f = { g->tracks, g->track_roles, g->n_tracks, mime,
                               g->server_timestamp[0] ? g->server_timestamp : NULL };
    return g->ev.on_use(g->ev.user, &f);
}

static void note_used(struct fragment_gate *g)
{
    struct fragment_gate_stats *st = &g->st;
    st->fragments_used++;
    if (g->number[0]) {
        /* Both hold fragment numbers, which were checked to fit. */
        if (!st->first_fragment[0])
            rec_str_copy(st->first_fragment, sizeof(st->first_fragment), g->number);
        rec_str_copy(st->last_fragment, sizeof(st->last_fragment), g->number);
    }
    if (!g->call_noted && g->call != FRAGMENT_CALL_UNSEEN) {
        rec_str_copy(st->call_id, sizeof(st->call_id), g->call_id); /* "" when too long */
        g->call_noted = 1;
    }
    fragment_select_used(&g->select, number_or_null(g));
}

static void note_skipped(struct fragment_gate *g)
{
    g->st.fragments_skipped++;
    g->counted = 1;
    g->mode = GATE_SKIP;
}

/* Judges a held fragment: sends its frames or drops them. */
static int judge_held(struct fragment_gate *g, enum fragment_phase phase)
{
    int rc = 0;
    enum fragment_verdict v = fragment_select_judge(&g->select, phase, number_or_null(g), g->call);
    if (v == FRAGMENT_USE) {
        g->mode = GATE_USE;
        rc = announce_use(g);
        if (!rc)
            rc = send_held(g);
    } else {
        note_skipped(g);
    }
    drop_held(g);
    return rc;
}

/* The fragment's audio is complete (its Cluster ended: a tag followed it,
 * the fragment ended, or the input was cut): judge a held fragment and send
 * or drop its frames, and count the fragment once. early: called on a tag,
 * when a held fragment may still lack the tags it needs. Returns 0,
 * MKV_STOP when the recording is complete, or an error. */
static int settle(struct fragment_gate *g, enum fragment_phase phase, int early)
{
    int rc = 0;
    if (g->mode == GATE_HOLD) {
        if (early && !tags_sufficient(g))
            return 0;
        rc = judge_held(g, phase);
    }
    if (g->mode == GATE_USE && !g->counted) {
        note_used(g);
        g->counted = 1;
    }
    /* The resume point moves once a fragment's audio was read whole. */
    if (phase != FRAGMENT_CUT && g->mode != GATE_HOLD && g->number[0])
        rec_str_copy(g->resume.last_fragment, sizeof(g->resume.last_fragment), g->number);
    if (rc)
        return rc;
    return g->select.done ? MKV_STOP : 0;
}

/* Forgets the fragment; its tracks are replaced by the next fragment's
 * TrackEntries (kept if a fragment has no Tracks). */
static void forget_fragment(struct fragment_gate *g)
{
    if (g->mime.present)
        g->last_mime = g->mime;
    g->mime.present = 0;
    g->number[0] = '\0';
    g->server_timestamp[0] = '\0';
    g->call = FRAGMENT_CALL_UNSEEN;
    g->call_id[0] = '\0';
    g->tracks_stale = 1;
    g->direct_wrote = 0;
    g->counted = 0;
    g->fragment_open = 0;
    g->mode = GATE_NO_FRAGMENT;
    drop_held(g);
}

/* ---- reader callbacks ----------------------------------------------------- */

static int on_track(void *user, const struct mkv_track_info *t)
{
    struct fragment_gate *g = user;
    if (g->tracks_stale) {
        g->n_tracks = 0;
        g->tracks_stale = 0;
    }
    if (g->n_tracks == FRAGMENT_GATE_MAX_TRACKS)
        return rec_error_set(g->err, REC_ERR_LIMIT, 0, "more than %d tracks in one fragment",
                             FRAGMENT_GATE_MAX_TRACKS);
    track_entry_from_info(&g->tracks[g->n_tracks++], t);
    return 0;
}

static int read_tag(struct fragment_gate *g, const struct mkv_tag *tag)
{
    if (!strcmp(tag->name, TAG_FRAGMENT_NUMBER)) {
        if (!fragment_number_valid(tag->value))
            return rec_error_set(g->err, REC_ERR_INVALID, 0,
                                 "fragment number tag \"%.40s\" is not a decimal number",
                                 tag->value);
        rec_str_copy(g->number, sizeof(g->number), tag->value); /* valid: it fits */
    } else if (g->call_tag && *g->call_tag && !strcmp(tag->name, g->call_tag)) {
        /* Judged on the whole value; kept for the stats only when it fits. */
        g->call = fragment_select_call(&g->select, rec_bytes_of_str(tag->value));
        rec_str_copy(g->call_id, sizeof(g->call_id), tag->value);
    } else if (!strcmp(tag->name, TAG_SERVER_TIMESTAMP)) {
        if (rec_str_copy(g->server_timestamp, sizeof(g->server_timestamp), tag->value))
            g->server_timestamp[0] = '\0'; /* too long to be a timestamp: none */
    } else if (!strcmp(tag->name, TAG_MIME_TYPE)) {
        track_mime_parse(&g->mime, tag->value);
    } else if (!strcmp(tag->name, TAG_CONTINUATION)) {
        /* A token too long to keep whole is forgotten: resuming then goes
         * by the last fragment number, never by a cut token. */
        rec_str_copy(g->resume.continuation_token, sizeof(g->resume.continuation_token),
                     tag->value);
    }
    return 0;
}

static int on_tag(void *user, const struct mkv_tag *tag)
{
    struct fragment_gate *g = user;
    int rc = read_tag(g, tag);
    if (rc)
        return rc;
    /* Tags cannot sit inside a Cluster: one after the fragment started means
     * its audio has been read. */
    if (g->fragment_open && !g->counted && (g->mode == GATE_HOLD || g->mode == GATE_USE))
        return settle(g, FRAGMENT_AT_END, 1);
    return 0;
}

static int on_kvs_error(void *user, const char *code, const char *id)
{
    struct fragment_gate *g = user;
    /* GetMediaForFragmentList names a fragment it cannot serve this way, with
     * HTTP 200 (aws-sdk-js issue 3217): the caller may try again later */
    int not_found = strcmp(code, "FRAGMENT_NOT_FOUND") == 0;
    return rec_error_set(g->err, not_found ? REC_ERR_NOT_FOUND : REC_ERR_AWS, 0,
                         "GetMedia reported error code %.40s%s%.80s", code, id ? ", id " : "", id ? id : "");
}

static int on_fragment_start(void *user, const struct mkv_fragment_info *f)
{
    (void)f;
    struct fragment_gate *g = user;
    g->fragment_open = 1;
    g->direct_wrote = 0;
    g->counted = 0;
    drop_held(g);
    if (track_roles_assign(g->roles, g->tracks, g->n_tracks, g->track_roles) != 0)
        return rec_error_set(g->err, REC_ERR_INVALID, 0,
                             "two tracks of one fragment have the same role name");
    switch (fragment_select_judge(&g->select, FRAGMENT_AT_START, number_or_null(g), g->call)) {
    case FRAGMENT_END: note_skipped(g); return MKV_STOP;
    case FRAGMENT_SKIP: note_skipped(g); return 0;
    case FRAGMENT_USE:
        if (!codecs_decidable(g))
            break;
        g->mode = GATE_USE;
        return announce_use(g);
    default: break;
    }
    g->mode = GATE_HOLD;
    return 0;
}

static enum track_role role_of_track(const struct fragment_gate *g, uint64_t track)
{
    for (size_t i = 0; i < g->n_tracks; i++)
        if (g->tracks[i].number == track)
            return g->track_roles[i];
    return TRACK_ROLE_NONE;
}

static int want_track(void *user, uint64_t track)
{
    struct fragment_gate *g = user;
    if (g->mode != GATE_USE && g->mode != GATE_HOLD)
        return 0;
    enum track_role ro = role_of_track(g, track);
    return ro != TRACK_ROLE_NONE && g->ev.want_role(g->ev.user, ro) != GATE_WANT_NONE;
}

static int hold_frame(struct fragment_gate *g, const struct gate_frame *f)
{
    if (f->data.len > UINT32_MAX)
        return rec_error_set(g->err, REC_ERR_LIMIT, 0, "block of %zu bytes", f->data.len);
    struct held_frame h = { f->time_ns, f->cluster_ns, (uint32_t)f->data.len, (int16_t)f->role,
                            (int16_t)f->time_only };
    size_t before = g->hold.len;
    int rc = rec_buf_append(&g->hold, &h, sizeof(h));
    if (!rc && f->data.len)
        rc = rec_buf_append(&g->hold, f->data.ptr, f->data.len);
    if (rc) /* no header without its bytes: the frames held stay whole */
        rec_buf_truncate(&g->hold, before);
    if (rc == REC_ERR_LIMIT)
        return rec_error_set(g->err, rc, 0,
                             "fragment %s holds more than %zu bytes of audio before its tags "
                             "can be read (max_fragment_bytes)",
                             g->number[0] ? g->number : "(unnumbered)", rec_buf_limit(&g->hold));
    if (rc)
        return rec_error_set(g->err, rc, 0, "out of memory holding a fragment");
    return 0;
}

static int on_frame(void *user, const struct mkv_frame *fr)
{
    struct fragment_gate *g = user;
    enum track_role ro = role_of_track(g, fr->track);
    if (ro == TRACK_ROLE_NONE || (g->mode != GATE_USE && g->mode != GATE_HOLD))
        return 0;
    enum gate_want want = g->ev.want_role(g->ev.user, ro);
    if (want == GATE_WANT_NONE || (want == GATE_WANT_TIME && fr->len == 0))
        return 0;
    struct gate_frame f = { .role = ro, .time_ns = fr->time_ns, .cluster_ns = fr->cluster_time_ns };
    if (want == GATE_WANT_TIME)
        f.time_only = 1;
    else
        f.data = rec_bytes_of(fr->data, fr->len);
    if (g->mode == GATE_HOLD)
        return hold_frame(g, &f);
    g->direct_wrote = 1;
    return send_single(g, &f);
}

static int on_fragment_end(void *user, const struct mkv_fragment_info *f)
{
    (void)f;
    struct fragment_gate *g = user;
    int rc = settle(g, FRAGMENT_AT_END, 0);
    g->resume.fragments_seen++;
    forget_fragment(g);
    return rc;
}

/* ---- public interface ------------------------------------------------------ */

int fragment_gate_init(struct fragment_gate *g, const struct fragment_gate_config *cfg,
                       const struct gate_events *ev, struct rec_error *err)
{
    memset(g, 0, sizeof(*g));
    rec_buf_init(&g->hold, cfg->max_fragment_bytes ? cfg->max_fragment_bytes
                                                   : DEFAULT_MAX_FRAGMENT_BYTES);
    g->roles = cfg->roles;
    g->call_tag = cfg->call_tag;
    g->ev = *ev;
    g->err = err;
    g->tracks_stale = 1;
    if (cfg->call_id && *cfg->call_id && !(cfg->call_tag && *cfg->call_tag))
        return REC_ERR_INVALID; /* a wanted call nothing could name */
    int rc = fragment_select_init(&g->select, cfg->call_id, cfg->start_fragment,
                                  cfg->stop_fragment);
    if (rc)
        return rc;
    memcpy(g->st.call_id, g->select.call_id, sizeof(g->st.call_id));
    g->call_noted = g->st.call_id[0] != '\0';
    return 0;
}

void fragment_gate_callbacks(struct fragment_gate *g, struct mkv_callbacks *cb)
{
    *cb = (struct mkv_callbacks){
        .user = g,
        .on_fragment_start = on_fragment_start,
        .on_fragment_end = on_fragment_end,
        .on_track = on_track,
        .on_tag = on_tag,
        .on_kvs_error = on_kvs_error,
        .want_track = want_track,
        .on_frame = on_frame,
    };
}

int fragment_gate_done(const struct fragment_gate *g)
{
    return g->select.done != FRAGMENT_NOT_DONE;
}

int fragment_gate_cut(struct fragment_gate *g)
{
    if (!g->fragment_open || g->select.done)
        return 0;
    int rc = settle(g, FRAGMENT_CUT, 0);
    return rc == MKV_STOP ? 0 : rc;
}

int fragment_gate_restart(struct fragment_gate *g)
{
    if (g->fragment_open && g->mode == GATE_USE && g->direct_wrote && !g->counted)
        return REC_ERR_STATE;
    forget_fragment(g);
    return 0;
}

void fragment_gate_get_stats(const struct fragment_gate *g, struct fragment_gate_stats *out)
{
    *out = g->st;
    out->done = g->select.done;
}

const struct kvs_resume_point *fragment_gate_resume_point(const struct fragment_gate *g)
{
    return &g->resume;
}

void fragment_gate_clean_up(struct fragment_gate *g)
{
    rec_buf_clean_up(&g->hold, 0);
}
