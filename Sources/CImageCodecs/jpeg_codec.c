// JPEG decode/encode with libjpeg-turbo. libjpeg's default error handler calls exit(); ours
// records the message and longjmps back into the C function that called the library.
#include "image_codecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
    size_t message_size;
} cz_jpeg_errors;

/// The most scans a JPEG may have. Encoders write about 10 (a valid file can have a few hundred:
/// one per coefficient and component), but every scan of a progressive file costs a pass over the
/// whole image, so a small file of thousands of empty scans decodes for minutes: libjpeg-turbo's
/// documented defence is this limit (djpeg -maxscans, TurboJPEG's scan limit).
enum { CZ_JPEG_MAX_SCANS = 500 };

/// A progress monitor that stops a decode past `CZ_JPEG_MAX_SCANS` scans.
static void cz_jpeg_scan_limit(j_common_ptr common) {
    if (!common->is_decompressor) return;
    j_decompress_ptr info = (j_decompress_ptr)common;
    if (info->input_scan_number <= CZ_JPEG_MAX_SCANS) return;
    cz_jpeg_errors *errors = (cz_jpeg_errors *)common->err;
    if (errors->message) {
        snprintf(errors->message, errors->message_size, "JPEG has more than %d scans (a decompression bomb?)",
                 CZ_JPEG_MAX_SCANS);
    }
    longjmp(errors->jump, 1);
}

static void cz_jpeg_error_exit(j_common_ptr info) {
    cz_jpeg_errors *errors = (cz_jpeg_errors *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    if (errors->message) snprintf(errors->message, errors->message_size, "%s", text);
    longjmp(errors->jump, 1);
}

/// Prints nothing, but counts warnings (level −1) as libjpeg's own emit_message does: a truncated
/// stream only shows up as such a warning.
static void cz_jpeg_silence(j_common_ptr info, int level) {
    if (level < 0) info->err->num_warnings++;
}

/// Our error manager: messages go to `message`, fatal errors longjmp to `errors->jump`.
static struct jpeg_error_mgr *cz_jpeg_errors_init(cz_jpeg_errors *errors, char *message, size_t message_size) {
    memset(errors, 0, sizeof *errors);
    struct jpeg_error_mgr *manager = jpeg_std_error(&errors->manager);
    manager->error_exit = cz_jpeg_error_exit;
    manager->emit_message = cz_jpeg_silence;
    errors->message = message;
    errors->message_size = message_size;
    return manager;
}

/// Reads a little- or big-endian 16/32-bit TIFF integer; callers have bounds-checked `p`.
static uint32_t cz_tiff_u16(const uint8_t *p, int little) {
    return little ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) : ((uint32_t)p[0] << 8) | (uint32_t)p[1];
}

static uint32_t cz_tiff_u32(const uint8_t *p, int little) {
    return little ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24)
                  : ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

// APP1 EXIF payload layout (all TIFF offsets count from the TIFF header, not from "Exif"):
//   0  "Exif\0\0"                               6 bytes
//   6  TIFF header: byte order "II" (little) or "MM" (big), 2 bytes; magic 42, 2 bytes;
//                   IFD0 offset, 4 bytes
//      IFD0 at that offset: entry count, 2 bytes; then count × 12-byte entries of
//                   tag (2), type (2), value count (4), value or value offset (4)
// Orientation is tag 0x0112, a SHORT held in the first 2 bytes of the value field.
// Every offset read from the file is untrusted, so each check is `offset > length ||
// length - offset < need` in size_t: the subtraction cannot wrap and nothing is ever added
// to an untrusted offset before it has been bounded.
uint32_t cz_exif_orientation_from_payload(const uint8_t *data, size_t length) {
    enum { EXIF_HEADER = 6, TIFF_HEADER = 8, IFD_COUNT = 2, IFD_ENTRY = 12, ORIENTATION_TAG = 0x0112 };
    if (data == NULL || length < EXIF_HEADER + TIFF_HEADER) return 1;
    if (memcmp(data, "Exif\0\0", EXIF_HEADER) != 0) return 1;
    const uint8_t *tiff = data + EXIF_HEADER;
    size_t tiff_length = length - EXIF_HEADER;
    int little = tiff[0] == 'I' && tiff[1] == 'I';
    if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 1;

    size_t ifd = cz_tiff_u32(tiff + 4, little);
    if (ifd > tiff_length || tiff_length - ifd < IFD_COUNT) return 1;
    size_t entries = cz_tiff_u16(tiff + ifd, little);
    // A count running past the payload means a corrupt IFD: ignore it rather than guess.
    if (entries > (tiff_length - ifd - IFD_COUNT) / IFD_ENTRY) return 1;
    const uint8_t *entry = tiff + ifd + IFD_COUNT;
    for (size_t i = 0; i < entries; i++, entry += IFD_ENTRY) {
        if (cz_tiff_u16(entry, little) != ORIENTATION_TAG) continue;
        uint32_t value = cz_tiff_u16(entry + 8, little);
        return value >= 1 && value <= 8 ? value : 1;
    }
    return 1;
}

