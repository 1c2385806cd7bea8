#ifndef CPNG_H
#define CPNG_H
/* PNG decoding and encoding over libpng's classic API, which reports errors by longjmp: every
   setjmp lives here in C, and Swift sees plain return codes and error text. */
#include <stddef.h>
#include <stdint.h>

typedef struct cpng_decoder cpng_decoder;

/* What a decoded image holds after expansion: palettes become RGB (RGBA when the palette has
   transparency), gray below 8 bits becomes 8-bit (scaled to 0-255), 16-bit samples stay 16-bit. */
typedef struct {
    uint32_t width;
    uint32_t height;
    int channels;      /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    int bit_depth;     /* 8 or 16 */
    int color_type;    /* as stored: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
    int stored_bit_depth;
    int interlaced;
} cpng_info;

/* Starts decoding `count` bytes of PNG at `data` (kept, not copied, until cpng_decoder_close) and
   reads the header. Returns NULL with a message in `error` when the bytes are no valid PNG start. */
cpng_decoder *cpng_decoder_open(const void *data, size_t count, cpng_info *info, char *error, size_t error_size);

/* Decodes the pixels into `pixels` (row-major, `height * width * channels` samples, 16-bit samples
   little-endian), then reads the chunks after the image. Returns 0; 1 when the pixels are complete
   but the chunks after them are damaged or missing (message in `error`); -1 with a message when the
   pixels could not be decoded. The decoder cannot be read again after a failure. */
int cpng_decoder_read(cpng_decoder *decoder, void *pixels, size_t capacity, char *error, size_t error_size);

/* Text chunks (tEXt, zTXt, iTXt) seen so far; valid until cpng_decoder_close. */
size_t cpng_decoder_text_count(const cpng_decoder *decoder);
const char *cpng_decoder_text_key(const cpng_decoder *decoder, size_t index);
/* The value's bytes as stored: Latin-1 for tEXt and zTXt, UTF-8 for iTXt (`*utf8` set to 1). */
const char *cpng_decoder_text_value(const cpng_decoder *decoder, size_t index, size_t *length, int *utf8);

void cpng_decoder_close(cpng_decoder *decoder);

/* Encodes `pixels` (row-major, 16-bit samples little-endian) as a PNG with `text_count`
   text chunks: tEXt for Latin-1 values when `utf8[i]` is 0, iTXt (UTF-8) otherwise.
   On success returns 0 and a malloc'd buffer in `*output` (free with cpng_free); -1 with a message
   otherwise. `compression_level` is zlib's 0-9; `adaptive_filtering` 0 filters every row with Up
   (libpng's default, 1, tries each filter on each row). */
int cpng_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                const char *const *keys, const char *const *values, const int *utf8, size_t text_count,
                int compression_level, int adaptive_filtering, void **output, size_t *output_count, char *error, size_t error_size);

void cpng_free(void *buffer);

#endif
