/* Unit tests for fragment selection (recorder/fragment_select.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "common/error.h"
#include "recorder/fragment_select.h"

#define N(x) "9134385233318143239268206260774392014626444" x

/* What call tag value c (NULL: none read) says to s. */
static enum fragment_call C(const struct fragment_select *s, const char *c)
{
    return c ? fragment_select_call(s, rec_bytes_of_str(c)) : FRAGMENT_CALL_UNSEEN;
}

static enum fragment_verdict judge_end(struct fragment_select *s, const char *num, const char *c)
{
    enum fragment_verdict v = fragment_select_judge(s, FRAGMENT_AT_END, num, C(s, c));
    if (v == FRAGMENT_USE)
        fragment_select_used(s, num);
    return v;
}

static void start_and_stop_are_inclusive_and_nothing_after_stop(void **state)
{
    (void)state;
    struct fragment_select s;
    assert_int_equal(fragment_select_init(&s, NULL, N("0100"), N("0300")), 0);
    assert_int_equal(judge_end(&s, N("0099"), "c"), FRAGMENT_SKIP);
    assert_int_equal(judge_end(&s, N("0100"), "c"), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, N("0200"), "c"), FRAGMENT_USE);
    assert_false(s.done);
    assert_int_equal(judge_end(&s, N("0300"), "c"), FRAGMENT_USE);
    assert_int_equal(s.done, FRAGMENT_DONE_STOP); /* the stop fragment completes it */
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_START, N("0301"), C(&s, NULL)), FRAGMENT_END);
}

static void a_fragment_past_stop_ends_at_its_start(void **state)
{
    (void)state;
    struct fragment_select s;
    /* The stop fragment itself never came (e.g. numbers skip it). */
    assert_int_equal(fragment_select_init(&s, NULL, NULL, N("0300")), 0);
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_START, N("0250"), C(&s, NULL)), FRAGMENT_USE);
    fragment_select_used(&s, N("0250"));
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_START, N("0350"), C(&s, NULL)), FRAGMENT_END);
    assert_int_equal(s.done, FRAGMENT_DONE_STOP);
}

static void a_call_filter_keeps_only_the_first_run_of_the_call(void **state)
{
    (void)state;
    struct fragment_select s;
    assert_int_equal(fragment_select_init(&s, "B", NULL, NULL), 0);
    /* ContactId comes after the Cluster: undecided at the start. */
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_START, N("0001"), C(&s, NULL)),
                     FRAGMENT_UNDECIDED);
    assert_int_equal(judge_end(&s, N("0001"), "A"), FRAGMENT_SKIP);
    assert_int_equal(judge_end(&s, N("0002"), "A"), FRAGMENT_SKIP);
    assert_int_equal(judge_end(&s, N("0003"), "B"), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, N("0004"), "B"), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, N("0005"), "C"), FRAGMENT_END);
    assert_int_equal(s.done, FRAGMENT_DONE_CALL);
    /* B reappearing later is not used. */
    assert_int_equal(judge_end(&s, N("0006"), "B"), FRAGMENT_END);
}

static void without_a_call_every_fragment_in_range_is_used(void **state)
{
    (void)state;
    struct fragment_select s;
    assert_int_equal(fragment_select_init(&s, "", "", ""), 0);
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_START, NULL, C(&s, NULL)), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, N("0001"), "A"), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, N("0002"), "B"), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, NULL, NULL), FRAGMENT_USE);
    assert_false(s.done);
}

static void fragments_missing_tags(void **state)
{
    (void)state;
    struct fragment_select s;
    /* No fragment number while a range is set: cannot be placed, skipped. */
    assert_int_equal(fragment_select_init(&s, NULL, N("0001"), NULL), 0);
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_START, NULL, C(&s, NULL)), FRAGMENT_UNDECIDED);
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_END, NULL, C(&s, NULL)), FRAGMENT_SKIP);
    /* No ContactId in a complete fragment: skipped, and it ends nothing. */
    assert_int_equal(fragment_select_init(&s, "B", NULL, NULL), 0);
    assert_int_equal(judge_end(&s, N("0001"), "B"), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, N("0002"), NULL), FRAGMENT_SKIP);
    assert_false(s.done);
    assert_int_equal(judge_end(&s, N("0003"), "B"), FRAGMENT_USE);
}

