// Internal declarations shared by the shim's translation units (not part of the C API).
#ifndef CDCMTK_INTERNAL_H
#define CDCMTK_INTERNAL_H
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include <cstdint>
#include <string>
#include <vector>
#include "cdcmtk.h"

struct cdcmtk_file {
    DcmFileFormat format;
    std::string path;
    std::string transferSyntaxUID;
    /* High-Throughput JPEG 2000, whose dataset DCMTK read as JPEG 2000 (high_throughput.cpp). */
    bool highThroughputJ2K = false;
    /* Decoded JPEG 2000 frames (DCMTK keeps other decoded pixel data inside the dataset). */
    std::vector<uint8_t> decodedPixels;
};

namespace cdcmtk {
/* High-Throughput JPEG 2000 (high_throughput.cpp): whether `uid` is one of its transfer syntaxes; the UID the meta
 * header names; whether a file read by DCMTK is HTJ2K whose dataset must be read again as JPEG 2000; that reading,
 * of the meta header and dataset of `stream`; and, before a file is written in `target`, the meta header naming HTJ2K
 * when it was read as such and is written compressed, returning the write mode that keeps it (else EWM_createNewMeta). */
bool isHighThroughputJ2K(const std::string &uid);
std::string metaTransferSyntax(DcmFileFormat &format);
bool needsHighThroughputRead(DcmFileFormat &format);
OFCondition readAsJPEG2000(DcmFileFormat &format, DcmInputStream &stream, Uint32 maxReadLength);
E_FileWriteMode prepareMetaForWriting(cdcmtk_file *file, E_TransferSyntax target);

/* The deepest nesting of sequence items a file may hold to be read (nesting.cpp). */
const unsigned maxNesting = 500;

/* Why the DICOM file in `p[0..<n)` is not to be given to DCMTK: its sequences nest deeper than maxNesting, which
 * DCMTK's recursive reader cannot take. Empty when they do not. */
std::string nestingProblem(const unsigned char *p, size_t n);
/* nestingProblem of the `size` bytes of the open file `fd`, read where the walk needs them. */
std::string nestingProblemOfFile(int fd, uint64_t size);

/* Writes `message` into a caller buffer, truncating and NUL-terminating. */
void setError(char *err, size_t errlen, const std::string &message);

/* A problem a shim function reports to its caller: the message becomes the error text. */
struct Failure { std::string message; };

/* Runs `body` and returns its result; a Failure or any C++ exception becomes the error text instead,
 * and `failed` the result (no exception crosses the C API). */
template <typename Result, typename Body> Result guarded(char *err, size_t errlen, Result failed, Body body) {
    try {
        return body();
    } catch (const Failure &failure) {
        setError(err, errlen, failure.message);
    } catch (const std::exception &e) {
        setError(err, errlen, std::string("DCMTK failed: ") + e.what());
    } catch (...) {
        setError(err, errlen, "DCMTK failed with an unknown exception");
    }
    return failed;
}

/* Reads the image pixel module attributes (Rows, Columns, frames, samples, bits...) of `ds`. */
void readLayout(DcmDataset *ds, cdcmtk_pixel_layout *layout);

/* readLayout, and whether the native pixel data stored in the file is chroma subsampled (YBR_FULL_422 with two
 * samples per pixel): the layout of the Pixel Data as the file holds it, before any decoding. */
void readStoredLayout(DcmDataset *ds, cdcmtk_pixel_layout *layout);

/* "N bytes", or "more than 2^64 bytes" for expectedBytes' saturated count. */
std::string describeBytes(uint64_t bytes);

/* "F frame(s) of R x C x S samples at B bits", for errors about the layout's size. */
std::string describeLayout(const cdcmtk_pixel_layout &layout);

/* Bytes of native pixel data the layout needs for all frames (UINT64_MAX when that overflows 64 bits). */
uint64_t expectedBytes(const cdcmtk_pixel_layout &layout);

/* Throws, for JPEG-family Pixel Data of `ds` in `xfer`, when a frame cannot go to DCMTK's decoders: its frame header
 * (SOFn, SOF55) declares another size than Rows and Columns of `layout` (the decoders write such a frame into the
 * image the dataset declares: a 100 x 100 frame in a 100 x 65436 image comes out as rows run together and zeros), or
 * a TEM marker (FF01) comes before it (DCMTK 3.6.7's JPEG decoder, looking for the bit depth, never returns). Frames
 * this cannot find or read are left to the decoders. */
void requireJPEGFrameHeaders(DcmDataset *ds, E_TransferSyntax xfer, const cdcmtk_pixel_layout &layout);

/* Gives every defined-length UN attribute of `item` (and of the items of its sequences) that the data
 * dictionary knows, shorter than 64 KiB and not private, the dictionary's VR, its value parsed in `order`:
 * what pydicom's config.replace_un_with_known_vr does. A value that does not parse as that VR stays UN. */
void resolveUnknownVRs(DcmItem *item, E_ByteOrder order);

/* True when a Specific Character Set value (terms joined by '\\') names Japanese sets only (ISO_IR 13, ISO 2022
 * IR 13, 87 and 159, beside ISO 2022 IR 6 or the default repertoire): converted by convertJapaneseToUTF8, since
 * DCMTK cannot convert most of them through glibc's iconv. */
bool isJapanese(const std::string &specificCharacterSet);

/* Converts every text value of `dataset` (in every sequence item, under the set each item names) from the Japanese
 * sets to UTF-8, as pydicom decodes them, and names ISO_IR 192 in place of each Specific Character Set. A Failure
 * names a value or set that does not decode; the dataset is then partly converted, and the caller withholds it. */
void convertJapaneseToUTF8(DcmDataset *dataset);

/* Decodes one 8-bit JPEG stream held in memory with libjpeg-turbo (its libjpeg API) and, once its size and
 * components match the expected layout, grows `buffer` by rows × columns × samples bytes. Colour stays as the
 * codestream holds it unless an Adobe APP14 marker says how to convert it (then RGB), as pydicom's Pillow plugin
 * decodes: the caller converts YBR to RGB from the Photometric Interpretation, as pydicom does. A stream without
 * EOI is completed with one; a warning (corrupt or truncated data) is an error. Returns an empty string on
 * success, otherwise the reason. */
std::string decodeJPEGFrame(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns, uint32_t samples,
                            std::vector<uint8_t> &buffer);

/* One decoded JPEG 2000 frame: samples interleaved by pixel, stored at `bytesPerSample` bytes. */
struct J2KFrameInfo {
    uint32_t width = 0, height = 0, components = 0, precision = 0, isSigned = 0;
};

/* Decodes one J2K codestream or JP2 file held in memory and, once its size matches the expected
 * layout, grows `buffer` by rows × columns × samples × bytesPerSample bytes holding the frame.
 * Returns an empty string on success, otherwise the reason. */
std::string decodeJ2KFrame(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns,
                           uint32_t samples, uint32_t bytesPerSample, std::vector<uint8_t> &buffer, J2KFrameInfo &info);
}
#endif
