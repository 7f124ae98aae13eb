/*
 * Which Matroska tracks hold a call's audio, and how to turn their blocks
 * into 16-bit PCM.
 *
 * Roles: a call has up to two audio tracks, role 0 and role 1 (the stereo
 * mix's left and right). The caller names them (struct track_roles): Amazon
 * Connect writes "AUDIO_FROM_CUSTOMER" and "AUDIO_TO_CUSTOMER" (REFERENCE.md
 * §3; find tracks by name, not number); its older layout has one track,
 * "Track_audio/L16", and a producer may write one unnamed audio track. So
 * when no track of a fragment has a role name, a fragment's lone audio track
 * is role 0 if it is unnamed, has the configured lone name, or the caller
 * accepts any name (a Chime stream's single track).
 *
 * Codecs: A_PCM/INT/LIT, A_PCM/INT/BIG (byte-swapped), A_MS/ACM with a PCM
 * WAVEFORMATEX(TENSIBLE) in CodecPrivate (Matroska codec specs), and
 * Connect's A_AAC label when the fragment's MimeType tag says audio/L16:
 * Connect sends raw little-endian PCM under that label (every consumer of
 * Connect streams treats it so). Anything else, real AAC included, is
 * unsupported for that track rather than decoded as noise. Only mono 16-bit
 * is handled; other widths and channel counts are refused with a reason.
 *
 * Nothing here truncates an identifier: a track name, CodecID or MimeType
 * too long for its field is kept as a fact ("too long"), and the rules say
 * what that means (below).
 */
#ifndef REC_RECORDER_TRACK_CODEC_H
#define REC_RECORDER_TRACK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "kvs/mkv_reader.h"

enum track_role {
    TRACK_ROLE_NONE = -1,
    TRACK_ROLE_0 = 0, /* Connect: AUDIO_FROM_CUSTOMER; the stereo mix's left channel */
    TRACK_ROLE_1 = 1, /* Connect: AUDIO_TO_CUSTOMER; right channel */
};
#define TRACK_ROLES 2

/* The longest track Name kept, in bytes. A longer Name matches no role name
 * (names configured are at most this long) and is not "unnamed". */
#define TRACK_NAME_MAX 255
/* The longest CodecID kept, in bytes (Matroska's are about 20). A longer
 * one is unsupported. */
#define TRACK_CODEC_ID_MAX 63

/* How a fragment's tracks get their roles. The strings are borrowed: they
 * must stay valid as long as anything uses the struct (string literals in
 * practice); each is at most TRACK_NAME_MAX bytes. */
struct track_roles {
    /* The TrackEntry Name of role 0 and of role 1; NULL or "" = no track
     * gets that role by name. */
    const char *name[TRACK_ROLES];
    /* When no track of a fragment has a role name and the fragment has
     * exactly one audio track, that track is role 0 if it is unnamed, is
     * named lone_name (NULL or "" = no such name; Connect's older layout:
     * "Track_audio/L16"), or lone_any_name is non-zero. */
    const char *lone_name;
    int lone_any_name;
};

/* Checks a role configuration. Returns 0, or REC_ERR_INVALID when a name is
 * longer than TRACK_NAME_MAX or both roles have the same name. */
int track_roles_check(const struct track_roles *roles);

/* Writes a sentence naming the tracks roles looks for ("none named A or B,
 * and no lone audio track unnamed or named C") into out (cap bytes, cut for
 * people if need be). For error messages only. */
void track_roles_describe(const struct track_roles *roles, char *out, size_t cap);

/* A TrackEntry copied out of the reader's callback (whose pointers die with
 * it). CodecPrivate beyond 256 bytes is cut and flagged (only A_MS/ACM's
 * 16..40 bytes are ever read). */
struct track_entry {
    uint64_t number;
    uint64_t type;              /* 2 = audio, 0 = absent */
    int audio;                  /* TrackType 2, or absent with a CodecID "A_..." */
    char name[TRACK_NAME_MAX + 1];
    int name_too_long;          /* Name had more bytes: name is "" */
    char codec_id[TRACK_CODEC_ID_MAX + 1];
    int codec_id_too_long;      /* CodecID had more bytes: codec_id is "" */
    uint8_t codec_private[256];
    size_t codec_private_len;   /* bytes stored */
    int has_codec_private;
    int codec_private_cut;
    double sampling_frequency;  /* Hz, 0 = absent */
    uint64_t channels;          /* 0 = absent */
    uint64_t bit_depth;         /* bits, 0 = absent */
};

/* Copies src (valid only in the reader's on_track callback) into dst, the
 * caller's storage; nothing to free. Decides `audio` on the whole CodecID
 * before it may be dropped as too long. */
void track_entry_from_info(struct track_entry *dst, const struct mkv_track_info *src);

/* Assigns roles to one fragment's n tracks: roles[i] for tracks[i] (n
 * entries, caller's storage) by the rules of cfg. Returns 0, or
 * REC_ERR_INVALID when two tracks claim the same role. */
int track_roles_assign(const struct track_roles *cfg, const struct track_entry *tracks, size_t n,
                       enum track_role *roles);

/* A fragment's MimeType tag, parsed when it is read (the tag's bytes die
 * with the reader's callback, and a parsed value needs no storage cap). */
struct track_mime {
    int present;       /* a MimeType tag was read */
    int l16;           /* it is audio/L16 (RFC 2586) with well-formed parameters */
    uint32_t rate;     /* its rate= in Hz, 0 if absent */
    uint32_t channels; /* its channels=, 0 if absent */
    char shown[96];    /* the value for messages; a longer one is cut and ends in "..." */
};

/* Parses value (a NUL-terminated MimeType tag value) into *m. */
void track_mime_parse(struct track_mime *m, const char *value);

/* Non-zero when t's codec can only be decided with the fragment's MimeType
 * tag (Connect's A_AAC label), which Connect writes after the Cluster. */
int track_codec_needs_mime(const struct track_entry *t);

enum pcm_layout {
    PCM_NONE = 0,  /* not decodable */
    PCM_S16LE,
    PCM_S16BE,
};

/* How one track's blocks decode. */
struct track_codec {
    enum pcm_layout layout;
    uint32_t rate;       /* samples per second */
    char why[192];       /* when layout == PCM_NONE: the reason, for people */
};

/* Decides how t's blocks decode. mime is the fragment's MimeType tag (NULL
 * or not present: none); it matters only for A_AAC. Rates: MimeType's rate=,
 * else SamplingFrequency, else 8000 (Matroska's default SamplingFrequency).
 * A CodecID longer than TRACK_CODEC_ID_MAX is unsupported. Returns 0
 * (out->layout set) or REC_ERR_UNSUPPORTED (out->why set). */
int track_codec_resolve(const struct track_entry *t, const struct track_mime *mime,
                        struct track_codec *out);

/* Parses an "audio/L16;rate=8000;channels=1;" MimeType (RFC 2586 L16 with
 * parameters; type case-insensitive, spaces allowed around ';'). Returns 1
 * for audio/L16 with *rate (0 if no rate=) and *channels (0 if absent), 0
 * for any other type or a malformed parameter. */
int mime_type_is_l16(const char *mime, uint32_t *rate, uint32_t *channels);

/* Converts a block's payload (len bytes in layout) to s16le in out (len
 * bytes; out may equal in). Returns 0, or REC_ERR_INVALID when len is not a
 * whole number of 16-bit samples. */
int pcm_to_s16le(enum pcm_layout layout, const uint8_t *in, size_t len, uint8_t *out);

#endif
