#include "handler/kvs_recording_config.h"

#include <string.h>

#include "audio/sndfile_encoder.h"
#include "handler/env_config.h"
#include "handler/stream_recording.h"

/* OUTPUT_FORMAT and OUTPUT_BITRATE_KBPS, checked against what the format
 * takes at Connect's rate for the mono files and the stereo mix alike: a
 * bitrate that would fail mid-call is an init error instead. */
static int encoding_from_env(struct audio_encoding *enc, struct rec_error *err)
{
    int rc = 0;
    size_t format;
    long long kbps;
    REC_TRY(env_choice("OUTPUT_FORMAT", audio_format_names, AUDIO_FORMATS, AUDIO_FORMAT_WAV, &format, err));
    REC_TRY(env_number("OUTPUT_BITRATE_KBPS", 0, 0, 100000, &kbps, err));
    *enc = (struct audio_encoding){ .format = (enum audio_format)format, .kbps = (unsigned)kbps };
    unsigned min, max, dflt;
    audio_format_kbps_range(enc->format, &min, &max, &dflt);
    if (kbps && !max)
        return rec_error_set(err, REC_ERR_CONFIG, 0, "OUTPUT_BITRATE_KBPS is for mp3 and opus; %s takes none",
                             audio_format_name(enc->format));
    if (enc->format != AUDIO_FORMAT_WAV &&
        (sndfile_encoder_check(enc, KVS_RECORDING_CONNECT_RATE, 1) != 0 ||
         sndfile_encoder_check(enc, KVS_RECORDING_CONNECT_RATE, 2) != 0))
        return rec_error_set(err, REC_ERR_CONFIG, 0,
                             "OUTPUT_BITRATE_KBPS %lld does not suit %s at Connect's 8 kHz for mono and "
                             "stereo (mp3: 24 or 32; opus: 6 to 256)",
                             kbps, audio_format_name(enc->format));
cleanup:
    return rc;
}

int kvs_recording_config_from_env(struct kvs_recording_config *cfg, struct rec_error *err)
{
    int rc = 0;
    memset(cfg, 0, sizeof(*cfg));
    char selector[32];
    long long margin;
    REC_TRY(env_text("RECORDINGS_BUCKET_NAME", "", 1, cfg->bucket, sizeof(cfg->bucket), err));
    REC_TRY(env_text("RECORDINGS_KEY_PREFIX", "", 0, cfg->key_prefix, sizeof(cfg->key_prefix), err));
    REC_TRY(env_text("CLOUDFRONT_DOMAIN", "", 1, cfg->cloudfront_domain, sizeof(cfg->cloudfront_domain),
                     err));
    REC_TRY(env_text("START_SELECTOR_TYPE", "FRAGMENT_NUMBER", 0, selector, sizeof(selector), err));
    REC_TRY(env_text("S3_SSE_KMS_KEY_ID", "", 0, cfg->kms_key_id, sizeof(cfg->kms_key_id), err));
    REC_TRY(env_text("S3_OBJECT_ACL", "", 0, cfg->object_acl, sizeof(cfg->object_acl), err));
    REC_TRY(stream_recording_knobs_from_env(30000, 15000, MEDIA_READ_AUTO, &cfg->knobs, err));
    REC_TRY(env_number("PAUSE_MARGIN_MS", 1000, 0, 600000, &margin, err));
    REC_TRY(env_text("UPLOAD_SPOOL_DIR", "/tmp", 0, cfg->spool_dir, sizeof(cfg->spool_dir), err));
    REC_TRY(encoding_from_env(&cfg->encoding, err));
    size_t n = strlen(cfg->cloudfront_domain);
    while (n && cfg->cloudfront_domain[n - 1] == '/')
        cfg->cloudfront_domain[--n] = '\0';
    cfg->start_by_fragment = strcmp(selector, "FRAGMENT_NUMBER") == 0;
    cfg->pause_margin_ms = margin;
cleanup:
    return rc;
}
