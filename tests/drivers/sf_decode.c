/*
 * Test driver: decodes any file libsndfile reads (WAV, FLAC, MP3 through
 * mpg123, Opus in Ogg) to raw interleaved signed 16-bit little-endian
 * samples, the way a user's player would, so the Python tests can compare
 * an encoded recording with its WAV.
 *
 *   sf_decode INPUT OUTPUT.raw
 *
 * Prints one JSON line: {"rate": Hz, "channels": N, "frames": N,
 * "major": "flac"|"mpeg"|"ogg"|"wav"|"other"}. Exit status 0, 1 when
 * libsndfile cannot read INPUT (its message on stderr), 2 for bad usage.
 */
#include <stdint.h>
#include <stdio.h>

#include <sndfile.h>

static const char *major_name(int format)
{
    switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_FLAC: return "flac";
    case SF_FORMAT_MPEG: return "mpeg";
    case SF_FORMAT_OGG: return "ogg";
    case SF_FORMAT_WAV: return "wav";
    default: return "other";
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: sf_decode INPUT OUTPUT.raw\n", stderr);
        return 2;
    }
    SF_INFO info = { 0 };
    SNDFILE *sf = sf_open(argv[1], SFM_READ, &info);
    if (!sf) {
        fprintf(stderr, "sf_decode: %s: %s\n", argv[1], sf_strerror(NULL));
        return 1;
    }
    FILE *out = fopen(argv[2], "wb");
    if (!out) {
        perror(argv[2]);
        sf_close(sf);
        return 1;
    }
    static short pcm[8192];
    static uint8_t bytes[sizeof(pcm)];
    long long frames = 0;
    sf_count_t per = (sf_count_t)(sizeof(pcm) / sizeof(pcm[0]) / (size_t)info.channels);
    for (sf_count_t n; (n = sf_readf_short(sf, pcm, per)) > 0; frames += n) {
        size_t samples = (size_t)n * (size_t)info.channels;
        for (size_t i = 0; i < samples; i++) {
            bytes[2 * i] = (uint8_t)((uint16_t)pcm[i] & 0xFF);
            bytes[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
        }
        fwrite(bytes, 2, samples, out);
    }
    int bad = sf_error(sf) != SF_ERR_NO_ERROR;
    if (bad)
        fprintf(stderr, "sf_decode: %s: %s\n", argv[1], sf_strerror(sf));
    printf("{\"rate\": %d, \"channels\": %d, \"frames\": %lld, \"major\": \"%s\"}\n", info.samplerate,
           info.channels, frames, major_name(info.format));
    sf_close(sf);
    return fclose(out) != 0 || bad;
}
