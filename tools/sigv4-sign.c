/*
 * sigv4-sign: signs one raw HTTP/1.1 request read from stdin with AWS
 * Signature Version 4 and prints the signed request or one intermediate value.
 * The tool to reach for when a service answers SignatureDoesNotMatch: compare
 * its canonical request with the one in the error message.
 *
 *   sigv4-sign --access-key AK --secret-key SK [--session-token T] --region R
 *              --service S [--date 20150830T123600Z] [--s3] [--unsigned-payload]
 *              [--presign SECONDS]
 *              [--print canonical|string-to-sign|authorization|request] < request.txt
 *
 * Input: request line, header lines, blank line, body; LF or CRLF line ends.
 * The request line is split at its first and last space, so a path may hold a
 * raw space. A header line starting with space or tab continues the previous
 * one (obsolete line folding; signed as one value with whitespace collapsed).
 * The body is every byte after the blank line; a Content-Length header, if
 * present, must match it.
 *
 * Output: --print request (default) writes the request with CRLF line ends and
 * X-Amz-Date (added if missing, replaced if different), X-Amz-Security-Token
 * (with --session-token), X-Amz-Content-SHA256 (S3 or --unsigned-payload) and
 * Authorization set; with --presign the signature goes into the query instead.
 * The other --print values write exactly that value and a newline.
 *
 * Exit status: 0 signed, 1 bad usage, 2 malformed request (with a message on
 * stderr saying what is wrong).
 *
 * Rule sources: see sigv4/signer.h. HTTP message syntax: RFC 9112 sections 2-5.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/buf.h"
#include "common/error.h"
#include "sigv4/crypto.h"
#include "sigv4/signer.h"

#define EXIT_USAGE 1
#define EXIT_MALFORMED 2
#define INPUT_LIMIT (64u * 1024 * 1024) /* bytes of request we read */
#define MAX_HEADERS 1000

struct raw_header {
    char *name;       /* NUL-terminated, as written */
    char *value;      /* trimmed; continuation lines joined with "\n" + their text */
    const char *raw;  /* first byte of the header's first line in the input */
    size_t raw_len;   /* bytes of all its lines, line ends excluded from the last */
};

struct http_request {
    char *method;
    char *target;   /* as on the request line */
    char *path;     /* target up to the first '?' */
    char *query;    /* after the first '?', or "" */
    char *version;
    struct raw_header headers[MAX_HEADERS];
    size_t n_headers;
    const char *body;
    size_t body_len;
};

static const char *g_prog = "sigv4-sign";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s --access-key AK --secret-key SK [--session-token T]\n"
            "       --region R --service S [--date YYYYMMDDTHHMMSSZ] [--s3]\n"
            "       [--unsigned-payload] [--presign SECONDS]\n"
            "       [--print canonical|string-to-sign|authorization|request] < request.txt\n"
            "\n"
            "Signs the raw HTTP/1.1 request on stdin with AWS Signature Version 4.\n"
            "  --s3               S3 rules: path encoded once, not normalised;\n"
            "                     x-amz-content-sha256 sent\n"
            "  --unsigned-payload sign UNSIGNED-PAYLOAD instead of the body's SHA-256\n"
            "  --presign SECONDS  query signing (presigned URL) valid SECONDS (1-604800)\n"
            "  --date             signing time; default: the request's X-Amz-Date, else now\n"
            "Without --access-key, --secret-key and --session-token, credentials come from\n"
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; without\n"
            "--region, from AWS_REGION (then REGION).\n"
            "Exit status: 0 signed, 1 bad usage, 2 malformed request.\n",
            g_prog);
}

/* Prints "malformed request: WHAT[: DETAIL]" and returns EXIT_MALFORMED. */
static int malformed(const char *what, const char *detail, size_t detail_len)
{
    fprintf(stderr, "%s: malformed request: %s", g_prog, what);
    if (detail)
        fprintf(stderr, ": %.*s", (int)(detail_len > 300 ? 300 : detail_len), detail);
    fputc('\n', stderr);
    return EXIT_MALFORMED;
}

