#ifndef CDCMTK_H
#define CDCMTK_H
/*
 * A C API over DCMTK (C++) and OpenJPEG for Swift.
 *
 * Every function catches C++ exceptions; failures return a negative status (or NULL) and write
 * one line of text into the caller's `err` buffer (always NUL-terminated when errlen > 0).
 * DCMTK's own logging is silenced: errors are reported only through these buffers.
 *
 * A `cdcmtk_file` is owned by one thread at a time; different handles may be used concurrently
 * once `cdcmtk_register_codecs` has run (cdcmtk_open calls it).
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Registers DCMTK's JPEG, JPEG-LS and RLE decoders and silences DCMTK's logger, once per process
 * (thread-safe). JPEG decoding keeps the codestream's colour space (YBR stays YBR). DCMTK's automatic
 * input correction is turned off: values come back as stored, padding included. */
void cdcmtk_register_codecs(void);

/* Loads DCMTK's data dictionary unless it is loaded already: the default dictionaries' files, read into the
 * entries DCMTK's own loader makes in about 2 ms instead of its 20 (dictionary.cpp), or the files DCMDICTPATH names,
 * read by DCMTK. The first open loads it otherwise, while every other parsing thread waits for it: calling this
 * early on a spare thread overlaps the load with other work. Thread-safe. */
void cdcmtk_load_dictionary(void);

/* Sets DCMDICTPATH to the empty file from which the shim's loader has DCMTK create its dictionary, unless it names
 * other dictionaries (DCMTK then reads those). Returns 1 when the shim will read the default dictionaries, else 0.
 * cdcmtk_load_dictionary calls it; a program calls it first thing in main, while it has one thread, so that the
 * environment never changes while another thread reads it. Idempotent. */
int cdcmtk_claim_dictionary_path(void);

/* For the tests: compares the loaded dictionary, entry by entry and in order, with one DCMTK's own loader reads
 * from the default dictionaries' files. Returns the number of entries and sets `files_read_here` to how many of
 * those files the shim's parser read (the others DCMTK's loader read), or returns -1 with the first difference
 * in `err`. */
int cdcmtk_dictionary_check(int *files_read_here, char *err, size_t errlen);

/* An opened DICOM file (meta header and dataset). */
typedef struct cdcmtk_file cdcmtk_file;

/* Opens a DICOM file, with or without preamble and meta header. Elements longer than
 * `max_read_length` bytes (0: DCMTK's default of 4096) stay on disk until they are accessed.
 * Attributes encoded as UN that the data dictionary knows (public, shorter than 64 KiB) are read with
 * the dictionary's VR, as pydicom reads them.
 * Returns NULL and fills err on failure (not DICOM, unreadable, truncated). */
cdcmtk_file *cdcmtk_open(const char *path, uint32_t max_read_length, char *err, size_t errlen);

/* Opens a DICOM file like cdcmtk_open, but reads the whole file with one read and parses it in
 * memory: every value, pixel data included, is loaded and nothing is read from the file again.
 * Faster when the whole file will be used (edited and serialized); the file is held in memory twice
 * while it is parsed. A standard attribute stored as UN takes its dictionary VR, as cdcmtk_open reads it (a Patient
 * ID stored as UN is edited as the LO it is). Returns NULL and fills err on failure. */
cdcmtk_file *cdcmtk_open_whole(const char *path, char *err, size_t errlen);

/* Releases the handle and everything it owns (pointers it returned become invalid). */
void cdcmtk_close(cdcmtk_file *file);

/* The transfer syntax the dataset was read in, as a UID (an empty string when unknown).
 * The pointer lives as long as the handle. */
const char *cdcmtk_transfer_syntax(const cdcmtk_file *file);

/* Top-level attributes of the meta header (group 0002) and the dataset, fetched in one pass.
 * `tags` holds `count` tags as (group << 16 | element); values[i] receives a malloc'ed string
 * (free each with cdcmtk_free): the values joined by '\\' as DCMTK renders them (numbers as text
 * for binary VRs), padding not removed; an empty string for a present but empty attribute or a
 * sequence; NULL when the attribute is absent. Returns 0, or -1 on error
 * (then every values[i] is NULL). */
int cdcmtk_get_strings(cdcmtk_file *file, const uint32_t *tags, size_t count, char **values,
                       char *err, size_t errlen);

/* Frees memory returned by this API. */
void cdcmtk_free(void *pointer);

