#include "sigv4/uri_encode.h"

#include <string.h>

#include "common/error.h"

static const char HEX_UPPER[] = "0123456789ABCDEF";

int sigv4_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int append_escaped(struct rec_buf *out, unsigned char c)
{
    char esc[3] = { '%', HEX_UPPER[c >> 4], HEX_UPPER[c & 15] };
    return rec_buf_append(out, esc, 3);
}

int sigv4_uri_encode(struct rec_buf *out, const char *s, size_t len, int keep_slash)
{
    if (len == 0)
        return 0;
    size_t run = 0; /* bytes at s[i - run .. i) that need no escaping */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (sigv4_is_unreserved(c) || (keep_slash && c == '/')) {
            run++;
            continue;
        }
        int rc = rec_buf_append(out, s + i - run, run);
        if (!rc)
            rc = append_escaped(out, c);
        if (rc)
            return rc;
        run = 0;
    }
    return rec_buf_append(out, s + len - run, run);
}

int sigv4_uri_decode(struct rec_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && len - i >= 3) {
            int hi = hex_value((unsigned char)s[i + 1]);
            int lo = hex_value((unsigned char)s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                unsigned char b = (unsigned char)(hi << 4 | lo);
                int rc = rec_buf_append(out, &b, 1);
                if (rc)
                    return rc;
                i += 2;
                continue;
            }
        }
        int rc = rec_buf_append(out, &c, 1);
        if (rc)
            return rc;
    }
    return 0;
}

int sigv4_normalize_path(struct rec_buf *out, const char *path, size_t len)
{
    if (len == 0)
        return rec_buf_append(out, "/", 1);
    int rc = 0;
    if (path[0] == '/' && (rc = rec_buf_append(out, "/", 1)) != 0)
        return rc;
    /* out doubles as the stack of kept segments: they are joined by '/' and
     * contain none, so popping cuts back to the last '/' after the prefix. */
    const size_t prefix = out->len;
    size_t kept = 0;
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t seg = j - i;
        if (seg == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (kept > 0) {
                size_t k = out->len;
                while (k > prefix && out->data[k - 1] != '/')
                    k--;
                if (k > prefix)
                    k--;
                rec_buf_truncate(out, k);
                kept--;
            }
        } else if (seg > 0 && !(seg == 1 && path[i] == '.')) {
            if (kept > 0 && (rc = rec_buf_append(out, "/", 1)) != 0)
                return rc;
            if ((rc = rec_buf_append(out, path + i, seg)) != 0)
                return rc;
            kept++;
        }
        i = j + 1;
    }
    if (path[len - 1] == '/' && kept > 0)
        rc = rec_buf_append(out, "/", 1);
    return rc;
}

int sigv4_canonical_uri(struct rec_buf *out, const char *path, size_t len, int s3)
{
    if (len == 0)
        return rec_buf_append(out, "/", 1);
    if (!s3) {
        struct rec_buf norm;
        rec_buf_init(&norm, len + 1);
        int rc = sigv4_normalize_path(&norm, path, len);
        if (!rc && norm.len) /* "." alone normalises to nothing, as in botocore */
            rc = sigv4_uri_encode(out, norm.data, norm.len, 1);
        rec_buf_clean_up(&norm, 0);
        return rc;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        int rc;
        if (sigv4_is_unreserved(c) || c == '/')
            rc = rec_buf_append(out, &c, 1);
        else if (c == '%' && len - i >= 3 && hex_value((unsigned char)path[i + 1]) >= 0 &&
                 hex_value((unsigned char)path[i + 2]) >= 0) {
            rc = rec_buf_append(out, path + i, 3);
            i += 2;
        } else
            rc = append_escaped(out, c);
        if (rc)
            return rc;
    }
    return 0;
}
