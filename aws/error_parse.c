#include "aws/error_parse.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Copies n bytes of s into out (cap bytes), truncating, controls as spaces. */
static void copy_clean(char *out, size_t cap, const char *s, size_t n)
{
    if (cap == 0)
        return;
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    out[n] = '\0';
}

/* "prefix#Code:suffix" -> "Code": the forms __type and x-amzn-ErrorType take. */
static void set_code(char *code, size_t cap, const char *v)
{
    size_t n = strcspn(v, ":");
    const char *hash = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '#')
            hash = v + i;
    if (hash) {
        n -= (size_t)(hash + 1 - v);
        v = hash + 1;
    }
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    copy_clean(code, cap, v, n);
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int parse_json(const char *body, size_t len, char *code, size_t code_cap, char *message,
                      size_t msg_cap)
{
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!j)
        return 0;
    if (cJSON_IsObject(j)) {
        const char *c = json_str(j, "code");
        if (!c)
            c = json_str(j, "Code");
        if (!c)
            c = json_str(j, "__type");
        if (c && !*code)
            set_code(code, code_cap, c);
        const char *m = json_str(j, "message");
        if (!m)
            m = json_str(j, "Message");
        if (m)
            copy_clean(message, msg_cap, m, strlen(m));
    }
    cJSON_Delete(j);
    return 1;
}

static const char *find_bytes(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* Text of the first <tag>...</tag>, entities decoded. */
static int xml_element(const char *body, size_t len, const char *tag, char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *s = find_bytes(body, len, open);
    if (!s)
        return 0;
    s += strlen(open);
    const char *e = find_bytes(s, len - (size_t)(s - body), close);
    if (!e)
        return 0;
    static const struct { const char *ent; char ch; } ents[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
    };
    size_t o = 0;
    for (const char *p = s; p < e && o + 1 < cap;) {
        char ch = *p;
        size_t adv = 1;
        if (ch == '&') {
            for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
                size_t el = strlen(ents[k].ent);
                if ((size_t)(e - p) >= el && memcmp(p, ents[k].ent, el) == 0) {
                    ch = ents[k].ch;
                    adv = el;
                    break;
                }
            }
        }
        out[o++] = ((unsigned char)ch < 0x20 || ch == 0x7f) ? ' ' : ch;
        p += adv;
    }
    if (cap)
        out[o] = '\0';
    return 1;
}

void rec_aws_parse_error(const char *error_type_header, const char *body, size_t len, char *code,
                         size_t code_cap, char *message, size_t msg_cap)
{
    if (code_cap)
        code[0] = '\0';
    if (msg_cap)
        message[0] = '\0';
    if (error_type_header && *error_type_header)
        set_code(code, code_cap, error_type_header);
    if (!body || len == 0)
        return;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i < len && body[i] == '{') {
        parse_json(body + i, len - i, code, code_cap, message, msg_cap);
        return;
    }
    if (i < len && body[i] == '<') {
        if (!*code)
            xml_element(body + i, len - i, "Code", code, code_cap);
        xml_element(body + i, len - i, "Message", message, msg_cap);
    }
}
