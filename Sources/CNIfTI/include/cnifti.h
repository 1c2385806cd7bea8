#ifndef CNIFTI_H
#define CNIFTI_H
/* MedPipe's view of libnifti2 (NIfTI-1 and NIfTI-2 through one API) and of the gzip
   decoders the NIfTI reader uses (libdeflate for whole streams, zlib for prefixes). */
#include <stddef.h>
#include <stdint.h>
#include <nifti/nifti2_io.h>

/* Sets libnifti's verbosity (0 = silent); it prints to stderr otherwise. */
void cnifti_set_debug_level(int level);

/* Decodes the header at the start of `bytes` (348 bytes for NIfTI-1 / ANALYZE 7.5, 540 for
   NIfTI-2, in either byte order) into a header-only nifti_image (data == NULL), through
   libnifti's own validation and conversion. Returns NULL when libnifti rejects the header.
   `*version` receives 0 (ANALYZE 7.5), 1 or 2, or -1 when the bytes are no known header.
   Free the result with nifti_image_free. */
nifti_image *cnifti_decode_header(const void *bytes, size_t count, int *version);

/* Whole-buffer gzip decoding of one gzip member with libdeflate.
   Returns 0 on success (with the input and output byte counts used), 1 for corrupt data,
   2 when `out` is too small. */
int cnifti_gunzip_member(const void *in, size_t in_count, void *out, size_t out_capacity,
                         size_t *in_used, size_t *out_used);

/* Streams a gzip file (all members, in order) through zlib into `out`, stopping when
   `out_capacity` bytes are written or the input ends. Returns the bytes written, or -1 when
   the stream is corrupt. `*ended` is 1 when the last member ended cleanly. */
int64_t cnifti_gunzip_prefix(const void *in, size_t in_count, void *out, size_t out_capacity, int *ended);

/* Decodes one raw deflate stream (a zip member) of exactly `out_count` bytes with libdeflate.
   Returns 0 on success, 1 for corrupt data, 2 when the stream holds fewer or more bytes than
   `out_count`. `*crc` receives the CRC-32 of the output. */
int cnifti_inflate_raw(const void *in, size_t in_count, void *out, size_t out_count, uint32_t *crc);

/* CRC-32 (zip, gzip, PNG) of `count` bytes. */
uint32_t cnifti_crc32(const void *bytes, size_t count);

#endif
