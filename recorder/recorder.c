/*
 * The recorder's façade (see recorder.h): wires the reader to the fragment
 * gate, the gate's committed frames through each role's decoder to the
 * outputs, and turns the parts' states into recorder_finish's result.
 *
 * Committing a frame: decode to s16le, place it on the role's timeline
 * (silence before it if it starts late), write silence + samples to the
 * role's mono file and to the stereo mix.
 */
#include "recorder/recorder.h"

#include <stdlib.h>
#include <string.h>

#include "recorder/fragment_gate.h"
#include "recorder/track_decoder.h"

_Static_assert(sizeof(((struct recorder_track_stats *)0)->unsupported) ==
                   sizeof(((struct track_decoder *)0)->why),
               "a track's reason is copied whole");
_Static_assert(sizeof(((struct recorder_stats *)0)->mix_refused) ==
                   sizeof(((struct output *)0)->refused),
               "the mix's reason is copied whole");

const struct track_roles recorder_tracks_connect = {
    .name = { "AUDIO_FROM_CUSTOMER", "AUDIO_TO_CUSTOMER" },
    .lone_name = "Track_audio/L16",
    .lone_any_name = 0,
};

struct recorder {
    struct recorder_options opt; /* the copied strings are not kept here */
    struct rec_error err;
    struct mkv_reader reader;
    int reader_live;
    struct fragment_gate gate;
    struct track_decoder dec[TRACK_ROLES];
    struct output out[RECORDER_OUTPUTS];
    struct redaction redaction;
    int origin_set;
    int64_t origin_ns;
    int finished;
    int finish_rc;
    int truncated;
    char truncation[200]; /* the reader's words for where the input ended */
};

static const char *role_label(const struct recorder *r, int ro)
{
    const char *name = r->opt.tracks.name[ro];
    return name && *name ? name : ro == 0 ? "role 0" : "role 1";
}

static int wants(const struct recorder *r, enum recorder_output which)
{
    return (r->opt.outputs & RECORDER_WANT(which)) != 0;
}

/* A role's blocks are decoded when its file or the mix is wanted. */
static int decoded(const struct recorder *r, int ro)
{
    return wants(r, (enum recorder_output)ro) || wants(r, RECORDER_OUT_MIX);
}

/* ---- the gate's events ---------------------------------------------------- */

static int on_use(void *user, const struct gate_fragment *f)
{
    struct recorder *r = user;
    redaction_fragment(&r->redaction, f->server_timestamp);
    for (size_t i = 0; i < f->n; i++) {
        int ro = f->roles[i];
        if (ro == TRACK_ROLE_NONE)
            continue;
        track_decoder_update(&r->dec[ro], &f->tracks[i], f->mime);
        if (!track_decoder_usable(&r->dec[ro]))
            continue;
        output_set_rate(&r->out[ro], r->dec[ro].codec.rate);
        output_set_rate(&r->out[RECORDER_OUT_MIX], r->dec[ro].codec.rate);
    }
    return 0;
}

static enum gate_want want_role(void *user, enum track_role role)
{
    struct recorder *r = user;
    if (r->dec[role].refused)
        return GATE_WANT_NONE;
    if (decoded(r, role))
        return GATE_WANT_FRAMES;
    /* Not recorded, but its blocks may still fix the origin. */
    return r->origin_set ? GATE_WANT_NONE : GATE_WANT_TIME;
}

/* A frame counts for the origin when its role can be decoded and it holds
 * audio, whether or not anyone records that role. */
static int counts_for_origin(const struct recorder *r, const struct gate_frame *f)
{
    return track_decoder_usable(&r->dec[f->role]) && (f->time_only || f->data.len > 0);
}

/* The origin is the earliest counted block of the first batch: for a held
 * fragment, of either track, not the first one held (tracks alternate and
 * the other may start a little earlier). A frame that goes straight out is
 * its own batch: muxers interleave by time, so a block of the other track
 * stamped earlier but stored after it is at most one block, and it starts
 * at the origin too. */
