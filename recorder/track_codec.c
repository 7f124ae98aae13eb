#include "recorder/track_codec.h"

#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bytes.h"
#include "common/error.h"

#define DEFAULT_RATE 8000u /* Matroska: SamplingFrequency defaults to 8000 */
#define MAX_RATE 768000u

static int named(const char *s)
{
    return s && *s;
}

int track_roles_check(const struct track_roles *roles)
{
    const char *names[3] = { roles->name[0], roles->name[1], roles->lone_name };
    for (int i = 0; i < 3; i++)
        if (named(names[i]) && strlen(names[i]) > TRACK_NAME_MAX)
            return REC_ERR_INVALID;
    if (named(names[0]) && named(names[1]) && !strcmp(names[0], names[1]))
        return REC_ERR_INVALID;
    return 0;
}

void track_roles_describe(const struct track_roles *roles, char *out, size_t cap)
{
    const char *n0 = named(roles->name[0]) ? roles->name[0] : NULL;
    const char *n1 = named(roles->name[1]) ? roles->name[1] : NULL;
    const char *lone = named(roles->lone_name) ? roles->lone_name : NULL;
    if (roles->lone_any_name)
        snprintf(out, cap, "none named %s%s%s, and no lone audio track", n0 ? n0 : "",
                 n0 && n1 ? " or " : "", n1 ? n1 : "");
    else
        snprintf(out, cap, "none named %s%s%s, and no single %s%sunnamed audio track",
                 n0 ? n0 : "", n0 && n1 ? " or " : "", n1 ? n1 : "", lone ? lone : "",
                 lone ? " or " : "");
}

void track_entry_from_info(struct track_entry *dst, const struct mkv_track_info *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->number = src->number;
    dst->type = src->type;
    dst->audio = src->type == 2 || (src->type == 0 && src->codec_id &&
                                     strncmp(src->codec_id, "A_", 2) == 0);
    /* A value too long for its field is dropped, not cut: a cut name could
     * equal a role name, a cut CodecID a supported one. */
    dst->name_too_long = rec_str_copy(dst->name, sizeof(dst->name), src->name) != 0;
    dst->codec_id_too_long =
        rec_str_copy(dst->codec_id, sizeof(dst->codec_id), src->codec_id) != 0;
    if (src->codec_private) {
        size_t n = src->codec_private_len;
        dst->has_codec_private = 1;
        if (n > sizeof(dst->codec_private)) {
            n = sizeof(dst->codec_private);
            dst->codec_private_cut = 1;
        }
        memcpy(dst->codec_private, src->codec_private, n);
        dst->codec_private_len = n;
    }
    dst->sampling_frequency = src->sampling_frequency;
    dst->channels = src->channels;
    dst->bit_depth = src->bit_depth;
}

static enum track_role role_by_name(const struct track_roles *cfg, const struct track_entry *t)
{
    if (t->name_too_long)
        return TRACK_ROLE_NONE;
    for (int ro = 0; ro < TRACK_ROLES; ro++)
        if (named(cfg->name[ro]) && !strcmp(t->name, cfg->name[ro]))
            return (enum track_role)ro;
    return TRACK_ROLE_NONE;
}

/* The fallback for a fragment without role names: its lone audio track. */
static int lone_track_qualifies(const struct track_roles *cfg, const struct track_entry *t)
{
    if (cfg->lone_any_name)
        return 1;
    if (t->name_too_long)
        return 0;
    return t->name[0] == '\0' || (named(cfg->lone_name) && !strcmp(t->name, cfg->lone_name));
}

