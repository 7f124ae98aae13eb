/* Unit tests for the fragment gate (recorder/fragment_gate.h): the Matroska
 * reader drives it over hand-built Connect-style fragments, and a fake user
 * logs what the gate tells it. */
#include "tests/unit/test_recorder_support.h"

#include "common/buf.h"
#include "recorder/fragment_gate.h"

struct user {
    struct rec_buf log;
    enum gate_want want[TRACK_ROLES];
    int fail_frames; /* on_frames returns REC_ERR_IO */
};

static void logf_(struct user *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct user *u, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_int_equal(rec_buf_append_str(&u->log, line), 0);
}

static int on_use(void *user, const struct gate_fragment *f)
{
    struct user *u = user;
    logf_(u, "use");
    for (size_t i = 0; i < f->n; i++)
        logf_(u, " %s=%d", f->tracks[i].name, f->roles[i]);
    logf_(u, " mime=%s\n", f->mime ? f->mime->shown : "-");
    return 0;
}

static enum gate_want want_role(void *user, enum track_role role)
{
    return ((struct user *)user)->want[role];
}

/* One line per batch: role@ms/bytes (t: time only), read twice. */
static int on_frames(void *user, struct gate_batch *b)
{
    struct user *u = user;
    if (u->fail_frames)
        return REC_ERR_IO;
    struct gate_frame f;
    int first_pass = 0;
    while (gate_batch_next(b, &f))
        first_pass++;
    gate_batch_rewind(b);
    logf_(u, "batch");
    int second_pass = 0;
    while (gate_batch_next(b, &f)) {
        second_pass++;
        logf_(u, " %d@%lld/%zu%s", f.role, (long long)((f.time_ns / 1000000) % 100000),
              f.data.len, f.time_only ? "t" : "");
        assert_true(f.time_only ? f.data.len == 0 : 1);
    }
    assert_int_equal(first_pass, second_pass);
    logf_(u, "\n");
    return 0;
}

struct run {
    struct user u;
    struct rec_error err;
    struct fragment_gate g;
    struct mkv_reader reader;
};

static const struct track_roles connect_roles = {
    .name = { "AUDIO_FROM_CUSTOMER", "AUDIO_TO_CUSTOMER" },
    .lone_name = "Track_audio/L16",
};

static void run_start(struct run *r, const char *call, const char *start, const char *stop)
{
    memset(r, 0, sizeof(*r));
    rec_buf_init(&r->u.log, 1 << 20);
    r->u.want[0] = r->u.want[1] = GATE_WANT_FRAMES;
    rec_error_clear(&r->err);
    struct fragment_gate_config cfg = { .roles = &connect_roles, .call_tag = "ContactId",
                                        .call_id = call, .start_fragment = start,
                                        .stop_fragment = stop };
    struct gate_events ev = { &r->u, on_use, want_role, on_frames };
    assert_int_equal(fragment_gate_init(&r->g, &cfg, &ev, &r->err), 0);
    struct mkv_callbacks cb;
    fragment_gate_callbacks(&r->g, &cb);
    assert_int_equal(mkv_reader_init(&r->reader, NULL, &cb), 0);
}

static const char *run_log(struct run *r)
{
    return r->u.log.data ? r->u.log.data : "";
}

static void run_end(struct run *r)
{
    mkv_reader_clean_up(&r->reader);
    fragment_gate_clean_up(&r->g);
    rec_buf_clean_up(&r->u.log, 0);
}

static const struct trk aac[2] = { { "AUDIO_FROM_CUSTOMER", "A_AAC", 8000, 0 },
                                   { "AUDIO_TO_CUSTOMER", "A_AAC", 8000, 0 } };
static const struct trk lit[2] = { { "AUDIO_FROM_CUSTOMER", "A_PCM/INT/LIT", 8000, 16 },
                                   { "AUDIO_TO_CUSTOMER", "A_PCM/INT/LIT", 8000, 16 } };
#define L16 "audio/L16;rate=8000;channels=1;"
#define T0 1700000000000ULL

/* Role 0 at 10 ms, role 1 at 0 ms: stored out of time order. */
static const struct blk two_blocks[2] = { { 1, 10, 1, 80, 0 }, { 2, 0, 2, 40, 0 } };