/* The layout of decoded pixel data, as it lies in the buffer cdcmtk_decode_pixels returns. */
typedef struct cdcmtk_pixel_layout {
    uint32_t rows, columns, frames, samples_per_pixel;
    uint32_t bits_allocated, bits_stored, pixel_representation;
    /* 0: colour-by-pixel (R G B R G B...), 1: colour-by-plane, per frame. */
    uint32_t planar_configuration;
    /* Photometric interpretation of the decoded values (decoders may change it, e.g. a JPEG 2000
     * YBR_ICT/YBR_RCT image comes out as RGB). */
    char photometric[32];
    /* JPEG 2000 only: 1 when the codestream says it holds signed samples, else 0; and its
     * precision in bits (0 for other transfer syntaxes). */
    uint32_t j2k_signed, j2k_precision;
    /* 1 when the pixel data was encapsulated (compressed) in the file. */
    uint32_t was_compressed;
    /* 1 when the buffer holds native YBR_FULL_422 data: each pair of pixels along a row is stored as
     * Y1 Y2 Cb Cr (two samples per pixel, not three), to be expanded to three samples per pixel. */
    uint32_t chroma_subsampled;
    /* 1 when the values are IEEE floats from Float Pixel Data (7FE0,0008) or Double Float Pixel Data
     * (7FE0,0009): bits_allocated 32 or 64, one sample per pixel. */
    uint32_t floating;
    /* How many whole frames the pixel data holds beyond Number of Frames, which `frames` includes (pydicom 3 reads
     * them too, with a warning): native or float data longer than its frames, encapsulated data with more frames.
     * Native or float pixel data only: the bytes it holds beyond what the layout needs, the padding byte of
     * odd-length data aside (pydicom warns of them as excess padding and ignores them); 0 otherwise. */
    uint32_t excess_frames;
    uint64_t excess_bytes;
} cdcmtk_pixel_layout;

/* Decodes the Pixel Data of every frame (or, in a file without Pixel Data, its Float or Double Float Pixel
 * Data, as `floating` float32 or float64 values) into little-endian native bytes
 * (frames × rows × columns × samples × bits_allocated/8; for bits_allocated 1 the bits of all frames
 * packed one after the other, least significant bit first, rounded up to whole bytes; for
 * chroma_subsampled data two samples per pixel) and returns a pointer to them that lives as long as
 * the handle; *length receives the byte count and *layout the layout. Big-endian data is swapped as
 * pydicom swaps it. 8-bit JPEG is decoded by libjpeg-turbo, by DCMTK when libjpeg-turbo cannot (the other
 * way round when the environment variable MEDPIPE_JPEG is "dcmtk").
 * Native data must hold at least the expected byte count (a shorter element is an error naming both
 * lengths); extra trailing bytes are ignored. Returns NULL and fills err on failure. */
const uint8_t *cdcmtk_decode_pixels(cdcmtk_file *file, cdcmtk_pixel_layout *layout, size_t *length,
                                    char *err, size_t errlen);

/* Copies native Pixel Data (uncompressed, little endian, colour-by-pixel) of every frame straight
 * from the file into `destination`, without loading it into the dataset first, when it holds exactly
 * `capacity` bytes (the layout's expected byte count; extra trailing bytes in the file are ignored).
 * Returns 1 with *layout set when copied; 0 when the data is encoded, planar, bit-packed or chroma
 * subsampled, or its expected size
 * is not `capacity` (decode it with cdcmtk_decode_pixels then); -1 with err filled on failure
 * (a bad layout, no or truncated Pixel Data, a read error). */
int cdcmtk_read_native_pixels(cdcmtk_file *file, cdcmtk_pixel_layout *layout, void *destination, size_t capacity,
                              char *err, size_t errlen);

/* The Modality LUT: the first item of the Modality LUT Sequence (0028,3000), read as pydicom's
 * apply_modality_lut reads it. */
typedef struct cdcmtk_modality_lut {
    /* Number of entries (a LUT Descriptor value of 0 means 65536). */
    uint32_t entries;
    /* The first stored value mapped: signed when the descriptor is encoded SS, or in implicit VR when
     * PixelRepresentation is 1; unsigned otherwise. */
    int32_t first_mapped;
    /* Nominal bit depth of the entries (the descriptor's third value, not checked here). */
    uint32_t bit_depth;
    /* The first `entries` values of LUT Data (malloc'ed: free with cdcmtk_free). */
    uint16_t *data;
} cdcmtk_modality_lut;

/* Reads the Modality LUT. Returns 1 with *lut filled, 0 when the sequence is absent or has no item, -1 with err
 * filled when the item lacks a 3-valued US/SS LUT Descriptor or LUT Data of at least `entries` 16-bit values. */
int cdcmtk_read_modality_lut(cdcmtk_file *file, cdcmtk_modality_lut *lut, char *err, size_t errlen);