static void fix_origin(struct recorder *r, struct gate_batch *batch)
{
    struct gate_frame f;
    int any = 0;
    int64_t min = 0;
    while (gate_batch_next(batch, &f)) {
        if (!counts_for_origin(r, &f))
            continue;
        if (!any || f.time_ns < min)
            min = f.time_ns;
        any = 1;
    }
    gate_batch_rewind(batch);
    if (!any)
        return;
    r->origin_set = 1;
    r->origin_ns = min;
    for (int o = 0; o < RECORDER_OUTPUTS; o++)
        output_set_origin(&r->out[o], min);
}

static int commit_frame(struct recorder *r, const struct gate_frame *f)
{
    int ro = f->role;
    if (f->time_only || !decoded(r, ro) || !track_decoder_usable(&r->dec[ro]) ||
        f->data.len == 0)
        return 0;
    struct rec_bytes s16;
    int rc = track_decoder_to_s16le(&r->dec[ro], f->data, &s16);
    if (rc == REC_ERR_INVALID)
        return rec_error_set(&r->err, rc, 0,
                             "%s block at %lld ns: %zu bytes are not whole 16-bit samples",
                             role_label(r, ro), (long long)f->time_ns, f->data.len);
    if (rc)
        return rec_error_set(&r->err, rc, rc == REC_ERR_NOMEM, "%s block at %lld ns: %s",
                             role_label(r, ro), (long long)f->time_ns, rec_strerror(rc));
    rc = redaction_filter(&r->redaction, ro, f->cluster_ns, f->time_ns, r->dec[ro].codec.rate, s16,
                          &s16);
    if (rc) /* never written unsilenced */
        return rec_error_set(&r->err, rc, rc == REC_ERR_NOMEM, "%s block at %lld ns: silencing: %s",
                             role_label(r, ro), (long long)f->time_ns, rec_strerror(rc));
    uint64_t n = s16.len / 2, silence;
    rc = output_place(&r->out[ro], f->time_ns, s16.ptr, n, &silence);
    if (!rc)
        rc = output_mix_add(&r->out[RECORDER_OUT_MIX], ro, silence, s16.ptr, n);
    return rc;
}