int track_roles_assign(const struct track_roles *cfg, const struct track_entry *tracks, size_t n,
                       enum track_role *roles)
{
    int any_named = 0;
    size_t audio = 0, only = 0;
    for (size_t i = 0; i < n; i++) {
        roles[i] = role_by_name(cfg, &tracks[i]);
        if (roles[i] != TRACK_ROLE_NONE) {
            for (size_t j = 0; j < i; j++)
                if (roles[j] == roles[i])
                    return REC_ERR_INVALID;
            any_named = 1;
        }
        if (tracks[i].audio) {
            audio++;
            only = i;
        }
    }
    if (!any_named && audio == 1 && lone_track_qualifies(cfg, &tracks[only]))
        roles[only] = TRACK_ROLE_0;
    return 0;
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

int mime_type_is_l16(const char *mime, uint32_t *rate, uint32_t *channels)
{
    *rate = 0;
    *channels = 0;
    if (!mime)
        return 0;
    const char *p = skip_space(mime);
    if (strncasecmp(p, "audio/L16", 9) != 0)
        return 0;
    p = skip_space(p + 9);
    if (*p != '\0' && *p != ';')
        return 0; /* e.g. audio/L16x */
    while (*p == ';') {
        p = skip_space(p + 1);
        if (*p == '\0')
            break;
        const char *key = p;
        while (*p && *p != '=' && *p != ';' && *p != ' ')
            p++;
        size_t klen = (size_t)(p - key);
        p = skip_space(p);
        if (*p != '=')
            return 0;
        p = skip_space(p + 1);
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        int numeric = end != p && isdigit((unsigned char)*p);
        if (klen == 4 && !strncasecmp(key, "rate", 4)) {
            if (!numeric || v == 0 || v > MAX_RATE)
                return 0;
            *rate = (uint32_t)v;
            p = end;
        } else if (klen == 8 && !strncasecmp(key, "channels", 8)) {
            if (!numeric || v == 0 || v > 255)
                return 0;
            *channels = (uint32_t)v;
            p = end;
        } else {
            while (*p && *p != ';') /* another parameter: ignored */
                p++;
        }
        p = skip_space(p);
        if (*p != '\0' && *p != ';')
            return 0;
    }
    return 1;
}

__attribute__((format(printf, 2, 3))) static int refuse(struct track_codec *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof(out->why), fmt, ap);
    va_end(ap);
    out->layout = PCM_NONE;
    return REC_ERR_UNSUPPORTED;
}

static int rate_from_track(const struct track_entry *t, struct track_codec *out)
{
    double f = t->sampling_frequency;
    if (f == 0) {
        out->rate = DEFAULT_RATE;
        return 0;
    }
    if (!(f >= 1 && f <= MAX_RATE) || f != floor(f))
        return refuse(out, "%s track: sampling frequency %g Hz is not supported", t->codec_id, f);
    out->rate = (uint32_t)f;
    return 0;
}

static int check_mono_16(const struct track_entry *t, uint64_t channels, uint64_t bits,
                         struct track_codec *out)
{
    if (bits != 16)
        return refuse(out, "%s track: %llu-bit PCM is not supported (16-bit only)", t->codec_id,
                      (unsigned long long)bits);
    if (channels != 1)
        return refuse(out, "%s track: %llu channels are not supported (mono only)", t->codec_id,
                      (unsigned long long)channels);
    return 0;
}

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
    return le16(p) | le16(p + 2) << 16;
}

/* A_MS/ACM: CodecPrivate is a WAVEFORMATEX (Microsoft mmreg.h), possibly
 * WAVEFORMATEXTENSIBLE whose SubFormat GUID names PCM. */
static int resolve_acm(const struct track_entry *t, struct track_codec *out)
{
    static const uint8_t pcm_guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                               0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
    const uint8_t *p = t->codec_private;
    if (!t->has_codec_private || t->codec_private_len < 16)
        return refuse(out, "A_MS/ACM track: CodecPrivate is not a WAVEFORMATEX (%zu bytes)",
                      t->codec_private_len);
    uint32_t tag = le16(p);
    if (tag == 0xFFFE) {
        if (t->codec_private_len < 40 || le16(p + 16) < 22 || le16(p + 24) != 1 ||
            memcmp(p + 26, pcm_guid_tail, sizeof(pcm_guid_tail)) != 0)
            return refuse(out, "A_MS/ACM track: WAVE_FORMAT_EXTENSIBLE that is not PCM");
    } else if (tag != 1) {
        return refuse(out, "A_MS/ACM track: format tag 0x%04X is not supported (PCM only)", tag);
    }
    uint32_t rate = le32(p + 4);
    if (rate == 0 || rate > MAX_RATE)
        return refuse(out, "A_MS/ACM track: sample rate %u Hz is not supported", rate);
    int rc = check_mono_16(t, le16(p + 2), le16(p + 14), out);
    if (rc)
        return rc;
    out->rate = rate;
    out->layout = PCM_S16LE;
    return 0;
}

