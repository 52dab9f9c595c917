// libpng's simplified API behind plain C functions. libpng reports errors with
// setjmp/longjmp; the simplified API catches them internally (png_safe_execute),
// so no longjmp ever crosses a Swift frame. Only these wrappers are used from Swift.
#ifndef PERSONAWORLDS_CPNG_SHIM_H
#define PERSONAWORLDS_CPNG_SHIM_H
#include <png.h>
#include <stdint.h>
#include <string.h>

/// Copies libpng's error message (if any) into `msg` (size `msg_len`).
static inline void pw_png_copy_message(const png_image *image, char *msg, size_t msg_len) {
    if (msg == NULL || msg_len == 0) return;
    size_t n = strlen(image->message);
    if (n >= msg_len) n = msg_len - 1;
    memcpy(msg, image->message, n);
    msg[n] = 0;
}

/// Upper bound of the encoded size of a `width`×`height` 8-bit image with
/// `channels` (3 = RGB, 4 = RGBA) components.
static inline size_t pw_png_max_size(uint32_t width, uint32_t height, int channels) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    return (size_t)PNG_IMAGE_PNG_SIZE_MAX(image);
}

/// Encodes tightly packed 8-bit RGB (channels 3) or RGBA (channels 4) pixels.
/// On entry *out_size is the capacity of `out`; on success it is the PNG size.
/// `fast` sets PNG_IMAGE_FLAG_FAST (no filters, zlib level 3: several times faster,
/// and smaller for flat-colour images like the card). Returns 1 on success, 0 on
/// failure (message in `msg`). No tIME/text chunks are written and all settings
/// are fixed, so output is deterministic.
static inline int pw_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int fast,
                                void *out, size_t *out_size, char *msg, size_t msg_len) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (fast) image.flags = PNG_IMAGE_FLAG_FAST;
    image.width = width;
    image.height = height;
    image.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    png_alloc_size_t size = (png_alloc_size_t)*out_size;
    int ok = png_image_write_to_memory(&image, out, &size, 0, pixels,
                                       (png_int_32)(width * (uint32_t)channels), NULL);
    if (!ok) { pw_png_copy_message(&image, msg, msg_len); png_image_free(&image); return 0; }
    *out_size = (size_t)size;
    return 1;
}

/// Reads the header of a PNG in memory. On success fills width/height and
/// returns 1; the image must then be finished with pw_png_decode_finish.
static inline int pw_png_decode_begin(png_image *image, const void *data, size_t size, char *msg, size_t msg_len) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) {
        pw_png_copy_message(image, msg, msg_len);
        png_image_free(image);
        return 0;
    }
    return 1;
}

/// Decodes the image started by pw_png_decode_begin into 8-bit RGBA
/// (`out` must hold width*height*4 bytes). Returns 1 on success.
static inline int pw_png_decode_finish_rgba(png_image *image, void *out, char *msg, size_t msg_len) {
    image->format = PNG_FORMAT_RGBA;
    if (!png_image_finish_read(image, NULL, out, (png_int_32)(image->width * 4), NULL)) {
        pw_png_copy_message(image, msg, msg_len);
        png_image_free(image);
        return 0;
    }
    return 1;
}

#endif
