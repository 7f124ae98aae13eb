#include "handler/env_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/bytes.h"

int env_text(const char *name, const char *fallback, int required, char *dst, size_t cap,
             struct rec_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        if (required)
            return rec_error_set(err, REC_ERR_CONFIG, 0, "%s is not set", name);
        v = fallback ? fallback : "";
    }
    if (rec_str_copy(dst, cap, v))
        return rec_error_set(err, REC_ERR_CONFIG, 0, "%s is longer than %zu bytes", name, cap - 1);
    return 0;
}

int env_number(const char *name, long long fallback, long long min, long long max, long long *out,
               struct rec_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *out = fallback;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max)
        return rec_error_set(err, REC_ERR_CONFIG, 0, "%s must be a whole number from %lld to %lld",
                             name, min, max);
    *out = n;
    return 0;
}

int env_choice(const char *name, const char *const *choices, size_t n, size_t fallback, size_t *out,
               struct rec_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *out = fallback;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    struct rec_buf list;
    rec_buf_init(&list, 256);
    for (size_t i = 0; i < n; i++)
        rec_buf_printf(&list, "%s%s", i ? ", " : "", choices[i]);
    rec_error_set(err, REC_ERR_CONFIG, 0, "%s must be one of %s", name, list.data ? list.data : "");
    rec_buf_clean_up(&list, 0);
    return REC_ERR_CONFIG;
}