/// The EXIF orientation of the first APP1 "Exif" marker that has one, or 1.
static uint32_t cz_exif_orientation(struct jpeg_decompress_struct *info) {
    for (jpeg_saved_marker_ptr marker = info->marker_list; marker; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1) continue;
        uint32_t orientation = cz_exif_orientation_from_payload(marker->data, marker->data_length);
        if (orientation != 1) return orientation;
    }
    return 1;
}

cz_status cz_jpeg_decode(const uint8_t *data, size_t size, uint64_t pixel_limit, cz_image *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    struct jpeg_decompress_struct info;
    cz_jpeg_errors errors;
    info.err = cz_jpeg_errors_init(&errors, message, message_size);
    uint8_t *volatile pixels = NULL;
    volatile cz_status status = CZ_CORRUPT;
    if (setjmp(errors.jump)) {
        free(pixels);
        jpeg_destroy_decompress(&info);
        return status;
    }
    jpeg_create_decompress(&info);
    struct jpeg_progress_mgr progress = {.progress_monitor = cz_jpeg_scan_limit};
    info.progress = &progress;
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xffff);
    jpeg_read_header(&info, TRUE);
    out->width = info.image_width;
    out->height = info.image_height;
    if (info.image_width == 0 || info.image_height == 0) {
        snprintf(message, message_size, "image is %ux%u", info.image_width, info.image_height);
        status = CZ_EMPTY;
        longjmp(errors.jump, 1);
    }
    if ((uint64_t)info.image_width * info.image_height > pixel_limit) {
        snprintf(message, message_size, "%ux%u pixels exceeds the limit of %llu", info.image_width, info.image_height,
                 (unsigned long long)pixel_limit);
        status = CZ_TOO_LARGE;
        longjmp(errors.jump, 1);
    }
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        snprintf(message, message_size, "CMYK JPEG is not supported (convert it to RGB first)");
        status = CZ_UNSUPPORTED;
        longjmp(errors.jump, 1);
    }
    info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    uint32_t orientation = cz_exif_orientation(&info);
    jpeg_start_decompress(&info);
    size_t row_bytes = (size_t)info.output_width * info.output_components;
    status = CZ_NO_MEMORY;
    pixels = malloc(row_bytes * info.output_height);
    if (!pixels) longjmp(errors.jump, 1);
    status = CZ_CORRUPT;
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + row_bytes * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    // A truncated file makes libjpeg-turbo warn and pad with grey; treat that as corrupt.
    if (errors.manager.num_warnings > 0) {
        snprintf(message, message_size, "corrupt or truncated JPEG data");
        longjmp(errors.jump, 1);
    }
    jpeg_finish_decompress(&info);
    out->width = info.output_width;
    out->height = info.output_height;
    out->channels = (uint32_t)info.output_components;
    out->bit_depth = 8;
    out->orientation = orientation;
    out->pixels = pixels;
    jpeg_destroy_decompress(&info);
    return CZ_OK;
}

cz_status cz_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels, int quality,
                         uint8_t **out, size_t *out_size, char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    if ((channels != 1 && channels != 3) || width == 0 || height == 0) {
        snprintf(message, message_size, "JPEG needs grey or RGB pixels, got %ux%u with %u channels", width, height, channels);
        return CZ_UNSUPPORTED;
    }
    struct jpeg_compress_struct info;
    cz_jpeg_errors errors;
    info.err = cz_jpeg_errors_init(&errors, message, message_size);
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        return CZ_CORRUPT;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&buffer, &buffer_size);
    info.image_width = width;
    info.image_height = height;
    info.input_components = (int)channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * width * channels);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = buffer;
    *out_size = buffer_size;
    return CZ_OK;
}