void track_mime_parse(struct track_mime *m, const char *value)
{
    memset(m, 0, sizeof(*m));
    m->present = 1;
    m->l16 = mime_type_is_l16(value, &m->rate, &m->channels);
    if (rec_str_copy(m->shown, sizeof(m->shown), value) != 0)
        snprintf(m->shown, sizeof(m->shown), "%.*s...", (int)sizeof(m->shown) - 4,
                 value ? value : "");
}

static int is_aac_label(const char *codec_id)
{
    return !strcmp(codec_id, "A_AAC") || !strncmp(codec_id, "A_AAC/", 6);
}

int track_codec_needs_mime(const struct track_entry *t)
{
    return is_aac_label(t->codec_id);
}

/* Connect's A_AAC label: raw PCM when the MimeType says audio/L16. */
static int resolve_aac_label(const struct track_entry *t, const struct track_mime *mime,
                             struct track_codec *out)
{
    int rc;
    if (!mime || !mime->present || !mime->l16)
        return refuse(out,
                      "A_AAC track without an audio/L16 MimeType tag%s%s%s: real AAC is "
                      "not decoded",
                      mime && mime->present ? " (MimeType \"" : "",
                      mime && mime->present ? mime->shown : "",
                      mime && mime->present ? "\")" : "");
    uint64_t channels = mime->channels ? mime->channels : (t->channels ? t->channels : 1);
    if ((rc = check_mono_16(t, channels, 16, out)))
        return rc;
    if (mime->rate)
        out->rate = mime->rate;
    else if ((rc = rate_from_track(t, out)))
        return rc;
    out->layout = PCM_S16LE; /* Connect's payload, despite L16's network order */
    return 0;
}

int track_codec_resolve(const struct track_entry *t, const struct track_mime *mime,
                        struct track_codec *out)
{
    memset(out, 0, sizeof(*out));
    const char *id = t->codec_id;
    int rc;
    if (t->codec_id_too_long)
        return refuse(out, "a CodecID longer than %d bytes is not supported",
                      TRACK_CODEC_ID_MAX);
    if (!strcmp(id, "A_PCM/INT/LIT") || !strcmp(id, "A_PCM/INT/BIG")) {
        /* BitDepth is mandatory for PCM in practice; absent, assume 16. */
        uint64_t bits = t->bit_depth ? t->bit_depth : 16;
        uint64_t channels = t->channels ? t->channels : 1; /* Matroska default */
        if ((rc = check_mono_16(t, channels, bits, out)) || (rc = rate_from_track(t, out)))
            return rc;
        out->layout = id[10] == 'L' ? PCM_S16LE : PCM_S16BE;
        return 0;
    }
    if (!strcmp(id, "A_MS/ACM"))
        return resolve_acm(t, out);
    if (is_aac_label(id))
        return resolve_aac_label(t, mime, out);
    return refuse(out, "codec %s is not supported (16-bit PCM only)", id[0] ? id : "(none)");
}

int pcm_to_s16le(enum pcm_layout layout, const uint8_t *in, size_t len, uint8_t *out)
{
    if (len % 2)
        return REC_ERR_INVALID;
    if (layout == PCM_S16BE) {
        for (size_t i = 0; i < len; i += 2) {
            uint8_t hi = in[i];
            out[i] = in[i + 1];
            out[i + 1] = hi;
        }
    } else if (out != in) {
        memcpy(out, in, len);
    }
    return 0;
}
