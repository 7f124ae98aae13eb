/*
 * kvs2wav: converts a KVS GetMedia capture into the WAV files the Lambda
 * writes for a contact, with the same recorder (recorder/recorder.h).
 *
 *   kvs2wav [--contact-id ID] [--start-fragment N] [--stop-fragment N]
 *           [--out-dir DIR] [--name NAME] [--outputs LIST]
 *           [--call-tag TAG] [--role0-track NAME] [--role1-track NAME]
 *           [--any-lone-track] [--paused-spans SPANS] [--pause-margin-ms N]
 *           [--format wav|flac|mp3|opus] [--bitrate-kbps N]
 *           INPUT                                    (INPUT may be - for stdin)
 *
 * Writes NAME_audio_from_customer.wav and NAME_audio_to_customer.wav (each
 * only when that track has audio) and NAME_audio_mixed.wav (only when both
 * have) into DIR (default ".", created if missing), and nothing else: files
 * are written under hidden temporary names and renamed when complete.
 * NAME defaults to the contact ID, else "recording". --outputs picks some
 * of them (a comma-separated list of from, to, mixed; Connect's
 * recordingAuth 1 is "from", 2 "to", 3 all); the others are not decoded.
 * --format writes FLAC, MP3 or Opus instead of WAV (the extension follows:
 * NAME_audio_mixed.flac, ...; audio/audio_format.h), --bitrate-kbps sets
 * the lossy formats' bitrate per channel (the Lambda's OUTPUT_FORMAT and
 * OUTPUT_BITRATE_KBPS).
 *
 * The stream's layout defaults to Amazon Connect's (tracks
 * AUDIO_FROM_CUSTOMER and AUDIO_TO_CUSTOMER, the call named by ContactId);
 * --call-tag, --role0-track and --role1-track name another (e.g. a Chime
 * stream: --call-tag TransactionId), --any-lone-track takes a fragment's
 * only audio track as role 0 whatever its name.
 *
 * --paused-spans silences what the Lambda silences for a contact whose
 * recordingPausedSpans attribute is SPANS ("START-END,START-", epoch ms;
 * connect/paused_spans.h), N ms around each span (default 1000, the
 * Lambda's PAUSE_MARGIN_MS): recorder/redaction.h. A malformed SPANS makes
 * every file silent, as in the Lambda, and exits 2.
 *
 * Prints one JSON object on stdout. Exit status: 0 success; 1 bad usage
 * (no file written); 2 invalid or unsupported input, or an I/O failure
 * (files keep every complete block read before the fault); 3 the input
 * ended inside a fragment (files keep every complete block; truncated).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "audio/file_sink.h"
#include "common/error.h"
#include "connect/paused_spans.h"
#include "kvs/fragment_number.h"
#include "recorder/recorder.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INPUT = 2, EXIT_TRUNCATED = 3 };
enum { READ_CHUNK = 256 * 1024, NAME_MAX_LEN = 200, DIR_MAX_LEN = 3000 };

static const char *const output_suffix[RECORDER_OUTPUTS] = {
    "_audio_from_customer",
    "_audio_to_customer",
    "_audio_mixed",
};

struct options {
    const char *contact_id;
    const char *start;
    const char *stop;
    const char *out_dir;
    const char *name;
    const char *input;
    unsigned outputs;          /* RECORDER_WANT bits */
    const char *call_tag;
    struct track_roles tracks;
    const char *paused_spans;  /* NULL: none given */
    long long margin_ms;
    struct audio_encoding encoding;
};

struct outputs {
    const struct options *opt;
    char path[RECORDER_OUTPUTS][4096];
};

static void usage(FILE *f)
{
    fputs("usage: kvs2wav [--contact-id ID] [--start-fragment N] [--stop-fragment N]\n"
          "               [--out-dir DIR] [--name NAME] [--outputs from,to,mixed]\n"
          "               [--call-tag TAG] [--role0-track NAME] [--role1-track NAME]\n"
          "               [--any-lone-track] [--paused-spans SPANS] [--pause-margin-ms N]\n"
          "               [--format wav|flac|mp3|opus] [--bitrate-kbps N]\n"
          "               INPUT                        (INPUT may be - for stdin)\n"
          "Converts a Kinesis Video Streams GetMedia capture of an Amazon Connect call into\n"
          "NAME_audio_from_customer.wav, NAME_audio_to_customer.wav and NAME_audio_mixed.wav\n"
          "and prints a JSON summary. Exit: 0 ok, 1 usage, 2 invalid/unsupported input,\n"
          "3 input ended inside a fragment.\n",
          f);
}

