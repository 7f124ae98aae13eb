/*
 * Names of a contact's recordings in S3 and their URLs on the contact,
 * exactly as the original sample wrote them (../shared/REFERENCE.md §1),
 * plus the fix for several KVS recordings in one CTR (later ones get _2,
 * _3, ...).
 */
#ifndef REC_CONNECT_OBJECT_NAMES_H
#define REC_CONNECT_OBJECT_NAMES_H

#include <stddef.h>

#include "common/buf.h"

/* The three recordings of a contact. The values are the recorder's output
 * indices for Connect's track roles (role 0 AUDIO_FROM_CUSTOMER, role 1
 * AUDIO_TO_CUSTOMER, then the stereo mix). */
enum connect_audio {
    CONNECT_AUDIO_FROM_CUSTOMER = 0, /* what the customer said */
    CONNECT_AUDIO_TO_CUSTOMER = 1,   /* what the customer heard */
    CONNECT_AUDIO_MIXED = 2,         /* stereo: left from, right to */
};
#define CONNECT_AUDIO_KINDS 3

/* S3's longest object key, bytes ("Creating object key names", Amazon S3
 * User Guide). */
#define CONNECT_OBJECT_KEY_MAX 1024

/* Writes the S3 key
 *   PREFIX + Y/M/D/ + <contactId>_audio_{from_customer,to_customer,mixed}[_N].EXT
 * (month and day not zero-padded; _N only for index >= 2; index counts the
 * CTR's KVS recordings from 1; EXT the format's extension, "wav" as the
 * original wrote, or "flac", "mp3", "opus": audio/audio_format.h) into out
 * (cap bytes, NUL-terminated). Returns 0, or REC_ERR_LIMIT when it does not
 * fit in cap or passes CONNECT_OBJECT_KEY_MAX bytes (out is then ""). */
int object_key(const char *prefix, int year, int month, int day, const char *contact_id,
               enum connect_audio which, unsigned index, const char *extension, char *out, size_t cap);

/* The attribute name the original stores a kind's URL under
 * ("audioFromCustomer", "audioToCustomer", "audioMixed"); static. */
const char *object_attribute_name(enum connect_audio which);

/* Appends the URL of key under domain (domain + "/" + key) to a
 * comma-separated list (", " between URLs, as when a CTR has several
 * recordings). Returns 0, REC_ERR_LIMIT when the list would pass its
 * buffer's limit (nothing appended), or REC_ERR_NOMEM. */
int object_url_append(struct rec_buf *list, const char *domain, const char *key);

#endif