static void a_held_fragment_goes_out_as_one_batch_after_its_tracks(void **state)
{
    (void)state;
    struct bytes in = { 0 };
    fragment(&in, "7", "A", T0, aac, 2, two_blocks, 2, L16);
    fragment(&in, "8", "A", T0 + 20, aac, 2, two_blocks, 2, NULL); /* no MimeType: the last */
    struct run r;
    run_start(&r, "A", NULL, NULL);
    assert_int_equal(mkv_reader_push(&r.reader, in.p, in.n), 0);
    assert_int_equal(mkv_reader_finish(&r.reader), 0);
    assert_string_equal(run_log(&r),
                        "use AUDIO_FROM_CUSTOMER=0 AUDIO_TO_CUSTOMER=1 mime=" L16 "\n"
                        "batch 0@10/160 1@0/80\n"
                        "use AUDIO_FROM_CUSTOMER=0 AUDIO_TO_CUSTOMER=1 mime=" L16 "\n"
                        "batch 0@30/160 1@20/80\n");
    struct fragment_gate_stats st;
    fragment_gate_get_stats(&r.g, &st);
    assert_int_equal(st.fragments_used, 2);
    assert_string_equal(st.first_fragment, "7");
    assert_string_equal(st.last_fragment, "8");
    assert_string_equal(st.call_id, "A");
    const struct kvs_resume_point *at = fragment_gate_resume_point(&r.g);
    assert_string_equal(at->last_fragment, "8");
    assert_string_equal(at->continuation_token, "8");
    assert_int_equal(at->fragments_seen, 2);
    run_end(&r);
    free(in.p);
}

static void frames_of_a_fragment_decided_at_its_start_go_out_one_by_one(void **state)
{
    (void)state;
    struct bytes in = { 0 };
    fragment(&in, "7", "A", T0, lit, 2, two_blocks, 2, NULL);
    struct run r;
    run_start(&r, NULL, NULL, NULL);
    assert_int_equal(mkv_reader_push(&r.reader, in.p, in.n), 0);
    assert_string_equal(run_log(&r), "use AUDIO_FROM_CUSTOMER=0 AUDIO_TO_CUSTOMER=1 mime=-\n"
                                     "batch 0@10/160\n"
                                     "batch 1@0/80\n");
    /* Its frames went out before it was complete: reading it again would
     * repeat them. */
    struct bytes cut = { 0 };
    fragment(&cut, "9", "A", T0 + 20, lit, 2, two_blocks, 2, NULL);
    assert_int_equal(mkv_reader_push(&r.reader, cut.p, cut.n - 200), 0);
    assert_int_equal(fragment_gate_restart(&r.g), REC_ERR_STATE);
    run_end(&r);
    free(in.p);
    free(cut.p);
}

static void roles_wanted_for_their_times_or_not_at_all(void **state)
{
    (void)state;
    struct bytes in = { 0 }, in2 = { 0 };
    fragment(&in, "7", "A", T0, aac, 2, two_blocks, 2, L16);
    fragment(&in2, "8", "A", T0 + 20, lit, 2, two_blocks, 2, NULL);
    struct run r;
    run_start(&r, NULL, NULL, NULL);
    r.u.want[1] = GATE_WANT_TIME;
    assert_int_equal(mkv_reader_push(&r.reader, in.p, in.n), 0); /* fragment 7, held */
    r.u.want[0] = GATE_WANT_NONE;
    assert_int_equal(mkv_reader_push(&r.reader, in2.p, in2.n), 0);
    /* Fragment 7 was held with role 0 wanted; fragment 8 goes straight out. */
    assert_non_null(strstr(run_log(&r), "batch 0@10/160 1@0/0t\n"));
    assert_non_null(strstr(run_log(&r), "batch 1@20/0t\n"));
    assert_null(strstr(run_log(&r), "0@30"));
    run_end(&r);
    free(in.p);
    free(in2.p);
}

