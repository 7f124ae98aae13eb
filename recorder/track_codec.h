/*
 * Which Matroska tracks hold a call's audio, and how to turn their blocks
 * into 16-bit PCM.
 *
 * Roles (REFERENCE §3, Connect's layout; find tracks by name, not number):
 * "AUDIO_FROM_CUSTOMER" and "AUDIO_TO_CUSTOMER"; the older single track
 * "Track_audio/L16", or a fragment's only audio track when it has no name,
 * is customer audio (AUDIO_FROM_CUSTOMER).
 *
 * Codecs: A_PCM/INT/LIT, A_PCM/INT/BIG (byte-swapped), A_MS/ACM with a PCM
 * WAVEFORMATEX(TENSIBLE) in CodecPrivate (Matroska codec specs), and
 * Connect's A_AAC label when the fragment's MimeType tag says audio/L16:
 * Connect sends raw little-endian PCM under that label (every consumer of
 * Connect streams treats it so). Anything else, real AAC included, is
 * unsupported for that track rather than decoded as noise. Only mono 16-bit
 * is handled; other widths and channel counts are refused with a reason.
 */
#ifndef REC_RECORDER_TRACK_CODEC_H
#define REC_RECORDER_TRACK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "kvs/mkv_reader.h"

enum track_role {
    TRACK_ROLE_NONE = -1,
    TRACK_ROLE_FROM_CUSTOMER = 0, /* also the stereo mix's left channel */
    TRACK_ROLE_TO_CUSTOMER = 1,   /* right channel */
};
#define TRACK_ROLES 2

/* The role's track name as Connect writes it (a static string; "" for
 * TRACK_ROLE_NONE). */
const char *track_role_name(enum track_role role);

/* A TrackEntry copied out of the reader's callback (whose pointers die with
 * it). Strings longer than the fields are cut; CodecPrivate beyond 256
 * bytes is cut and flagged (only A_MS/ACM's 16..40 bytes are ever read). */
struct track_entry {
    uint64_t number;
    uint64_t type;              /* 2 = audio, 0 = absent */
    char name[64];
    char codec_id[64];
    uint8_t codec_private[256];
    size_t codec_private_len;   /* bytes stored */
    int has_codec_private;
    int codec_private_cut;
    double sampling_frequency;  /* Hz, 0 = absent */
    uint64_t channels;          /* 0 = absent */
    uint64_t bit_depth;         /* bits, 0 = absent */
};

/* Copies src (valid only in the reader's on_track callback) into dst, the
 * caller's storage; nothing to free. */
void track_entry_from_info(struct track_entry *dst, const struct mkv_track_info *src);

/* Assigns roles to one fragment's tracks: roles[i] for tracks[i]. Returns 0,
 * or REC_ERR_INVALID when two tracks claim the same role. */
int track_roles_assign(const struct track_entry *tracks, size_t n, enum track_role *roles);

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

/* Decides how t's blocks decode. mime_type is the fragment's MimeType tag
 * (NULL if absent); it matters only for A_AAC. Rates: MimeType's rate=,
 * else SamplingFrequency, else 8000 (Matroska's default SamplingFrequency).
 * Returns 0 (out->layout set) or REC_ERR_UNSUPPORTED (out->why set). */
int track_codec_resolve(const struct track_entry *t, const char *mime_type, struct track_codec *out);

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