static int on_frames(void *user, struct gate_batch *batch)
{
    struct recorder *r = user;
    if (!r->origin_set)
        fix_origin(r, batch);
    struct gate_frame f;
    while (gate_batch_next(batch, &f)) {
        int rc = commit_frame(r, &f);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- set-up ----------------------------------------------------------------- */

static size_t max_element_bytes(const struct recorder *r)
{
    return r->opt.max_element_bytes ? r->opt.max_element_bytes : MKV_DEFAULT_MAX_ELEMENT_BYTES;
}

static int reader_start(struct recorder *r)
{
    struct mkv_callbacks cb;
    fragment_gate_callbacks(&r->gate, &cb);
    struct mkv_reader_config rc = { .max_element_bytes = max_element_bytes(r) };
    int err = mkv_reader_init(&r->reader, &rc, &cb);
    if (err)
        return err;
    r->reader_live = 1;
    return 0;
}

static int options_valid(const struct recorder_options *opt)
{
    return opt && opt->sinks.open && opt->outputs && !(opt->outputs & ~RECORDER_WANT_ALL) &&
           track_roles_check(&opt->tracks) == 0;
}

static int outputs_init(struct recorder *r)
{
    for (int o = 0; o < RECORDER_OUTPUTS; o++) {
        struct output_config oc = {
            .which = (enum recorder_output)o,
            .wanted = wants(r, (enum recorder_output)o),
            .label = o == RECORDER_OUT_MIX ? "stereo mix" : role_label(r, o),
            .sinks = &r->opt.sinks,
            .encoder = r->opt.encoder,
            .max_gap_ms = r->opt.max_gap_ms,
            .max_mix_lag_bytes = r->opt.max_mix_lag_bytes,
        };
        int rc = output_init(&r->out[o], &oc, &r->err);
        if (rc)
            return rc;
    }
    return 0;
}

int recorder_new(const struct recorder_options *opt, struct recorder **out)
{
    *out = NULL;
    if (!options_valid(opt))
        return REC_ERR_INVALID;
    struct recorder *r = calloc(1, sizeof(*r));
    if (!r)
        return REC_ERR_NOMEM;
    r->opt = *opt;
    r->opt.call_id = r->opt.start_fragment = r->opt.stop_fragment = NULL; /* not kept */
    int rc = 0;
    for (int ro = 0; ro < TRACK_ROLES; ro++)
        track_decoder_init(&r->dec[ro], role_label(r, ro), max_element_bytes(r));
    REC_TRY(outputs_init(r));
    REC_TRY(redaction_init(&r->redaction, &opt->redaction, max_element_bytes(r)));
    r->opt.redaction.spans = NULL; /* copied */
    struct fragment_gate_config gc = {
        .roles = &r->opt.tracks,
        .call_tag = opt->call_tag,
        .call_id = opt->call_id,
        .start_fragment = opt->start_fragment,
        .stop_fragment = opt->stop_fragment,
        .max_fragment_bytes = opt->max_fragment_bytes,
    };
    struct gate_events ev = { r, on_use, want_role, on_frames };
    REC_TRY(fragment_gate_init(&r->gate, &gc, &ev, &r->err));
    REC_TRY(reader_start(r));
    *out = r;
    return 0;

cleanup:
    recorder_destroy(r);
    return rc;
}

/* ---- input ------------------------------------------------------------------ */

int recorder_push(struct recorder *r, const uint8_t *bytes, size_t len)
{
    if (r->finished)
        return REC_ERR_STATE;
    if (r->err.code)
        return r->err.code;
    if (fragment_gate_done(&r->gate))
        return MKV_STOP;
    int rc = mkv_reader_push(&r->reader, bytes, len);
    if (rc < 0)
        return rec_error_set(&r->err, rc, rc == REC_ERR_NOMEM, "%s", mkv_reader_error(&r->reader));
    return rc;
}

int recorder_done(const struct recorder *r)
{
    return fragment_gate_done(&r->gate);
}

int recorder_restart_input(struct recorder *r)
{
    if (r->finished || r->err.code)
        return REC_ERR_STATE;
    int rc = fragment_gate_restart(&r->gate);
    if (rc)
        return rc;
    mkv_reader_clean_up(&r->reader);
    r->reader_live = 0;
    return reader_start(r);
}

void recorder_resume_point(const struct recorder *r, struct kvs_resume_point *out)
{
    *out = *fragment_gate_resume_point(&r->gate);
}

/* ---- the end ------------------------------------------------------------------ */

/* Declares the end of input to the reader (it may end the last fragment). */
static void end_input(struct recorder *r)
{
    if (r->err.code || fragment_gate_done(&r->gate))
        return;
    int rc = mkv_reader_finish(&r->reader);
    if (rc == REC_ERR_TRUNCATED) {
        r->truncated = 1;
        rec_str_copy(r->truncation, sizeof(r->truncation), mkv_reader_error(&r->reader));
    } else if (rc < 0) {
        rec_error_set(&r->err, rc, rc == REC_ERR_NOMEM, "%s", mkv_reader_error(&r->reader));
    }
}

/* Mono files are kept when they have audio; the mix only when both did. */
static void close_outputs(struct recorder *r)
{
    output_finish(&r->out[RECORDER_OUT_ROLE0], 1);
    output_finish(&r->out[RECORDER_OUT_ROLE1], 1);
    int both = output_samples(&r->out[RECORDER_OUT_ROLE0]) > 0 &&
               output_samples(&r->out[RECORDER_OUT_ROLE1]) > 0;
    output_finish(&r->out[RECORDER_OUT_MIX], both);
}

/* The result of a recording that did not fail: a missing or undecodable
 * track, or a cut input, is reported (the files are still written). */
static int outcome(struct recorder *r)
{
    struct fragment_gate_stats st;
    fragment_gate_get_stats(&r->gate, &st);
    if (st.fragments_used > 0 && !r->dec[0].present && !r->dec[1].present) {
        char roles[400];
        track_roles_describe(&r->opt.tracks, roles, sizeof(roles));
        return rec_error_set(&r->err, REC_ERR_UNSUPPORTED, 0, "no audio track to record: %s",
                             roles);
    }
    for (int ro = 0; ro < TRACK_ROLES; ro++)
        if (decoded(r, ro) && r->dec[ro].refused)
            return rec_error_set(&r->err, REC_ERR_UNSUPPORTED, 0, "%s", r->dec[ro].why);
    if (r->truncated)
        return rec_error_set(&r->err, REC_ERR_TRUNCATED, 0, "%s", r->truncation);
    return 0;
}

int recorder_finish(struct recorder *r)
{
    if (r->finished)
        return r->finish_rc;
    r->finished = 1;
    end_input(r);
    /* A fragment the input (or a fault) cut off: keep its complete blocks
     * if it belongs to the recording. */
    fragment_gate_cut(&r->gate);
    close_outputs(r);
    r->finish_rc = r->err.code ? r->err.code : outcome(r);
    return r->finish_rc;
}

/* ---- results ------------------------------------------------------------------- */

static void track_stats(const struct recorder *r, int ro, struct recorder_track_stats *t)
{
    const struct track_decoder *d = &r->dec[ro];
    const struct timeline_track *tl = &r->out[ro].tl;
    memset(t, 0, sizeof(*t));
    t->name = r->opt.tracks.name[ro] ? r->opt.tracks.name[ro] : "";
    t->present = d->present;
    memcpy(t->codec_id, d->codec_id, sizeof(t->codec_id));
    if (track_decoder_usable(d))
        t->pcm = d->codec.layout == PCM_S16BE ? "s16be" : "s16le";
    t->rate = d->resolved ? d->codec.rate : 0;
    t->decoded = decoded(r, ro);
    t->samples = tl->samples;
    t->blocks = tl->blocks;
    t->gaps_ms = timeline_samples_to_ms(tl->gap_samples, tl->rate);
    t->lead_ms = timeline_samples_to_ms(tl->lead_samples, tl->rate);
    memcpy(t->unsupported, d->why, sizeof(t->unsupported));
}

void recorder_get_stats(const struct recorder *r, struct recorder_stats *out)
{
    struct fragment_gate_stats g;
    fragment_gate_get_stats(&r->gate, &g);
    memset(out, 0, sizeof(*out));
    out->fragments_used = g.fragments_used;
    out->fragments_skipped = g.fragments_skipped;
    memcpy(out->first_fragment, g.first_fragment, sizeof(out->first_fragment));
    memcpy(out->last_fragment, g.last_fragment, sizeof(out->last_fragment));
    memcpy(out->call_id, g.call_id, sizeof(out->call_id));
    out->done_why = g.done;
    out->done_reason = g.done == FRAGMENT_DONE_STOP   ? "stop_fragment"
                       : g.done == FRAGMENT_DONE_CALL ? "call_changed"
                                                      : NULL;
    out->truncated = r->truncated;
    out->bytes_read = r->reader_live ? mkv_reader_offset(&r->reader) : 0;
    out->origin_set = r->origin_set;
    out->origin_ns = r->origin_ns;
    for (int ro = 0; ro < TRACK_ROLES; ro++)
        track_stats(r, ro, &out->track[ro]);
    for (int o = 0; o < RECORDER_OUTPUTS; o++)
        out->output[o] = (struct recorder_output_stats){ r->out[o].state, r->out[o].frames };
    const struct output *mix = &r->out[RECORDER_OUT_MIX];
    out->mix_lost_samples = mix->mix_live ? mix->mix.lost_samples : 0;
    memcpy(out->mix_refused, mix->refused, sizeof(out->mix_refused));
    out->redaction = r->redaction.st;
    for (int ro = 0; ro < TRACK_ROLES; ro++)
        out->redacted_ms[ro] = redaction_ms(&r->redaction, ro, out->track[ro].rate);
}

const struct rec_error *recorder_error(const struct recorder *r)
{
    return &r->err;
}

void recorder_destroy(struct recorder *r)
{
    if (!r)
        return;
    for (int o = 0; o < RECORDER_OUTPUTS; o++)
        output_clean_up(&r->out[o]);
    for (int ro = 0; ro < TRACK_ROLES; ro++)
        track_decoder_clean_up(&r->dec[ro]);
    redaction_clean_up(&r->redaction);
    if (r->reader_live)
        mkv_reader_clean_up(&r->reader);
    fragment_gate_clean_up(&r->gate);
    free(r);
}
