#ifndef COLORIZE_IMAGE_CODECS_H
#define COLORIZE_IMAGE_CODECS_H
// PNG and JPEG through libpng and libjpeg-turbo, wrapped so that their error paths
// (longjmp out of the library) stay inside C: every function returns a status and a message,
// never aborts the process and never unwinds through Swift frames.
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CZ_OK = 0,
    CZ_CORRUPT = 1,      // truncated or invalid data
    CZ_TOO_LARGE = 2,    // width × height above the caller's pixel limit
    CZ_EMPTY = 3,        // a 0 × 0 image
    CZ_UNSUPPORTED = 4,  // a valid file in a variant we do not handle (e.g. CMYK JPEG)
    CZ_NO_MEMORY = 5
} cz_status;

typedef struct {
    uint32_t width, height;
    uint32_t channels;     // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
    uint32_t bit_depth;    // 8 or 16 (16-bit samples are native-endian uint16)
    uint32_t orientation;  // EXIF orientation 1–8 (1 when absent)
    uint8_t *pixels;       // interleaved rows, free with cz_free
} cz_image;

cz_status cz_png_decode(const uint8_t *data, size_t size, uint64_t pixel_limit, cz_image *out, char *message, size_t message_size);
cz_status cz_jpeg_decode(const uint8_t *data, size_t size, uint64_t pixel_limit, cz_image *out, char *message, size_t message_size);

// Encoders take 8-bit interleaved pixels; the result is a malloc'd buffer freed with cz_free.
// `compression` is zlib's level 0–9.
cz_status cz_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels, int compression,
                        uint8_t **out, size_t *out_size, char *message, size_t message_size);
cz_status cz_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels, int quality,
                         uint8_t **out, size_t *out_size, char *message, size_t message_size);

// EXIF orientation 1–8 from an APP1 payload ("Exif\0\0" then the TIFF data, as the marker
// holds it after its length field); 1 when absent or invalid. Pure byte parsing of untrusted data,
// never reads outside `data[0..<length]`; public so tests can fuzz it directly.
uint32_t cz_exif_orientation_from_payload(const uint8_t *data, size_t length);

void cz_free(void *pointer);

// rename(from, to) that fails with EEXIST instead of replacing an existing `to` (renameat2's
// RENAME_NOREPLACE, or link + unlink where the file system lacks it). 0 or -1 with errno.
int cz_rename_noreplace(const char *from, const char *to);

#endif