/* One attribute met while walking a dataset. Strings live only during the callback. */
typedef struct cdcmtk_attribute {
    /* Where the attribute sits, e.g. "(0008,1140)[0].(0008,1155)"; top-level: "(0010,0010)". */
    const char *path;
    uint16_t group, element;
    /* Two-letter VR, e.g. "PN", "SQ", "OB" ("UN" for unknown). */
    char vr[3];
    /* Nesting depth: 0 top level, 1 inside one sequence item, ... */
    uint32_t depth;
    /* 1 for File Meta Information (group 0002). */
    uint32_t is_meta;
    /* For SQ: the number of items; for other VRs: the value length in bytes. */
    uint32_t length;
    /* The value as text (values joined by '\\'); empty for SQ, and for pixel data and other
     * bulk binary values longer than 1024 bytes. */
    const char *value;
} cdcmtk_attribute;

/* Called once per attribute, depth first (a sequence before its items' attributes).
 * Return 0 to continue, non-zero to stop the walk. */
typedef int (*cdcmtk_visitor)(const cdcmtk_attribute *attribute, void *context);

/* Walks the meta header (when present) and then the dataset, recursing into sequences.
 * Returns 0 when the walk finished, 1 when the visitor stopped it, -1 on error. */
int cdcmtk_walk(cdcmtk_file *file, cdcmtk_visitor visitor, void *context, char *err, size_t errlen);

/* Writes a new DICOM file at `path` in explicit VR little endian with a File Meta Information
 * header built from the dataset (SOP Class and Instance UIDs, transfer syntax, DCMTK's
 * implementation UID). `paths[i]` names an attribute in DCMTK path syntax — "(0010,0010)" at the
 * top level, "(0012,0064)[0].(0008,0100)" inside a sequence item (created as needed) — and
 * `values[i]` its value as text (numbers of binary VRs as decimal text, multiple values joined by
 * '\\'; a sequence takes ""). `pixels` (may be NULL) holds `pixel_length` bytes of native pixel
 * data in host byte order, stored as OB when `bits_allocated` is 8 and OW when it is 16.
 * Returns 0, or -1 and fills err (a bad path, a value the VR rejects, an unwritable file). */
int cdcmtk_write_file(const char *path, const char *const *paths, const char *const *values, size_t count,
                      const void *pixels, size_t pixel_length, uint32_t bits_allocated, char *err, size_t errlen);

/* cdcmtk_walk with flags (or'ed). CDCMTK_WALK_TEXT_ONLY: values are given only for character VRs (numbers
 * such as US, UL, FD and bytes such as OB, OW, UN come with an empty value, saving their rendering). */
#define CDCMTK_WALK_TEXT_ONLY 1u
/* CDCMTK_WALK_SKIP_PRIVATE_VALUES: private attributes (odd groups, creators included) are skipped,
 * except sequences: a private sequence is still visited, with its items. */
#define CDCMTK_WALK_SKIP_PRIVATE_VALUES 2u
int cdcmtk_walk_flags(cdcmtk_file *file, uint32_t flags, cdcmtk_visitor visitor, void *context, char *err, size_t errlen);

/* ---- Editing (edit.cpp) ----
 * Paths name one attribute as the walk writes them: "(0010,0010)" at the top level,
 * "(0008,1140)[0].(0008,1155)" inside item 0 of a sequence. `meta` non-zero addresses the File Meta
 * Information instead of the dataset. */

/* Removes the attribute at `path`. Returns 0 when removed, 1 when it was absent, -1 on error. */
int cdcmtk_remove(cdcmtk_file *file, int meta, const char *path, char *err, size_t errlen);

/* Sets the value of the attribute at `path` (multiple values joined by '\\'). An existing attribute
 * keeps its VR; an absent one (or one read as UN) is created with `vr` when given (two letters),
 * else with the data dictionary's VR. The items on the way must exist. Returns 0, or -1 on error. */
int cdcmtk_put_string(cdcmtk_file *file, int meta, const char *path, const char *value, const char *vr,
                      char *err, size_t errlen);

/* Replaces the value of the attribute at `path`, keeping its VR; an error when it is absent. */
int cdcmtk_replace_string(cdcmtk_file *file, int meta, const char *path, const char *value,
                          char *err, size_t errlen);

/* Gives the attribute at `path` a zero-length value (a sequence loses all its items).
 * Returns 0, 1 when absent, -1 on error. */
int cdcmtk_empty(cdcmtk_file *file, int meta, const char *path, char *err, size_t errlen);