static int malformed_s(const char *what, const char *detail)
{
    return malformed(what, detail, strlen(detail));
}

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char *dup_range(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", g_prog);
        exit(EXIT_USAGE);
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Next line of in[*pos..len): sets *line and *line_len (line end excluded) and
 * advances *pos past the LF. Returns 0 at end of input, -1 for a bare CR. */
static int next_line(const char *in, size_t len, size_t *pos, const char **line, size_t *line_len,
                     int *had_newline)
{
    if (*pos >= len)
        return 0;
    const char *start = in + *pos;
    const char *lf = memchr(start, '\n', len - *pos);
    size_t n = lf ? (size_t)(lf - start) : len - *pos;
    *had_newline = lf != NULL;
    *pos += n + (lf ? 1 : 0);
    if (n && start[n - 1] == '\r')
        n--;
    if (memchr(start, '\r', n))
        return -1;
    *line = start;
    *line_len = n;
    return 1;
}

static char *trim_ows(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return dup_range(s, n);
}

/* Returns 0 or EXIT_MALFORMED (message already printed). */
static int parse_request(const char *in, size_t len, struct http_request *req)
{
    size_t pos = 0;
    const char *line;
    size_t n;
    int nl;
    if (len == 0)
        return malformed("empty input", NULL, 0);
    int r = next_line(in, len, &pos, &line, &n, &nl);
    if (r < 0)
        return malformed("bare CR in the request line", NULL, 0);
    if (r == 0 || n == 0)
        return malformed("the first line must be the request line (METHOD TARGET HTTP/1.1)", NULL, 0);
    if (memchr(line, '\0', n))
        return malformed("NUL byte in the request line", NULL, 0);
    const char *sp1 = memchr(line, ' ', n);
    const char *sp2 = line + n;
    while (sp2 > line && sp2[-1] != ' ')
        sp2--;
    if (!sp1 || sp2 - 1 <= sp1)
        return malformed("request line needs METHOD, TARGET and VERSION", line, n);
    req->method = dup_range(line, (size_t)(sp1 - line));
    req->target = dup_range(sp1 + 1, (size_t)(sp2 - 1 - (sp1 + 1)));
    req->version = dup_range(sp2, (size_t)(line + n - sp2));
    for (const char *p = req->method; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return malformed_s("method is not a token", req->method);
    if (strncmp(req->version, "HTTP/1.", 7) != 0 || strlen(req->version) != 8 ||
        req->version[7] < '0' || req->version[7] > '9')
        return malformed_s("version must be HTTP/1.x, got", req->version);
    if (req->target[0] != '/')
        return malformed_s("request target must be a path starting with '/', got", req->target);
    if (strchr(req->target, '#'))
        return malformed_s("request target contains '#' (fragments are never sent)", req->target);
    char *q = strchr(req->target, '?');
    req->path = dup_range(req->target, q ? (size_t)(q - req->target) : strlen(req->target));
    req->query = q ? dup_range(q + 1, strlen(q + 1)) : dup_range("", 0);

    int ended = 0;
    while (!ended) {
        size_t line_start = pos;
        r = next_line(in, len, &pos, &line, &n, &nl);
        if (r == 0) {
            fprintf(stderr, "%s: note: no blank line after the headers; the body is empty\n",
                    g_prog);
            break;
        }
        if (r < 0)
            return malformed("bare CR in the header section", NULL, 0);
        if (memchr(line, '\0', n))
            return malformed("NUL byte in the header section", NULL, 0);
        if (n == 0) {
            ended = 1;
            break;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (req->n_headers == 0)
                return malformed("a continuation line comes before any header", line, n);
            struct raw_header *h = &req->headers[req->n_headers - 1];
            struct rec_buf v;
            rec_buf_init(&v, INPUT_LIMIT);
            if (rec_buf_append_str(&v, h->value) || rec_buf_append(&v, "\n", 1) ||
                rec_buf_append(&v, line, n))
                return malformed("header too long", NULL, 0);
            free(h->value);
            h->value = v.data;
            h->raw_len = (size_t)(line + n - h->raw);
            continue;
        }
        const char *colon = memchr(line, ':', n);
        if (!colon)
            return malformed("header line without ':'", line, n);
        if (colon == line)
            return malformed("header line with an empty name", line, n);
        for (const char *p = line; p < colon; p++)
            if (!is_tchar((unsigned char)*p))
                return malformed("header name is not a token (no spaces before ':')", line, (size_t)(colon - line));
        if (req->n_headers == MAX_HEADERS)
            return malformed("more than 1000 headers", NULL, 0);
        struct raw_header *h = &req->headers[req->n_headers++];
        h->name = dup_range(line, (size_t)(colon - line));
        h->value = trim_ows(colon + 1, (size_t)(line + n - colon - 1));
        h->raw = in + line_start;
        h->raw_len = (size_t)(line + n - h->raw);
    }
    req->body = in + pos;
    req->body_len = ended ? len - pos : 0;

    int hosts = 0;
    const char *content_length = NULL;
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct raw_header *h = &req->headers[i];
        if (strcasecmp(h->name, "host") == 0)
            hosts++;
        if (strcasecmp(h->name, "transfer-encoding") == 0)
            return malformed("Transfer-Encoding bodies are not supported; give the decoded "
                             "body with a Content-Length",
                             NULL, 0);
        if (strcasecmp(h->name, "content-length") == 0) {
            if (content_length && strcmp(content_length, h->value) != 0)
                return malformed("conflicting Content-Length headers", NULL, 0);
            content_length = h->value;
        }
    }
    if (hosts == 0)
        return malformed("no Host header (HTTP/1.1 requires one, and SigV4 signs it)", NULL, 0);
    if (hosts > 1)
        return malformed("more than one Host header", NULL, 0);
    if (content_length) {
        char *end = NULL;
        errno = 0;
        unsigned long long cl = strtoull(content_length, &end, 10);
        if (!*content_length || *end || errno || content_length[0] == '-' ||
            content_length[0] == '+')
            return malformed_s("Content-Length is not a number", content_length);
        if (cl != req->body_len) {
            char msg[128];
            snprintf(msg, sizeof(msg), "%llu, the body has %zu bytes (a trailing newline?)", cl,
                     req->body_len);
            return malformed_s("Content-Length does not match the body", msg);
        }
    }
    return 0;
}

static const char *find_value(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static int read_all(FILE *f, struct rec_buf *out)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        int rc = rec_buf_append(out, chunk, n);
        if (rc)
            return rc;
    }
    return ferror(f) ? REC_ERR_IO : 0;
}

