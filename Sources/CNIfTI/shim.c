#include "cnifti.h"

#include <string.h>
#include <libdeflate.h>
#include <zlib.h>

void cnifti_set_debug_level(int level) { nifti_set_debug_level(level); }

nifti_image *cnifti_decode_header(const void *bytes, size_t count, int *version) {
    *version = nifti_header_version((const char *)bytes, count);
    /* nifti_hdr*_looks_good checks fields in native order: check a swapped copy, then hand the
       header as stored to the conversion, which swaps by itself. */
    if (*version == 0 || *version == 1) {
        nifti_1_header header, native;
        if (count < sizeof header) return NULL;
        memcpy(&header, bytes, sizeof header);
        native = header;
        if (native.sizeof_hdr != (int)sizeof native) swap_nifti_header(&native, *version);
        if (!nifti_hdr1_looks_good(&native)) return NULL;
        return nifti_convert_n1hdr2nim(header, NULL);
    }
    if (*version == 2) {
        nifti_2_header header, native;
        if (count < sizeof header) return NULL;
        memcpy(&header, bytes, sizeof header);
        native = header;
        if (native.sizeof_hdr != (int)sizeof native) swap_nifti_header(&native, 2);
        if (!nifti_hdr2_looks_good(&native)) return NULL;
        return nifti_convert_n2hdr2nim(header, NULL);
    }
    *version = -1;
    return NULL;
}

int cnifti_gunzip_member(const void *in, size_t in_count, void *out, size_t out_capacity,
                         size_t *in_used, size_t *out_used) {
    struct libdeflate_decompressor *decompressor = libdeflate_alloc_decompressor();
    if (!decompressor) return 1;
    enum libdeflate_result result =
        libdeflate_gzip_decompress_ex(decompressor, in, in_count, out, out_capacity, in_used, out_used);
    libdeflate_free_decompressor(decompressor);
    if (result == LIBDEFLATE_SUCCESS) return 0;
    return result == LIBDEFLATE_INSUFFICIENT_SPACE ? 2 : 1;
}

int64_t cnifti_gunzip_prefix(const void *in, size_t in_count, void *out, size_t out_capacity, int *ended) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    *ended = 0;
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return -1;
    const unsigned char *next_in = (const unsigned char *)in;
    size_t left_in = in_count, written = 0;
    int status = Z_OK;
    while (written < out_capacity) {
        /* zlib counts in uInt: feed at most 1 GiB per call. */
        const uInt chunk_in = left_in > (1u << 30) ? (1u << 30) : (uInt)left_in;
        const size_t room = out_capacity - written;
        const uInt chunk_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        stream.next_in = (Bytef *)next_in;
        stream.avail_in = chunk_in;
        stream.next_out = (Bytef *)out + written;
        stream.avail_out = chunk_out;
        status = inflate(&stream, Z_NO_FLUSH);
        next_in += chunk_in - stream.avail_in;
        left_in -= chunk_in - stream.avail_in;
        written += chunk_out - stream.avail_out;
        if (status == Z_STREAM_END) {
            *ended = 1;
            /* Another member follows only if the gzip magic does. */
            if (left_in < 2 || next_in[0] != 0x1f || next_in[1] != 0x8b) break;
            *ended = 0;
            if (inflateReset(&stream) != Z_OK) { inflateEnd(&stream); return -1; }
            continue;
        }
        if (status == Z_BUF_ERROR && left_in == 0) break;   /* truncated input */
        if (status != Z_OK && status != Z_BUF_ERROR) { inflateEnd(&stream); return -1; }
        if (left_in == 0 && stream.avail_out > 0) break;
    }
    inflateEnd(&stream);
    return (int64_t)written;
}

int cnifti_inflate_raw(const void *in, size_t in_count, void *out, size_t out_count, uint32_t *crc) {
    struct libdeflate_decompressor *decompressor = libdeflate_alloc_decompressor();
    if (!decompressor) return 1;
    size_t produced = 0;
    enum libdeflate_result result =
        libdeflate_deflate_decompress(decompressor, in, in_count, out, out_count, &produced);
    libdeflate_free_decompressor(decompressor);
    if (result == LIBDEFLATE_SUCCESS && produced == out_count) {
        *crc = (uint32_t)libdeflate_crc32(0, out, out_count);
        return 0;
    }
    return result == LIBDEFLATE_BAD_DATA ? 1 : 2;
}

uint32_t cnifti_crc32(const void *bytes, size_t count) { return (uint32_t)libdeflate_crc32(0, bytes, count); }