/* Creates (or replaces) the sequence at `path` with `items` empty items, to be filled with
 * cdcmtk_put_string on paths such as "(0012,0064)[0].(0008,0100)". Returns 0, or -1 on error. */
int cdcmtk_new_sequence(cdcmtk_file *file, int meta, const char *path, uint32_t items, char *err, size_t errlen);

/* Removes every private attribute (odd groups, private creators included) from the dataset and
 * every sequence item in it, recursively. Returns how many were removed, or -1 on error. */
long cdcmtk_remove_private(cdcmtk_file *file, char *err, size_t errlen);

/* Converts every text value of the dataset, in every sequence item, from the character sets its Specific
 * Character Set (0008,0005) names to UTF-8 (iconv; the Japanese sets, whose names DCMTK gives glibc's iconv lacks, by the shim),
 * and names ISO_IR 192 in their place. Returns 0, or -1 when a set is unknown or a value does not decode in it. */
int cdcmtk_convert_to_utf8(cdcmtk_file *file, char *err, size_t errlen);

/* Sets every sample inside the rectangle (x, y, width, height; it must lie inside the image) of every frame
 * to black (0; for YBR colour, Y 0 and Cb Cr at mid-range), after decompressing the pixel data to
 * explicit little endian and discarding the compressed representation (the file is then saved
 * uncompressed). JPEG 2000 pixel data cannot be blanked. Returns 0, or -1 on error. */
int cdcmtk_blank_rectangle(cdcmtk_file *file, uint32_t x, uint32_t y, uint32_t width, uint32_t height,
                           char *err, size_t errlen);

/* Clears overlay planes kept in the unused high bits of Pixel Data (a group 60xx with Overlay Bit
 * Position other than 0 and no Overlay Data): every bit outside the stored bits (HighBit and the
 * BitsStored - 1 below it) of every sample is set to 0, after decompressing as blanking does, and the
 * overlay groups' attributes are removed. Returns the number of planes cleared (0: none found, the
 * pixel data untouched), or -1 on error. */
long cdcmtk_clear_embedded_overlays(cdcmtk_file *file, char *err, size_t errlen);

/* Drops the bytes of native (not encapsulated) Pixel Data after the image's frames: a value longer than its frames
 * (and the pad byte that makes it even) holds bytes no reader shows, copied with the file, where text can hide.
 * Returns how many bytes were dropped (0 when the value is the image's size, or the pixel data is encapsulated or
 * absent), or -1 on error. */
long cdcmtk_drop_bytes_after_native_frames(cdcmtk_file *file, char *err, size_t errlen);

/* Writes the file to `path` atomically: into a temporary file beside it, renamed over `path` only
 * once complete. The dataset keeps its transfer syntax when DCMTK can write it (deflated datasets
 * and representations it cannot re-encode are written as explicit VR little endian). The File Meta
 * Information is created anew from the dataset (Media Storage SOP Class/Instance UID from SOP
 * Class/Instance UID, Transfer Syntax, DCMTK's Implementation Class UID and Version Name); nothing
 * else of the old meta header is kept. `written_xfer` (may be NULL, at least 65 bytes) receives the
 * transfer syntax UID written. Returns 0, or -1 on error (no file is left behind). */
int cdcmtk_save(cdcmtk_file *file, const char *path, char *written_xfer, char *err, size_t errlen);

/* A file serialized in memory by cdcmtk_serialize. */
typedef struct cdcmtk_serialized {
    /* The file's bytes (malloc'ed: free with cdcmtk_free) and their count. */
    uint8_t *bytes;
    size_t length;
    /* Where the top-level Pixel Data element (tag, VR, length and value) lies in `bytes`, computed
     * from the dataset; both 0 when there is none. */
    uint64_t pixel_offset, pixel_length;
    /* The transfer syntax UID written. */
    char transfer_syntax[65];
} cdcmtk_serialized;

/* Serializes the file into memory exactly as cdcmtk_save would write it: the same transfer syntax
 * choice and a File Meta Information created anew from the dataset, which the handle then holds (a
 * walk afterwards sees the meta header that was written). Returns 0 with *out filled, or -1 and
 * fills err (then out->bytes is NULL). */
int cdcmtk_serialize(cdcmtk_file *file, cdcmtk_serialized *out, char *err, size_t errlen);

/* Where the top-level Pixel Data element (tag, VR, length and value) lies in the file the handle was
 * opened from, assuming it has a 128-byte preamble and explicit-length items (as cdcmtk_save writes).
 * Returns 0 with *offset and *length set, 1 when there is no Pixel Data, -1 on error. */
int cdcmtk_pixel_data_span(cdcmtk_file *file, uint64_t *offset, uint64_t *length, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
