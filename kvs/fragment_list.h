/*
 * The fragments of one recording, listed with ListFragments: the numbers
 * from the start fragment to the stop fragment (both included), sorted as
 * decimal integers, each once.
 *
 * Why a list: for a contact that has ended, its fragments are known, so
 * GetMediaForFragmentList can read exactly them, where GetMedia would wait
 * at the live edge of a stream that went idle and end its sessions at about
 * 45 minutes (REFERENCE.md §2). ListFragments takes a server timestamp range
 * and answers "in no specific order, even across pages" (Kinesis Video
 * Archived Media API Reference, "ListFragments"), so the span is listed
 * with a margin around the contact's own timestamps (clocks differ; a
 * reused stream holds other contacts' fragments around it), filtered by
 * number and sorted here.
 *
 * Memory: one entry of FRAGMENT_NUMBER_MAX_DIGITS + 1 bytes per fragment
 * kept, at most `max` of them (a hard cap; 65,536 fragments of about one
 * second each is 18 hours and 6.4 MB).
 */
#ifndef REC_KVS_FRAGMENT_LIST_H
#define REC_KVS_FRAGMENT_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"
#include "common/error.h"
#include "kvs/fragment_number.h"
#include "services/kvs_client.h"

#define KVS_FRAGMENT_LIST_DEFAULT_MAX 65536u
#define KVS_FRAGMENT_LIST_MAX_PAGES 1000u /* ListFragments pages one listing may take */

typedef char kvs_fragment_number_t[FRAGMENT_NUMBER_MAX_DIGITS + 1];

struct kvs_fragment_list {
    kvs_fragment_number_t *numbers; /* sorted, unique; heap, owned */
    size_t n;                       /* entries used */
    size_t cap;                     /* entries allocated */
    size_t max;                     /* the most entries it may hold */
    uint64_t listed;                /* fragments ListFragments named, in the span or not */
    unsigned pages;                 /* ListFragments calls */
};

/* What to list: the recording's fragments and the server timestamps
 * (Unix epoch ms) around which they lie; margin_ms is added on both sides. */
struct kvs_fragment_span {
    const char *stream_arn;
    const char *start_fragment; /* valid fragment numbers, start <= stop */
    const char *stop_fragment;
    int64_t start_ms, stop_ms;  /* start_ms <= stop_ms */
    int64_t margin_ms;
};

/* An empty list that may hold at most max entries (0: the default). */
void kvs_fragment_list_init(struct kvs_fragment_list *l, size_t max);
void kvs_fragment_list_clean_up(struct kvs_fragment_list *l);

/* Lists span's fragments through kvs at endpoint (the LIST_FRAGMENTS data
 * endpoint), paging with NextToken, into l (emptied first): the numbers in
 * [start_fragment, stop_fragment], sorted, without duplicates. resp is the
 * caller's, reused. Returns 0 (l may then lack the start or stop fragment:
 * the caller decides what that means), or with err filled:
 * kvs_client_list_fragments' errors; REC_ERR_LIMIT (not retriable) when
 * more than l->max fragments fall in the span or the listing takes more
 * than KVS_FRAGMENT_LIST_MAX_PAGES pages; REC_ERR_INVALID for a bad span;
 * REC_ERR_NOMEM (retriable). */
int kvs_fragment_list_fetch(struct kvs_fragment_list *l, struct kvs_client *kvs, const char *endpoint,
                            const struct kvs_fragment_span *span, int64_t deadline_ms,
                            struct rec_aws_response *resp, struct rec_error *err);

/* The index of the first entry greater than `after` (a fragment number), or
 * 0 when after is NULL or "": where a reading that read `after` goes on. */
size_t kvs_fragment_list_after(const struct kvs_fragment_list *l, const char *after);

#endif