/* Writes one header line, CRLF for every line end it holds. */
static void put_raw_header(const char *raw, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (raw[i] == '\r')
            continue;
        if (raw[i] == '\n')
            fputs("\r\n", stdout);
        else
            fputc(raw[i], stdout);
    }
    fputs("\r\n", stdout);
}

static void print_request(const struct http_request *req, const struct sigv4_result *r,
                          int presign)
{
    if (presign)
        printf("%s %s?%s %s\r\n", req->method, req->path, r->presigned_query.data, req->version);
    else
        printf("%s %s %s\r\n", req->method, req->target, req->version);
    int done[SIGV4_MAX_SET_HEADERS] = { 0 };
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct raw_header *h = &req->headers[i];
        int replaced = 0;
        for (size_t k = 0; k < r->n_set_headers; k++) {
            if (strcasecmp(h->name, r->set_headers[k].name) == 0) {
                /* first occurrence takes the new value in place; repeats go */
                if (!done[k])
                    printf("%s: %s\r\n", r->set_headers[k].name, r->set_headers[k].value);
                done[k] = 1;
                replaced = 1;
            }
        }
        if (!replaced && presign && strcasecmp(h->name, "authorization") == 0)
            continue; /* a presigned request carries its signature in the query */
        if (!replaced)
            put_raw_header(h->raw, h->raw_len);
    }
    for (size_t k = 0; k < r->n_set_headers; k++)
        if (!done[k])
            printf("%s: %s\r\n", r->set_headers[k].name, r->set_headers[k].value);
    fputs("\r\n", stdout);
    fwrite(req->body, 1, req->body_len, stdout);
}

