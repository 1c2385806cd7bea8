#include "cpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where libpng's error callback leaves its message before the longjmp. */
typedef struct {
    char message[256];
} cpng_error_text;

static void cpng_on_error(png_structp png, png_const_charp message) {
    cpng_error_text *text = (cpng_error_text *)png_get_error_ptr(png);
    if (text) snprintf(text->message, sizeof text->message, "%s", message);
    png_longjmp(png, 1);
}

static void cpng_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message; /* benign (an unknown chunk, a bad CRC in an ancillary chunk): ignored */
}

static void cpng_copy_error(char *error, size_t error_size, const char *message) {
    if (error && error_size) snprintf(error, error_size, "%s", message[0] ? message : "libpng error");
}

/* ---------- decoding ---------- */

struct cpng_decoder {
    png_structp png;
    png_infop info;
    png_infop end_info;
    const unsigned char *data;
    size_t count;
    size_t offset;
    cpng_info header;
    cpng_error_text error;
};

static void cpng_read_memory(png_structp png, png_bytep out, png_size_t length) {
    cpng_decoder *decoder = (cpng_decoder *)png_get_io_ptr(png);
    if (length > decoder->count - decoder->offset) png_error(png, "truncated PNG: the data ends inside a chunk");
    memcpy(out, decoder->data + decoder->offset, length);
    decoder->offset += length;
}

/* Walks the chunks: every declared length must fit in the bytes that follow. libpng 1.6.39 allocates
 * (and fills) a text chunk's declared length before reading it: a 172-byte file asked for 2 GiB. */
static int cpng_chunks_fit(const unsigned char *data, size_t count, char *error, size_t error_size) {
    size_t at = 8;
    while (count - at >= 12) {
        const size_t length = (size_t)data[at] << 24 | (size_t)data[at + 1] << 16 | (size_t)data[at + 2] << 8 | data[at + 3];
        if (length > count - at - 12) {
            char message[160];
            snprintf(message, sizeof message, "truncated PNG: chunk '%.4s' at byte %zu declares %zu bytes, %zu remain",
                     (const char *)data + at + 4, at, length, count - at - 12);
            cpng_copy_error(error, error_size, message);
            return 0;
        }
        if (memcmp(data + at + 4, "IEND", 4) == 0) break;
        at += 12 + length;
    }
    return 1;
}

