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

/// The EXIF orientation tag (0x0112) from an APP1 "Exif" marker, or 1.
static uint32_t cz_exif_orientation(struct jpeg_decompress_struct *info) {
    for (jpeg_saved_marker_ptr marker = info->marker_list; marker; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 14) continue;
        const uint8_t *d = marker->data;
        if (memcmp(d, "Exif\0\0", 6) != 0) continue;
        const uint8_t *tiff = d + 6;
        size_t length = marker->data_length - 6;
        int little = tiff[0] == 'I' && tiff[1] == 'I';
        if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) continue;
#define CZ_U16(p) (little ? (uint32_t)((p)[0] | ((p)[1] << 8)) : (uint32_t)(((p)[0] << 8) | (p)[1]))
#define CZ_U32(p) (little ? ((uint32_t)(p)[0] | ((uint32_t)(p)[1] << 8) | ((uint32_t)(p)[2] << 16) | ((uint32_t)(p)[3] << 24)) \
                          : (((uint32_t)(p)[0] << 24) | ((uint32_t)(p)[1] << 16) | ((uint32_t)(p)[2] << 8) | (uint32_t)(p)[3]))
        uint32_t ifd = CZ_U32(tiff + 4);
        if (ifd + 2 > length) continue;
        uint32_t entries = CZ_U16(tiff + ifd);
        for (uint32_t i = 0; i < entries; i++) {
            size_t entry = ifd + 2 + (size_t)i * 12;
            if (entry + 12 > length) break;
            if (CZ_U16(tiff + entry) == 0x0112) {
                uint32_t value = CZ_U16(tiff + entry + 8);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
#undef CZ_U16
#undef CZ_U32
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
