/*
 * libFuzzer target for the Runtime API's response headers of `next`
 * (runtime_parse_header): the one outside input of the runtime besides the
 * event body (the handlers' parsers have their own targets).
 *
 * Input: header lines separated by '\n' (a line may hold any byte, CR and
 * NUL included), fed one by one like libcurl's header callback does.
 * Properties for every input: each field stays NUL-terminated within its
 * size and holds no control byte; a request id comes from a Request-Id line
 * with exactly that value (trimmed), never a shortened one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_api.h"

static void require(int cond)
{
    if (!cond)
        abort();
}

static void require_field(const char *f, size_t cap)
{
    size_t n = strnlen(f, cap);
    require(n < cap);
    for (size_t i = 0; i < n; i++)
        require((unsigned char)f[i] >= 0x20 && f[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct runtime_invocation inv;
    memset(&inv, 0, sizeof(inv));
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        runtime_parse_header(&inv, p, len);
        p += len;
    }
    require_field(inv.request_id, sizeof(inv.request_id));
    require_field(inv.function_arn, sizeof(inv.function_arn));
    require_field(inv.trace_id, sizeof(inv.trace_id));
    /* a request id is a value some line carried whole */
    if (inv.request_id[0])
        require(memmem(data, size, inv.request_id, strlen(inv.request_id)) != NULL);
    return 0;
}