cpng_decoder *cpng_decoder_open(const void *data, size_t count, cpng_info *info, char *error, size_t error_size) {
    if (count < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        cpng_copy_error(error, error_size, "not a PNG file (bad signature)");
        return NULL;
    }
    if (!cpng_chunks_fit(data, count, error, error_size)) return NULL;
    cpng_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) { cpng_copy_error(error, error_size, "out of memory"); return NULL; }
    decoder->data = data;
    decoder->count = count;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoder->error, cpng_on_error, cpng_on_warning);
    if (decoder->png) decoder->info = png_create_info_struct(decoder->png);
    if (decoder->png) decoder->end_info = png_create_info_struct(decoder->png);
    if (!decoder->png || !decoder->info || !decoder->end_info) {
        cpng_copy_error(error, error_size, "out of memory");
        cpng_decoder_close(decoder);
        return NULL;
    }
    if (setjmp(png_jmpbuf(decoder->png))) {
        cpng_copy_error(error, error_size, decoder->error.message);
        cpng_decoder_close(decoder);
        return NULL;
    }
    png_set_read_fn(decoder->png, decoder, cpng_read_memory);
    png_read_info(decoder->png, decoder->info);

    png_uint_32 width = 0, height = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(decoder->png, decoder->info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    decoder->header.color_type = color;
    decoder->header.stored_bit_depth = depth;
    decoder->header.interlaced = interlace != PNG_INTERLACE_NONE;

    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(decoder->png);
        if (png_get_valid(decoder->png, decoder->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(decoder->png);
    }
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(decoder->png);
    if (depth == 16) png_set_swap(decoder->png); /* PNG stores big-endian; tensors are little-endian */
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(decoder->png);
    png_read_update_info(decoder->png, decoder->info);

    decoder->header.width = width;
    decoder->header.height = height;
    decoder->header.channels = png_get_channels(decoder->png, decoder->info);
    decoder->header.bit_depth = png_get_bit_depth(decoder->png, decoder->info);
    *info = decoder->header;
    return decoder;
}

int cpng_decoder_read(cpng_decoder *decoder, void *pixels, size_t capacity, char *error, size_t error_size) {
    const size_t row_bytes = (size_t)decoder->header.width * decoder->header.channels * (decoder->header.bit_depth / 8);
    const size_t height = decoder->header.height;
    if (row_bytes != png_get_rowbytes(decoder->png, decoder->info) || capacity < row_bytes * height) {
        cpng_copy_error(error, error_size, "pixel buffer does not match the image size");
        return -1;
    }
    png_bytep *rows = malloc((height ? height : 1) * sizeof *rows);
    if (!rows) { cpng_copy_error(error, error_size, "out of memory"); return -1; }
    for (size_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + y * row_bytes;
    volatile int pixels_done = 0;
    if (setjmp(png_jmpbuf(decoder->png))) {
        free(rows);
        cpng_copy_error(error, error_size, decoder->error.message);
        return pixels_done ? 1 : -1;
    }
    png_read_image(decoder->png, rows);
    pixels_done = 1;
    png_read_end(decoder->png, decoder->end_info);
    free(rows);
    return 0;
}

/* Text chunks before the image are in `info`, those after it in `end_info`. */
static png_textp cpng_text_at(const cpng_decoder *decoder, size_t index) {
    png_textp before = NULL, after = NULL;
    int count_before = png_get_text(decoder->png, decoder->info, &before, NULL);
    if (index < (size_t)count_before) return &before[index];
    int count_after = png_get_text(decoder->png, decoder->end_info, &after, NULL);
    index -= (size_t)count_before;
    return index < (size_t)count_after ? &after[index] : NULL;
}

size_t cpng_decoder_text_count(const cpng_decoder *decoder) {
    png_textp texts = NULL;
    return (size_t)png_get_text(decoder->png, decoder->info, &texts, NULL) +
           (size_t)png_get_text(decoder->png, decoder->end_info, &texts, NULL);
}

const char *cpng_decoder_text_key(const cpng_decoder *decoder, size_t index) {
    png_textp text = cpng_text_at(decoder, index);
    return text ? text->key : NULL;
}

const char *cpng_decoder_text_value(const cpng_decoder *decoder, size_t index, size_t *length, int *utf8) {
    png_textp text = cpng_text_at(decoder, index);
    *utf8 = text && text->compression >= PNG_ITXT_COMPRESSION_NONE;
    if (!text) { *length = 0; return NULL; }
    *length = text->compression >= PNG_ITXT_COMPRESSION_NONE ? text->itxt_length : text->text_length;
    return text->text;
}

void cpng_decoder_close(cpng_decoder *decoder) {
    if (!decoder) return;
    if (decoder->png) png_destroy_read_struct(&decoder->png, decoder->info ? &decoder->info : NULL,
                                              decoder->end_info ? &decoder->end_info : NULL);
    free(decoder);
}

/* ---------- encoding ---------- */

typedef struct {
    unsigned char *data;
    size_t count;
    size_t capacity;
} cpng_growing_buffer;

static void cpng_write_memory(png_structp png, png_bytep data, png_size_t length) {
    cpng_growing_buffer *buffer = (cpng_growing_buffer *)png_get_io_ptr(png);
    if (buffer->count + length > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 4096;
        while (capacity < buffer->count + length) capacity *= 2;
        unsigned char *grown = realloc(buffer->data, capacity);
        if (!grown) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->count, data, length);
    buffer->count += length;
}

static void cpng_flush_memory(png_structp png) { (void)png; }

int cpng_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                const char *const *keys, const char *const *values, const int *utf8, size_t text_count,
                int compression_level, int adaptive_filtering, void **output, size_t *output_count, char *error, size_t error_size) {
    static const int color_types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    *output = NULL;
    *output_count = 0;
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        cpng_copy_error(error, error_size, "PNG images have 1 to 4 channels of 8 or 16 bits");
        return -1;
    }
    cpng_error_text message = {{0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &message, cpng_on_error, cpng_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_textp texts = calloc(text_count ? text_count : 1, sizeof *texts);
    png_bytep *rows = malloc((height ? height : 1) * sizeof *rows);
    /* volatile: read after a longjmp. */
    cpng_growing_buffer *volatile buffer = calloc(1, sizeof *buffer);
    if (!png || !info || !texts || !rows || !buffer) {
        if (png) png_destroy_write_struct(&png, info ? &info : NULL);
        free(texts); free(rows); free(buffer);
        cpng_copy_error(error, error_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(texts); free(rows); free(buffer->data); free(buffer);
        cpng_copy_error(error, error_size, message.message);
        return -1;
    }
    png_set_write_fn(png, buffer, cpng_write_memory, cpng_flush_memory);
    png_set_compression_level(png, compression_level);
    if (!adaptive_filtering) png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    png_set_IHDR(png, info, width, height, bit_depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (size_t i = 0; i < text_count; i++) {
        texts[i].compression = utf8[i] ? PNG_ITXT_COMPRESSION_NONE : PNG_TEXT_COMPRESSION_NONE;
        texts[i].key = (png_charp)keys[i];
        texts[i].text = (png_charp)values[i];
        texts[i].text_length = utf8[i] ? 0 : strlen(values[i]);
        texts[i].itxt_length = utf8[i] ? strlen(values[i]) : 0;
        texts[i].lang = NULL;
        texts[i].lang_key = NULL;
    }
    if (text_count) png_set_text(png, info, texts, (int)text_count);
    png_write_info(png, info);
    if (bit_depth == 16) png_set_swap(png); /* host little-endian samples to PNG's big-endian */
    const size_t row_bytes = (size_t)width * channels * (bit_depth / 8);
    for (size_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(texts);
    free(rows);
    *output = buffer->data;
    *output_count = buffer->count;
    free(buffer);
    return 0;
}

void cpng_free(void *buffer) { free(buffer); }