static void a_cut_fragment_of_the_call_keeps_its_frames(void **state)
{
    (void)state;
    struct bytes in = { 0 };
    fragment(&in, "7", "A", T0, aac, 2, two_blocks, 2, L16);
    size_t first = in.n;
    fragment(&in, "8", "A", T0 + 20, aac, 2, two_blocks, 2, L16);
    struct run r;
    run_start(&r, "A", NULL, NULL);
    /* The input ends after fragment 8's Cluster, before its ContactId. */
    size_t cut = first;
    for (size_t i = first; i + 9 < in.n; i++)
        if (!memcmp(in.p + i, "\x45\xA3", 2) && !memcmp(in.p + i + 10, "ContactId", 9)) {
            cut = i - 20;
            break;
        }
    assert_true(cut > first);
    assert_int_equal(mkv_reader_push(&r.reader, in.p, cut), 0);
    assert_null(strstr(run_log(&r), "0@30"));
    assert_int_equal(fragment_gate_cut(&r.g), 0);
    assert_non_null(strstr(run_log(&r), "batch 0@30/160 1@20/80\n"));
    struct fragment_gate_stats st;
    fragment_gate_get_stats(&r.g, &st);
    assert_int_equal(st.fragments_used, 2);
    /* A cut fragment is not read to its end: resuming goes after 7. */
    assert_string_equal(fragment_gate_resume_point(&r.g)->last_fragment, "7");
    run_end(&r);
    free(in.p);
}

static void a_call_change_ends_the_recording(void **state)
{
    (void)state;
    struct bytes in = { 0 };
    fragment(&in, "7", "A", T0, aac, 2, two_blocks, 2, L16);
    fragment(&in, "8", "B", T0 + 20, aac, 2, two_blocks, 2, L16);
    struct run r;
    run_start(&r, "A", NULL, NULL);
    assert_int_equal(mkv_reader_push(&r.reader, in.p, in.n), MKV_STOP);
    assert_true(fragment_gate_done(&r.g));
    struct fragment_gate_stats st;
    fragment_gate_get_stats(&r.g, &st);
    assert_int_equal(st.done, FRAGMENT_DONE_CALL);
    assert_int_equal(st.fragments_used, 1);
    assert_int_equal(st.fragments_skipped, 1);
    run_end(&r);
    free(in.p);
}

static void failures_go_to_the_error_record(void **state)
{
    (void)state;
    struct trk many[FRAGMENT_GATE_MAX_TRACKS + 1];
    for (int i = 0; i < FRAGMENT_GATE_MAX_TRACKS + 1; i++)
        many[i] = lit[0];
    many[1] = lit[1];
    struct bytes in = { 0 };
    fragment(&in, "7", "A", T0, many, FRAGMENT_GATE_MAX_TRACKS + 1, two_blocks, 2, NULL);
    struct run r;
    run_start(&r, NULL, NULL, NULL);
    assert_int_equal(mkv_reader_push(&r.reader, in.p, in.n), REC_ERR_LIMIT);
    assert_non_null(strstr(r.err.message, "tracks in one fragment"));
    assert_false(r.err.retriable);
    run_end(&r);
    free(in.p);

    in = (struct bytes){ 0 };
    fragment(&in, "7", "A", T0, many, 3, two_blocks, 2, NULL); /* two tracks named alike */
    run_start(&r, NULL, NULL, NULL);
    assert_int_equal(mkv_reader_push(&r.reader, in.p, in.n), REC_ERR_INVALID);
    assert_int_equal(r.err.code, REC_ERR_INVALID);
    run_end(&r);
    free(in.p);

    in = (struct bytes){ 0 };
    fragment(&in, "x7", "A", T0, lit, 2, two_blocks, 2, NULL);
    run_start(&r, NULL, NULL, NULL);
    assert_int_equal(mkv_reader_push(&r.reader, in.p, in.n), REC_ERR_INVALID);
    assert_non_null(strstr(r.err.message, "not a decimal number"));
    run_end(&r);
    free(in.p);

    struct fragment_gate g;
    struct rec_error err;
    struct gate_events ev = { NULL, on_use, want_role, on_frames };
    struct fragment_gate_config cfg = { .roles = &connect_roles, .call_id = "A" };
    assert_int_equal(fragment_gate_init(&g, &cfg, &ev, &err), REC_ERR_INVALID); /* no call tag */
    fragment_gate_clean_up(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_held_fragment_goes_out_as_one_batch_after_its_tracks),
        cmocka_unit_test(frames_of_a_fragment_decided_at_its_start_go_out_one_by_one),
        cmocka_unit_test(roles_wanted_for_their_times_or_not_at_all),
        cmocka_unit_test(a_cut_fragment_of_the_call_keeps_its_frames),
        cmocka_unit_test(a_call_change_ends_the_recording),
        cmocka_unit_test(failures_go_to_the_error_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
