/*
 * chime2wav: a Voice Connector call's two legs, captured offline (GetMedia
 * output of each leg's stream), into the aligned stereo WAV the
 * ChimeVoiceConnectorRecorder handler writes: the same recorder, the same
 * alignment (chime/stereo.h) and the same join (audio/wav_join.h).
 *
 *   chime2wav [--transaction-id ID] [--caller-right] OUT.wav CALLER.mkv OTHER.mkv
 *
 * CALLER.mkv is the isCaller leg (left, unless --caller-right). With
 * --transaction-id only that call's fragments are used and a recycled
 * stream ends the leg where the call changes. The legs are staged beside
 * OUT as OUT.leg-a.wav / OUT.leg-b.wav and removed. Prints a JSON summary;
 * exit status 0, 1 for unusable input, 2 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "audio/file_sink.h"
#include "audio/wav_join.h"
#include "chime/stereo.h"
#include "chime/vc_event.h"
#include "recorder/recorder.h"

#define PATH_CAP 4001

struct leg {
    const char *input;
    char staged[PATH_CAP];
    struct recorder_stats st;
    struct chime_leg_audio audio;
};

static int open_staged(void *user, enum recorder_output which, uint32_t rate, unsigned channels,
                       struct byte_sink *out)
{
    (void)which, (void)rate, (void)channels;
    return file_sink_open(((struct leg *)user)->staged, out);
}

/* Records one capture into its staged mono file; 0 or the recorder's error
 * (written to stderr). A capture cut short keeps what it had. */
static int read_leg(struct leg *leg, const char *transaction_id, enum chime_side side)
{
    struct recorder_options opt = {
        .tracks = chime_leg_tracks, .call_tag = CHIME_LEG_CALL_TAG, .call_id = transaction_id,
        .outputs = RECORDER_WANT(RECORDER_OUT_ROLE0), .sinks = { .user = leg, .open = open_staged },
    };
    struct recorder *rec = NULL;
    FILE *in = fopen(leg->input, "rb");
    int rc = in ? recorder_new(&opt, &rec) : REC_ERR_IO;
    static uint8_t buf[1 << 16];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        rc = recorder_push(rec, buf, n) < 0 ? recorder_error(rec)->code : recorder_done(rec);
    if (rec) {
        rc = recorder_finish(rec);
        recorder_get_stats(rec, &leg->st);
        if (rc && rc != REC_ERR_TRUNCATED)
            fprintf(stderr, "chime2wav: %s: %s\n", leg->input, recorder_error(rec)->message);
        recorder_destroy(rec);
    } else {
        fprintf(stderr, "chime2wav: %s: %s\n", leg->input, in ? rec_strerror(rc) : strerror(errno));
    }
    if (in)
        fclose(in);
    leg->audio = chime_leg_audio_of(side, leg->input, &leg->st);
    return rc == REC_ERR_TRUNCATED ? 0 : rc;
}

static cJSON *leg_json(const struct leg *leg, int channel, uint64_t lead)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "input", leg->input);
    cJSON_AddNumberToObject(o, "channel", channel);
    cJSON_AddStringToObject(o, "firstFragment", leg->st.first_fragment);
    cJSON_AddStringToObject(o, "lastFragment", leg->st.last_fragment);
    cJSON_AddNumberToObject(o, "fragmentsUsed", (double)leg->st.fragments_used);
    cJSON_AddNumberToObject(o, "firstSampleEpochMs", (double)(leg->audio.origin_ns / 1000000));
    cJSON_AddNumberToObject(o, "leadSamples", (double)lead);
    cJSON_AddNumberToObject(o, "samples", (double)leg->audio.samples);
    return o;
}

/* Joins the staged legs into out_path; prints the summary. */
static int join(struct leg *legs, int caller_right, const char *out_path)
{
    struct chime_leg_audio audio[2] = { legs[0].audio, legs[1].audio };
    if (!audio[0].has_audio && !audio[1].has_audio) {
        fprintf(stderr, "chime2wav: neither capture has audio\n");
        return 1;
    }
    if (audio[0].has_audio && audio[1].has_audio && audio[0].rate != audio[1].rate) {
        fprintf(stderr, "chime2wav: the legs' rates differ (%u Hz, %u Hz)\n", audio[0].rate, audio[1].rate);
        return 1;
    }
    int left, arbitrary;
    chime_assign_channels(audio, caller_right ? CHIME_CALLER_RIGHT : CHIME_CALLER_LEFT, &left, &arbitrary);
    uint32_t rate = audio[0].has_audio ? audio[0].rate : audio[1].rate;
    uint64_t lead[2];
    chime_leg_leads(audio, rate, lead);
    struct wav_join_channel ch[2];
    for (int i = 0; i < 2; i++)
        ch[i == left ? 0 : 1] = (struct wav_join_channel){ audio[i].has_audio ? legs[i].staged : NULL,
                                                           lead[i] };
    struct byte_sink sink;
    struct wav_join_result jr;
    struct rec_error err;
    rec_error_clear(&err);
    int rc = file_sink_open(out_path, &sink);
    if (rc)
        rec_error_set(&err, rc, 0, "cannot create %s", out_path);
    else if ((rc = wav_join(ch, 2, rate, &sink, &jr, &err)) != 0 || (rc = byte_sink_close(&sink, 1)) != 0)
        byte_sink_close(&sink, 0);
    if (rc) {
        fprintf(stderr, "chime2wav: %s\n", err.message[0] ? err.message : rec_strerror(rc));
        return 1;
    }
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "legs");
    for (int i = 0; i < 2; i++)
        cJSON_AddItemToArray(arr, leg_json(&legs[i], i == left ? 0 : 1, lead[i]));
    cJSON_AddStringToObject(o, "output", out_path);
    cJSON_AddNumberToObject(o, "sampleRate", rate);
    cJSON_AddNumberToObject(o, "frames", (double)jr.frames);
    char *text = cJSON_PrintUnformatted(o);
    printf("%s\n", text ? text : "{}");
    cJSON_free(text);
    cJSON_Delete(o);
    return 0;
}

int main(int argc, char **argv)
{
    const char *tx = NULL;
    int caller_right = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--transaction-id") == 0 && i + 1 < argc)
            tx = argv[++i];
        else if (strcmp(argv[i], "--caller-right") == 0)
            caller_right = 1;
        else
            break;
    }
    if (argc - i != 3) {
        fprintf(stderr, "usage: chime2wav [--transaction-id ID] [--caller-right] OUT.wav CALLER.mkv OTHER.mkv\n");
        return 2;
    }
    const char *out = argv[i];
    struct leg legs[2] = { { .input = argv[i + 1] }, { .input = argv[i + 2] } };
    for (int k = 0; k < 2; k++)
        if (snprintf(legs[k].staged, PATH_CAP, "%s.leg-%c.wav", out, 'a' + k) >= PATH_CAP) {
            fprintf(stderr, "chime2wav: OUT is too long\n");
            return 2;
        }
    int rc = read_leg(&legs[0], tx, CHIME_SIDE_CALLER);
    if (!rc)
        rc = read_leg(&legs[1], tx, CHIME_SIDE_OTHER);
    int status = rc ? 1 : join(legs, caller_right, out);
    unlink(legs[0].staged);
    unlink(legs[1].staged);
    return status;
}