/* File names are built from NAME: keep it one plain path component. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN || s[0] == '.' || s[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static void print_json(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    }
    fflush(stdout);
}

static int usage_error(const char *why)
{
    fprintf(stderr, "kvs2wav: %s\n", why);
    usage(stderr);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "files_written", cJSON_CreateArray());
    cJSON_AddBoolToObject(o, "truncated", 0);
    cJSON_AddStringToObject(o, "error", why);
    print_json(o);
    cJSON_Delete(o);
    return EXIT_USAGE;
}

/* "from,to,mixed" (any of them, in any order) into RECORDER_WANT bits; 0
 * when a word is none of them. */
static unsigned parse_outputs(const char *list)
{
    static const char *const words[RECORDER_OUTPUTS] = { "from", "to", "mixed" };
    unsigned bits = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (int i = 0; i < RECORDER_OUTPUTS; i++)
            if (n == strlen(words[i]) && !strncmp(p, words[i], n)) {
                bits |= RECORDER_WANT(i);
                found = 1;
            }
        if (!found)
            return 0;
        p += n + (p[n] == ',');
    }
    return bits;
}

/* A margin in ms, 0..one day. Returns 1 when valid. */
static int parse_margin(const char *text, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > 86400000 || *text == '-' || *text == '+')
        return 0;
    *out = v;
    return 1;
}

static int parse_format(const char *s, enum audio_format *out)
{
    for (int f = 0; f < AUDIO_FORMATS; f++)
        if (strcmp(s, audio_format_names[f]) == 0) {
            *out = (enum audio_format)f;
            return 0;
        }
    return -1;
}