static void free_request(struct http_request *req)
{
    free(req->method);
    free(req->target);
    free(req->path);
    free(req->query);
    free(req->version);
    for (size_t i = 0; i < req->n_headers; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
}

int main(int argc, char **argv)
{
    const char *ak = NULL, *sk = NULL, *token = NULL, *region = NULL, *service = NULL;
    const char *date = NULL, *print = "request";
    int s3 = 0, unsigned_payload = 0;
    long presign = 0;
    int status = EXIT_USAGE;
    char region_env[64];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--s3") == 0) {
            s3 = 1;
            continue;
        } else if (strcmp(a, "--unsigned-payload") == 0) {
            unsigned_payload = 1;
            continue;
        } else if (strcmp(a, "--access-key") == 0)
            slot = &ak;
        else if (strcmp(a, "--secret-key") == 0)
            slot = &sk;
        else if (strcmp(a, "--session-token") == 0)
            slot = &token;
        else if (strcmp(a, "--region") == 0)
            slot = &region;
        else if (strcmp(a, "--service") == 0)
            slot = &service;
        else if (strcmp(a, "--date") == 0)
            slot = &date;
        else if (strcmp(a, "--print") == 0)
            slot = &print;
        else if (strcmp(a, "--presign") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: --presign needs a value\n", g_prog);
                return EXIT_USAGE;
            }
            char *end = NULL;
            presign = strtol(argv[++i], &end, 10);
            if (*end || presign < 1 || presign > SIGV4_MAX_EXPIRES) {
                fprintf(stderr, "%s: --presign takes 1..%d seconds\n", g_prog, SIGV4_MAX_EXPIRES);
                return EXIT_USAGE;
            }
            continue;
        } else {
            fprintf(stderr, "%s: unknown argument: %s\n", g_prog, a);
            usage(stderr);
            return EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", g_prog, a);
            return EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    /* A session token belongs to its key pair: take it from the environment
     * only together with keys from the environment. */
    if (!ak && !sk && !token) {
        ak = getenv("AWS_ACCESS_KEY_ID");
        sk = getenv("AWS_SECRET_ACCESS_KEY");
        token = getenv("AWS_SESSION_TOKEN");
    }
    if (!region && sigv4_region_from_env(region_env, sizeof(region_env)) == 0)
        region = region_env;
    if (!ak || !*ak || !sk || !*sk || !region || !*region || !service || !*service) {
        fprintf(stderr, "%s: --access-key, --secret-key, --region and --service are required\n",
                g_prog);
        usage(stderr);
        return EXIT_USAGE;
    }
    int what;
    if (strcmp(print, "request") == 0)
        what = 0;
    else if (strcmp(print, "canonical") == 0)
        what = 1;
    else if (strcmp(print, "string-to-sign") == 0)
        what = 2;
    else if (strcmp(print, "authorization") == 0)
        what = 3;
    else {
        fprintf(stderr, "%s: --print takes canonical, string-to-sign, authorization or request\n",
                g_prog);
        return EXIT_USAGE;
    }
    if (what == 3 && presign) {
        fprintf(stderr, "%s: a presigned request has no Authorization header\n", g_prog);
        return EXIT_USAGE;
    }
    struct sigv4_params params = {
        .region = region, .service = service, .s3 = s3, .expires_s = (uint32_t)presign,
    };
    if (date && sigv4_parse_amz_date(date, &params.time) != 0) {
        fprintf(stderr, "%s: --date must look like 20150830T123600Z\n", g_prog);
        return EXIT_USAGE;
    }
    struct sigv4_credentials creds;
    if (sigv4_credentials_init(&creds, ak, sk, token) != 0) {
        fprintf(stderr, "%s: invalid credentials (empty, control characters, or '/' in the "
                        "access key)\n", g_prog);
        return EXIT_USAGE;
    }

    struct rec_buf input;
    rec_buf_init(&input, INPUT_LIMIT);
    struct http_request *req = calloc(1, sizeof(*req));
    struct sigv4_header *hs = NULL;
    struct sigv4_signer *signer = NULL;
    struct sigv4_result r;
    sigv4_result_init(&r);
    if (!req)
        goto cleanup;
    int rc = read_all(stdin, &input);
    if (rc == REC_ERR_LIMIT) {
        status = malformed("request larger than 64 MiB", NULL, 0);
        goto cleanup;
    } else if (rc) {
        fprintf(stderr, "%s: reading stdin: %s\n", g_prog, rec_strerror(rc));
        goto cleanup;
    }
    status = parse_request(input.data ? input.data : "", input.len, req);
    if (status)
        goto cleanup;
    status = EXIT_USAGE;

    const char *xdate = find_value(req, "x-amz-date");
    if (!date) {
        if (xdate && sigv4_parse_amz_date(xdate, &params.time) == 0) {
            fprintf(stderr, "%s: note: signing at the request's X-Amz-Date %s\n", g_prog, xdate);
        } else {
            params.time = time(NULL);
        }
    } else if (xdate && strcmp(xdate, date) != 0 && !presign) {
        fprintf(stderr, "%s: note: X-Amz-Date %s replaced by %s\n", g_prog, xdate, date);
    }
    const char *given_hash = find_value(req, "x-amz-content-sha256");
    if (given_hash && !unsigned_payload && strlen(given_hash) == SIGV4_SHA256_HEX_LEN) {
        char actual[SIGV4_SHA256_HEX_LEN + 1];
        if (sigv4_sha256_hex(req->body, req->body_len, actual) == 0 &&
            strcasecmp(actual, given_hash) != 0)
            fprintf(stderr, "%s: warning: x-amz-content-sha256 does not match the body "
                            "(SHA-256 %s); the service will reject it\n", g_prog, actual);
    }
    hs = calloc(req->n_headers + 1, sizeof(*hs));
    if (!hs)
        goto cleanup;
    for (size_t i = 0; i < req->n_headers; i++)
        hs[i] = (struct sigv4_header){ req->headers[i].name, req->headers[i].value };
    struct sigv4_request sreq = {
        .method = req->method,
        .path = req->path,
        .query = req->query,
        .headers = hs,
        .n_headers = req->n_headers,
        .body = req->body,
        .body_len = req->body_len,
        .payload_hash = unsigned_payload ? SIGV4_UNSIGNED_PAYLOAD : NULL,
    };
    if (sigv4_signer_new(&signer, &creds) != 0)
        goto cleanup;
    if (s3) {
        for (const unsigned char *p = (const unsigned char *)req->path; *p; p++) {
            if (*p == ' ' || *p >= 0x80) {
                fprintf(stderr, "%s: note: the path holds raw bytes S3 will see "
                                "percent-encoded; signed as encoded\n", g_prog);
                break;
            }
        }
    }
    rc = presign ? sigv4_presign(signer, &sreq, &params, &r) : sigv4_sign(signer, &sreq, &params, &r);
    if (rc) {
        fprintf(stderr, "%s: cannot sign: %s\n", g_prog, rec_strerror(rc));
        status = rc == REC_ERR_INVALID || rc == REC_ERR_LIMIT ? EXIT_MALFORMED : EXIT_USAGE;
        goto cleanup;
    }
    switch (what) {
    case 0: print_request(req, &r, presign != 0); break;
    case 1: printf("%s\n", r.canonical_request.data); break;
    case 2: printf("%s\n", r.string_to_sign.data); break;
    default: printf("%s\n", r.authorization.data); break;
    }
    status = fflush(stdout) == 0 ? 0 : EXIT_USAGE;
cleanup:
    sigv4_result_clean_up(&r);
    sigv4_signer_destroy(signer);
    sigv4_credentials_clean_up(&creds);
    free(hs);
    if (req) {
        free_request(req);
        free(req);
    }
    rec_buf_clean_up(&input, 0);
    return status;
}
