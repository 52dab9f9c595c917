// zlib's deflate behind one plain C function: deflateInit2 is a macro Swift cannot call, and keeping the
// z_stream on the C side means Swift never handles its internal pointers.
#ifndef PERSONAWORLDS_CZLIB_SHIM_H
#define PERSONAWORLDS_CZLIB_SHIM_H
#include <zlib.h>
#include <stdint.h>
#include <string.h>

/// The most bytes `pw_gzip` can produce for `length` input bytes (gzip header and trailer included).
static inline size_t pw_gzip_bound(size_t length) {
    return (size_t)compressBound((uLong)length) + 18;
}

/// Compresses `in` into the gzip format (RFC 1952) at `level` (1..9) in one call. On entry *out_len is
/// the capacity of `out` (at least pw_gzip_bound(in_len)); on success it is the compressed size and the
/// result is 1. Returns 0 on any zlib failure.
static inline int pw_gzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len, int level) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    // windowBits 15 + 16: a gzip wrapper rather than zlib's; memLevel 8 is zlib's default.
    if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    stream.next_in = (Bytef *)in;
    stream.avail_in = (uInt)in_len;
    stream.next_out = out;
    stream.avail_out = (uInt)*out_len;
    int status = deflate(&stream, Z_FINISH);
    size_t produced = (size_t)stream.total_out;
    deflateEnd(&stream);
    if (status != Z_STREAM_END) return 0;
    *out_len = produced;
    return 1;
}

#endif