static int parse_kbps(const char *s, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v == 0 || v > 100000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_options(int argc, char **argv, struct options *opt, const char **why)
{
    static const struct option longopts[] = {
        { "contact-id", required_argument, NULL, 'c' },
        { "start-fragment", required_argument, NULL, 's' },
        { "stop-fragment", required_argument, NULL, 'e' },
        { "out-dir", required_argument, NULL, 'o' },
        { "name", required_argument, NULL, 'n' },
        { "outputs", required_argument, NULL, 'w' },
        { "call-tag", required_argument, NULL, 't' },
        { "role0-track", required_argument, NULL, '0' },
        { "role1-track", required_argument, NULL, '1' },
        { "any-lone-track", no_argument, NULL, 'a' },
        { "paused-spans", required_argument, NULL, 'p' },
        { "pause-margin-ms", required_argument, NULL, 'm' },
        { "format", required_argument, NULL, 'f' },
        { "bitrate-kbps", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(opt, 0, sizeof(*opt));
    opt->out_dir = ".";
    opt->outputs = RECORDER_WANT_ALL;
    opt->call_tag = RECORDER_CALL_TAG_CONNECT;
    opt->tracks = recorder_tracks_connect;
    opt->margin_ms = 1000;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': opt->contact_id = optarg; break;
        case 's': opt->start = optarg; break;
        case 'e': opt->stop = optarg; break;
        case 'o': opt->out_dir = optarg; break;
        case 'n': opt->name = optarg; break;
        case 'w':
            if (!(opt->outputs = parse_outputs(optarg))) {
                *why = "--outputs must list from, to or mixed, separated by commas";
                return -1;
            }
            break;
        case 't': opt->call_tag = optarg; break;
        case '0': opt->tracks.name[0] = optarg; break;
        case '1': opt->tracks.name[1] = optarg; break;
        case 'a': opt->tracks.lone_any_name = 1; break;
        case 'p': opt->paused_spans = optarg; break;
        case 'm':
            if (!parse_margin(optarg, &opt->margin_ms)) {
                *why = "--pause-margin-ms must be a whole number of ms from 0 to 86400000";
                return -1;
            }
            break;
        case 'f':
            if (parse_format(optarg, &opt->encoding.format) != 0) {
                *why = "--format must be wav, flac, mp3 or opus";
                return -1;
            }
            break;
        case 'b':
            if (parse_kbps(optarg, &opt->encoding.kbps) != 0) {
                *why = "--bitrate-kbps must be a whole number of kbps";
                return -1;
            }
            break;
        case 'h': return 'h';
        default: *why = "unknown option or missing option argument"; return -1;
        }
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct options *opt, const char **why)
{
    int rc = parse_options(argc, argv, opt, why);
    if (rc)
        return rc;
    if (argc - optind != 1) {
        *why = argc - optind == 0 ? "no INPUT given" : "more than one INPUT given";
        return -1;
    }
    opt->input = argv[optind];
    if (opt->contact_id && (!*opt->contact_id || strlen(opt->contact_id) > FRAGMENT_SELECT_MAX_CALL_ID)) {
        *why = "--contact-id must be 1 to 255 bytes";
        return -1;
    }
    if (track_roles_check(&opt->tracks) != 0) {
        *why = "--role0-track and --role1-track must differ and be at most 255 bytes";
        return -1;
    }
    if (opt->contact_id && !*opt->call_tag) {
        *why = "--contact-id needs a --call-tag";
        return -1;
    }
    if (opt->start && !fragment_number_valid(opt->start)) {
        *why = "--start-fragment must be a decimal fragment number";
        return -1;
    }
    if (opt->stop && !fragment_number_valid(opt->stop)) {
        *why = "--stop-fragment must be a decimal fragment number";
        return -1;
    }
    if (opt->start && opt->stop && fragment_number_cmp(opt->start, opt->stop) > 0) {
        *why = "--start-fragment is after --stop-fragment";
        return -1;
    }
    if (!opt->name)
        opt->name = opt->contact_id ? opt->contact_id : "recording";
    if (!name_ok(opt->name)) {
        *why = "NAME (from --name or --contact-id) must be 1-200 characters of A-Z a-z 0-9 . _ - "
               "not starting with . or -";
        return -1;
    }
    if (audio_encoding_check(&opt->encoding) != 0) {
        static char range[96];
        unsigned min, max, dflt;
        audio_format_kbps_range(opt->encoding.format, &min, &max, &dflt);
        snprintf(range, sizeof(range), "--bitrate-kbps: %s takes %u to %u kbps per channel",
                 audio_format_name(opt->encoding.format), min, max);
        *why = max ? range : "--bitrate-kbps is for mp3 and opus only";
        return -1;
    }
    if (!*opt->out_dir || strlen(opt->out_dir) > DIR_MAX_LEN) {
        *why = "--out-dir must be a path of 1 to 3000 bytes";
        return -1;
    }
    return 0;
}

/* mkdir -p. Returns 0 or -1 (errno set). */
static int make_dirs(const char *dir)
{
    char path[DIR_MAX_LEN + 1];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int open_output(void *user, enum recorder_output which, uint32_t rate, unsigned channels,
                       struct byte_sink *out)
{
    (void)rate;
    (void)channels;
    struct outputs *o = user;
    return file_sink_open(o->path[which], out);
}

static void on_fatal_signal(int sig)
{
    file_sink_remove_temps();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void add_str_or_null(cJSON *o, const char *key, const char *s)
{
    if (s && *s)
        cJSON_AddStringToObject(o, key, s);
    else
        cJSON_AddNullToObject(o, key);
}

/* The recording's side: which fragments, where to resume, whether complete. */
static void add_selection(cJSON *o, const struct recorder_stats *st, const struct kvs_resume_point *at)
{
    add_str_or_null(o, "contact_id", st->call_id);
    cJSON_AddNumberToObject(o, "fragments_used", (double)st->fragments_used);
    cJSON_AddNumberToObject(o, "fragments_skipped", (double)st->fragments_skipped);
    add_str_or_null(o, "first_fragment_number", st->first_fragment);
    add_str_or_null(o, "last_fragment_number", st->last_fragment);
    add_str_or_null(o, "last_fragment_number_seen", at->last_fragment);
    add_str_or_null(o, "continuation_token", at->continuation_token);
    cJSON_AddBoolToObject(o, "complete", st->done_why != FRAGMENT_NOT_DONE);
    /* A Connect tool: the call is a contact. */
    add_str_or_null(o, "complete_reason", st->done_why == FRAGMENT_DONE_CALL ? "contact_changed"
                                          : st->done_reason);
}

static int committed(const struct recorder_stats *st, enum recorder_output which)
{
    return st->output[which].state == OUTPUT_COMMITTED;
}

/* What was silenced, when spans were given. */
static void add_redaction(cJSON *o, const struct options *opt, const struct recorder_stats *st)
{
    if (!opt->paused_spans)
        return;
    const struct redaction_stats *r = &st->redaction;
    cJSON *j = cJSON_AddObjectToObject(o, "redaction");
    cJSON_AddStringToObject(j, "paused_spans", opt->paused_spans);
    cJSON_AddNumberToObject(j, "margin_ms", (double)opt->margin_ms);
    cJSON *ms = cJSON_AddArrayToObject(j, "redacted_ms");
    cJSON *samples = cJSON_AddArrayToObject(j, "silenced_samples");
    for (int i = 0; i < TRACK_ROLES; i++) {
        cJSON_AddItemToArray(ms, cJSON_CreateNumber((double)st->redacted_ms[i]));
        cJSON_AddItemToArray(samples, cJSON_CreateNumber((double)r->samples[i]));
    }
    cJSON_AddNumberToObject(j, "fragments_by_server_timestamp", (double)r->fragments_server_time);
    cJSON_AddNumberToObject(j, "fragments_silenced_whole", (double)r->fragments_silenced);
}

static cJSON *stats_json(const struct options *opt, const struct outputs *outs,
                         const struct recorder_stats *st, const struct kvs_resume_point *at,
                         const char *error)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "input", opt->input);
    cJSON_AddStringToObject(o, "format", audio_format_name(opt->encoding.format));
    if (audio_encoding_kbps(&opt->encoding))
        cJSON_AddNumberToObject(o, "bitrate_kbps_per_channel", audio_encoding_kbps(&opt->encoding));
    add_selection(o, st, at);
    cJSON *tracks = cJSON_AddArrayToObject(o, "tracks");
    for (int i = 0; i < TRACK_ROLES; i++) {
        const struct recorder_track_stats *t = &st->track[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", t->name);
        cJSON_AddBoolToObject(j, "present", t->present);
        add_str_or_null(j, "codec", t->codec_id);
        add_str_or_null(j, "pcm", t->pcm);
        cJSON_AddNumberToObject(j, "rate", t->rate);
        cJSON_AddNumberToObject(j, "samples", (double)t->samples);
        cJSON_AddNumberToObject(j, "blocks", (double)t->blocks);
        cJSON_AddNumberToObject(j, "gaps_filled_ms", (double)t->gaps_ms);
        cJSON_AddNumberToObject(j, "leading_silence_ms", (double)t->lead_ms);
        add_str_or_null(j, "error", t->unsupported);
        cJSON_AddItemToArray(tracks, j);
    }
    cJSON_AddNumberToObject(o, "mixed_samples", committed(st, RECORDER_OUT_MIX)
                                                    ? (double)st->output[RECORDER_OUT_MIX].frames
                                                    : 0);
    add_str_or_null(o, "mix_error", st->mix_refused);
    if (st->mix_lost_samples)
        cJSON_AddNumberToObject(o, "mix_lost_samples", (double)st->mix_lost_samples);
    cJSON *files = cJSON_AddArrayToObject(o, "files_written");
    for (int i = 0; i < RECORDER_OUTPUTS; i++)
        if (committed(st, (enum recorder_output)i))
            cJSON_AddItemToArray(files, cJSON_CreateString(outs->path[i]));
    add_redaction(o, opt, st);
    cJSON_AddNumberToObject(o, "bytes_read", (double)st->bytes_read);
    cJSON_AddBoolToObject(o, "truncated", st->truncated);
    add_str_or_null(o, "error", error);
    return o;
}

static void install_signal_handlers(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout must not kill us mid-file */
}

/* Pushes INPUT into the recorder until it ends, fails to read (read_error
 * says why) or the recording is complete. 0, or REC_ERR_NOMEM. read(2), not
 * fread: a pipe's bytes are used as they arrive (a live GetMedia piped in). */
static int feed(struct recorder *rec, FILE *in, char *read_error, size_t cap)
{
    uint8_t *buf = malloc(READ_CHUNK);
    if (!buf)
        return REC_ERR_NOMEM;
    int fd = fileno(in);
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(read_error, cap, "cannot read INPUT: %s", strerror(errno));
            break;
        }
        if (n == 0 || recorder_push(rec, buf, (size_t)n) != 0)
            break; /* the end; MKV_STOP: complete; negative: the recorder says why */
    }
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt;
    const char *why = NULL;
    int p = parse_args(argc, argv, &opt, &why);
    if (p == 'h') {
        usage(stdout);
        return EXIT_OK;
    }
    if (p < 0)
        return usage_error(why);

    FILE *in = strcmp(opt.input, "-") == 0 ? stdin : fopen(opt.input, "rb");
    if (!in) {
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot open INPUT %.180s: %s", opt.input, strerror(errno));
        return usage_error(msg);
    }
    if (make_dirs(opt.out_dir) != 0) {
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot create --out-dir: %s", strerror(errno));
        if (in != stdin)
            fclose(in);
        return usage_error(msg);
    }

    struct outputs outs = { .opt = &opt };
    for (int i = 0; i < RECORDER_OUTPUTS; i++)
        snprintf(outs.path[i], sizeof(outs.path[i]), "%s/%s%s.%s", opt.out_dir, opt.name,
                 output_suffix[i], audio_format_extension(opt.encoding.format));

    install_signal_handlers();

    struct output_encoder encoder;
    output_encoder_for(&opt.encoding, &encoder);
    struct recorder_options cfg = {
        .tracks = opt.tracks,
        .call_tag = opt.call_tag,
        .call_id = opt.contact_id,
        .start_fragment = opt.start,
        .stop_fragment = opt.stop,
        .outputs = opt.outputs,
        .sinks = { .user = &outs, .open = open_output },
        .encoder = &encoder,
    };
    struct recorder *rec = NULL;
    int exit_code = EXIT_INPUT;
    char read_error[160] = "";
    struct rec_error span_err;
    rec_error_clear(&span_err);
    struct paused_spans *spans = malloc(sizeof(*spans));
    if (!spans)
        goto cleanup;
    if (opt.paused_spans && paused_spans_redaction(opt.paused_spans, strlen(opt.paused_spans),
                                                   opt.margin_ms, spans, &cfg.redaction, &span_err))
        fprintf(stderr, "kvs2wav: --paused-spans: %s: every file is silent\n", span_err.message);
    cfg.redaction.margin_ms = opt.margin_ms;
    int rc = recorder_new(&cfg, &rec);
    if (rc) {
        fprintf(stderr, "kvs2wav: cannot start: %s\n", rec_strerror(rc));
        goto cleanup;
    }
    if (feed(rec, in, read_error, sizeof(read_error)) != 0)
        goto cleanup;
    rc = recorder_finish(rec);

    struct recorder_stats st;
    struct kvs_resume_point at;
    recorder_get_stats(rec, &st);
    recorder_resume_point(rec, &at);
    const char *error = read_error[0] ? read_error
                        : rc             ? recorder_error(rec)->message
                        : span_err.code  ? span_err.message
                                         : NULL;
    if (rc && (!error || !*error))
        error = rec_strerror(rc);
    if (read_error[0] || (rc && rc != REC_ERR_TRUNCATED) || span_err.code)
        exit_code = EXIT_INPUT;
    else if (rc == REC_ERR_TRUNCATED)
        exit_code = EXIT_TRUNCATED;
    else
        exit_code = EXIT_OK;
    if (st.bytes_read == 0 && exit_code == EXIT_OK && !read_error[0] && st.fragments_used == 0 &&
        st.fragments_skipped == 0) {
        error = "INPUT holds no Matroska data";
        exit_code = EXIT_INPUT;
    }
    cJSON *j = stats_json(&opt, &outs, &st, &at, error);
    print_json(j);
    cJSON_Delete(j);
    if (error)
        fprintf(stderr, "kvs2wav: %s\n", error);

cleanup:
    recorder_destroy(rec);
    free(spans);
    if (in != stdin)
        fclose(in);
    return exit_code;
}