static void a_fragment_delivered_again_is_not_used_twice(void **state)
{
    (void)state;
    struct fragment_select s;
    /* A GetMedia resumed with FRAGMENT_NUMBER starts with the last fragment read. */
    assert_int_equal(fragment_select_init(&s, "B", NULL, NULL), 0);
    assert_int_equal(judge_end(&s, N("0001"), "B"), FRAGMENT_USE);
    assert_int_equal(judge_end(&s, N("0002"), "B"), FRAGMENT_USE);
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_AT_START, N("0002"), C(&s, NULL)), FRAGMENT_SKIP);
    assert_int_equal(judge_end(&s, N("0002"), "B"), FRAGMENT_SKIP);
    assert_int_equal(judge_end(&s, N("0001"), "B"), FRAGMENT_SKIP);
    assert_false(s.done);
    assert_int_equal(judge_end(&s, N("0003"), "B"), FRAGMENT_USE);
}

static void a_cut_fragment_without_call_tag_follows_the_call_before_it(void **state)
{
    (void)state;
    struct fragment_select s;
    assert_int_equal(fragment_select_init(&s, "B", NULL, NULL), 0);
    /* Nothing of B used yet: a cut fragment cannot be attributed. */
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_CUT, N("0001"), C(&s, NULL)), FRAGMENT_SKIP);
    assert_int_equal(judge_end(&s, N("0002"), "B"), FRAGMENT_USE);
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_CUT, N("0003"), C(&s, NULL)), FRAGMENT_USE);
    /* A cut fragment whose ContactId did arrive is judged by it. */
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_CUT, N("0003"), C(&s, "C")), FRAGMENT_END);
    /* Range still applies to cut fragments. */
    assert_int_equal(fragment_select_init(&s, NULL, NULL, N("0002")), 0);
    assert_int_equal(fragment_select_judge(&s, FRAGMENT_CUT, N("0003"), C(&s, NULL)), FRAGMENT_END);
}

static void bad_selection_arguments_are_refused(void **state)
{
    (void)state;
    struct fragment_select s;
    assert_int_equal(fragment_select_init(&s, NULL, "12a", NULL), REC_ERR_INVALID);
    assert_int_equal(fragment_select_init(&s, NULL, NULL, "-5"), REC_ERR_INVALID);
    assert_int_equal(fragment_select_init(&s, NULL, "10", "9"), REC_ERR_INVALID);
    assert_int_equal(fragment_select_init(&s, NULL, "9", "10"), 0);
    char long_call[FRAGMENT_SELECT_MAX_CALL_ID + 2];
    memset(long_call, 'x', sizeof(long_call) - 1);
    long_call[sizeof(long_call) - 1] = '\0';
    assert_int_equal(fragment_select_init(&s, long_call, NULL, NULL), REC_ERR_INVALID);
}


/* A call tag is compared whole: a value longer than any call ID accepted,
 * even one that starts with the wanted ID, is another call. */
static void call_tags_are_compared_whole(void **state)
{
    (void)state;
    struct fragment_select s;
    char want[FRAGMENT_SELECT_MAX_CALL_ID + 1], longer[FRAGMENT_SELECT_MAX_CALL_ID + 2];
    memset(want, 'c', sizeof(want) - 1);
    want[sizeof(want) - 1] = '\0';
    memset(longer, 'c', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    assert_int_equal(fragment_select_init(&s, want, NULL, NULL), 0);
    assert_int_equal(C(&s, want), FRAGMENT_CALL_WANTED);
    assert_int_equal(C(&s, longer), FRAGMENT_CALL_OTHER);
    assert_int_equal(fragment_select_call(&s, rec_bytes_of(want, 10)), FRAGMENT_CALL_OTHER);
    /* Without a wanted call every call is wanted. */
    assert_int_equal(fragment_select_init(&s, NULL, NULL, NULL), 0);
    assert_int_equal(C(&s, longer), FRAGMENT_CALL_WANTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_and_stop_are_inclusive_and_nothing_after_stop),
        cmocka_unit_test(a_fragment_past_stop_ends_at_its_start),
        cmocka_unit_test(a_call_filter_keeps_only_the_first_run_of_the_call),
        cmocka_unit_test(without_a_call_every_fragment_in_range_is_used),
        cmocka_unit_test(fragments_missing_tags),
        cmocka_unit_test(a_fragment_delivered_again_is_not_used_twice),
        cmocka_unit_test(a_cut_fragment_without_call_tag_follows_the_call_before_it),
        cmocka_unit_test(bad_selection_arguments_are_refused),
        cmocka_unit_test(call_tags_are_compared_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
