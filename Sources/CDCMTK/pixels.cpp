#include "internal.h"
#include <cstring>
#include <algorithm>
#include <cstdlib>
#include <initializer_list>

using cdcmtk::setError;
using cdcmtk::readLayout;
using cdcmtk::expectedBytes;

namespace cdcmtk {
/* Reads the image pixel module attributes that describe the decoded buffer, in one pass over the
 * top-level elements (a lookup per attribute would walk the element list each time). An attribute
 * that is absent or has no readable value keeps its default. */
void readLayout(DcmDataset *ds, cdcmtk_pixel_layout *layout) {
    layout->rows = 0;
    layout->columns = 0;
    layout->samples_per_pixel = 1;
    layout->bits_allocated = 0;
    layout->pixel_representation = 0;
    layout->planar_configuration = 0;
    layout->frames = 1;
    memset(layout->photometric, 0, sizeof layout->photometric);
    bool hasBitsStored = false;
    for (DcmObject *object = ds->nextInContainer(nullptr); object != nullptr; object = ds->nextInContainer(object)) {
        const DcmTagKey key = object->getTag();
        if (key.getGroup() > 0x0028) break;  // elements are sorted by tag: the pixel module is behind us
        if (key.getGroup() != 0x0028 || object->ident() == EVR_SQ) continue;
        auto *element = OFstatic_cast(DcmElement *, object);
        Uint16 value = 0;
        uint32_t *target = nullptr;
        if (key == DCM_Rows) target = &layout->rows;
        else if (key == DCM_Columns) target = &layout->columns;
        else if (key == DCM_SamplesPerPixel) target = &layout->samples_per_pixel;
        else if (key == DCM_BitsAllocated) target = &layout->bits_allocated;
        else if (key == DCM_PixelRepresentation) target = &layout->pixel_representation;
        else if (key == DCM_PlanarConfiguration) target = &layout->planar_configuration;
        else if (key == DCM_BitsStored) {
            if (element->getUint16(value).good()) { layout->bits_stored = value; hasBitsStored = true; }
        } else if (key == DCM_NumberOfFrames) {
            Sint32 frames = 1;
            if (element->getSint32(frames).good() && frames >= 1) layout->frames = static_cast<uint32_t>(frames);
        } else if (key == DCM_PhotometricInterpretation) {
            OFString photometric;
            if (element->getOFString(photometric, 0).good())
                strncpy(layout->photometric, photometric.c_str(), sizeof layout->photometric - 1);
        }
        if (target != nullptr && element->getUint16(value).good()) *target = value;
    }
    if (!hasBitsStored) layout->bits_stored = layout->bits_allocated;
}

void readStoredLayout(DcmDataset *ds, cdcmtk_pixel_layout *layout) {
    readLayout(ds, layout);
    // Native YBR_FULL_422 keeps two luma samples and one chroma pair per two pixels (PS3.3 C.7.6.3.1.2);
    // decoders of encapsulated data return three samples per pixel.
    std::string photometric = layout->photometric;
    while (!photometric.empty() && photometric.back() == ' ') photometric.pop_back();
    layout->chroma_subsampled = photometric == "YBR_FULL_422" && layout->samples_per_pixel == 3 &&
                                !DcmXfer(ds->getOriginalXfer()).isEncapsulated();
}

std::string describeBytes(uint64_t bytes) {
    return bytes == UINT64_MAX ? std::string("more than 2^64 bytes") : std::to_string(bytes) + " bytes";
}

std::string describeLayout(const cdcmtk_pixel_layout &l) {
    return std::to_string(l.frames) + " frame(s) of " + std::to_string(l.rows) + " x " + std::to_string(l.columns) + " x " +
           (l.chroma_subsampled ? std::string("2 (YBR_FULL_422)") : std::to_string(l.samples_per_pixel)) + " samples at " +
           std::to_string(l.bits_allocated) + (l.bits_allocated == 1 ? " bit" : " bits");
}

uint64_t expectedBytes(const cdcmtk_pixel_layout &l) {
    // Bits first, then whole bytes: BitsAllocated 1 packs the bits of all frames one after the other.
    // Saturates instead of wrapping: 65535 x 65535 x 2^31 frames x 3 samples x 32 bits overflows 64 bits,
    // and a wrapped (small) size would pass the check against the Pixel Data length.
    const uint64_t samples = l.chroma_subsampled ? 2 : l.samples_per_pixel;
    uint64_t bits = l.bits_allocated;
    for (uint64_t factor : {uint64_t(l.rows), uint64_t(l.columns), uint64_t(l.frames), samples})
        if (__builtin_mul_overflow(bits, factor, &bits)) return UINT64_MAX;
    return bits / 8 + (bits % 8 != 0);
}

}

using cdcmtk::Failure;
using cdcmtk::guarded;

namespace {

void validate(const cdcmtk_pixel_layout &l) {
    if (l.rows == 0 || l.columns == 0)
        throw Failure{"Rows (0028,0010) and Columns (0028,0011) must be present and non-zero, found " +
                      std::to_string(l.rows) + " x " + std::to_string(l.columns)};
    if (l.bits_allocated != 1 && l.bits_allocated != 8 && l.bits_allocated != 16 && l.bits_allocated != 32)
        throw Failure{"BitsAllocated (0028,0100) " + std::to_string(l.bits_allocated) +
                      " is not supported (1, 8, 16 or 32)"};
    if (l.bits_stored == 0 || l.bits_stored > l.bits_allocated)
        throw Failure{"BitsStored (0028,0101) " + std::to_string(l.bits_stored) + " does not fit BitsAllocated " +
                      std::to_string(l.bits_allocated)};
    if (l.samples_per_pixel != 1 && l.samples_per_pixel != 3)
        throw Failure{"SamplesPerPixel (0028,0002) " + std::to_string(l.samples_per_pixel) + " is not supported (1 or 3)"};
    if (l.bits_allocated == 1 && l.samples_per_pixel != 1)
        throw Failure{"BitsAllocated (0028,0100) 1 with SamplesPerPixel " + std::to_string(l.samples_per_pixel) +
                      " is not supported (bit-packed data has one sample per pixel)"};
    if (l.chroma_subsampled && l.columns % 2 != 0)
        throw Failure{"YBR_FULL_422 pixel data with an odd number of Columns (" + std::to_string(l.columns) +
                      ") is not supported: its pixels come in pairs along each row"};
}

/* Throws unless the dataset has Pixel Data, Float Pixel Data or Double Float Pixel Data. */
void requirePixelData(DcmDataset *ds) {
    if (ds->tagExists(DCM_PixelData) || ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData)) return;
    OFString sopClass;
    std::string what;
    if (ds->findAndGetOFString(DCM_SOPClassUID, sopClass).good() && !sopClass.empty()) {
        const char *name = dcmFindNameOfUID(sopClass.c_str());
        what = std::string(": the file is not an image (") + (name != nullptr ? name : sopClass.c_str()) + ")";
    }
    throw Failure{"no Pixel Data (7FE0,0010)" + what};
}

/* Throws unless `found` bytes hold what the layout needs; `where` ends the message (" in NAME", or nothing). */
void requireLayoutBytes(const cdcmtk_pixel_layout &layout, uint64_t found, const std::string &where) {
    const uint64_t expected = expectedBytes(layout);
    if (found < expected)
        throw Failure{"truncated pixel data: expected " + cdcmtk::describeBytes(expected) + " (" +
                      cdcmtk::describeLayout(layout) + "), found " + std::to_string(found) + where};
}

/* Checks that a native pixel data element of `found` bytes holds what the layout needs, as pydicom 3 checks it
 * (DecodeRunner._validate_buffer, allow_excess_frames on by default):
 *  - fewer bytes are an error;
 *  - YBR_FULL_422 data holding the bytes of three samples per pixel is an error: its Photometric Interpretation
 *    is wrong;
 *  - other data holding more whole frames than Number of Frames is read whole: the layout's frames are raised and
 *    excess_frames says by how many;
 *  - bytes left beyond the layout, the padding byte of odd-length data aside, are recorded in excess_bytes (pydicom
 *    warns of them as excess padding and does not read them). */
void checkNativeLength(cdcmtk_pixel_layout *layout, uint64_t found, const char *name) {
    requireLayoutBytes(*layout, found, std::string(" in ") + name);
    uint64_t expected = expectedBytes(*layout);
    if (found <= expected + expected % 2) return;
    if (layout->chroma_subsampled) {
        const uint64_t unsubsampled = expected / 2 * 3;
        if (found >= unsubsampled + unsubsampled % 2)
            throw Failure{std::string(name) + " holds " + std::to_string(found) + " bytes, a third more than the " +
                          std::to_string(expected) + " of YBR_FULL_422 (" + cdcmtk::describeLayout(*layout) +
                          "): its Photometric Interpretation (0028,0004) is likely wrong (RGB or YBR_FULL), so its "
                          "pixels cannot be read as it says (pydicom refuses them too)"};
    } else {
        // found < 2^36 (a 32-bit length of up to 8-byte values) and expected <= found: neither product overflows.
        const uint64_t frameBits = uint64_t(layout->rows) * layout->columns * layout->samples_per_pixel * layout->bits_allocated;
        const uint64_t wholeFrames = std::min<uint64_t>(found * 8 / frameBits, UINT32_MAX);
        if (wholeFrames > layout->frames) {
            layout->excess_frames = uint32_t(wholeFrames - layout->frames);
            layout->frames = uint32_t(wholeFrames);
            expected = expectedBytes(*layout);
            if (found <= expected + expected % 2) return;
        }
    }
    layout->excess_bytes = found - expected;
}

/* In a dataset without Pixel Data, its Float Pixel Data (7FE0,0008, OF) or else Double Float Pixel Data (7FE0,0009,
 * OD) as pydicom's pixel_array reads them: every frame's float32 or float64 values, one sample per pixel, in this
 * machine's (little-endian) order, DCMTK having swapped a big-endian file's. Sets the layout's bits and `floating`;
 * returns nullptr when the dataset holds Pixel Data or neither float element. */
const uint8_t *floatPixels(DcmDataset *ds, cdcmtk_pixel_layout *layout, size_t *length) {
    if (ds->tagExists(DCM_PixelData)) return nullptr;
    const bool single = ds->tagExists(DCM_FloatPixelData);
    if (!single && !ds->tagExists(DCM_DoubleFloatPixelData)) return nullptr;
    const char *name = single ? "Float Pixel Data (7FE0,0008)" : "Double Float Pixel Data (7FE0,0009)";
    if (layout->rows == 0 || layout->columns == 0)
        throw Failure{"Rows (0028,0010) and Columns (0028,0011) must be present and non-zero, found " +
                      std::to_string(layout->rows) + " x " + std::to_string(layout->columns)};
    if (layout->samples_per_pixel != 1)
        throw Failure{std::string(name) + " with SamplesPerPixel " + std::to_string(layout->samples_per_pixel) +
                      " is not supported (1)"};
    layout->bits_allocated = layout->bits_stored = single ? 32 : 64;
    layout->pixel_representation = 0;
    layout->floating = 1;
    const uint64_t expected = expectedBytes(*layout);
    const void *values = nullptr;
    unsigned long count = 0;
    OFCondition status;
    if (single) {
        const Float32 *floats = nullptr;
        status = ds->findAndGetFloat32Array(DCM_FloatPixelData, floats, &count);
        values = floats;
    } else {
        const Float64 *doubles = nullptr;
        status = ds->findAndGetFloat64Array(DCM_DoubleFloatPixelData, doubles, &count);
        values = doubles;
    }
    if (status.bad() || values == nullptr)
        throw Failure{std::string("cannot read ") + name + ": " + (status.bad() ? status.text() : "empty")};
    checkNativeLength(layout, uint64_t(count) * (single ? 4 : 8), name);
    *length = expectedBytes(*layout);
    return static_cast<const uint8_t *>(values);
}

/* Throws when the file meta header names a transfer syntax DCMTK does not know (but High-Throughput JPEG 2000, read
 * as JPEG 2000): DCMTK then reads its encapsulated pixel data as native data of no length, which would be told as
 * truncated. */
void requireKnownTransferSyntax(cdcmtk_file *file) {
    if (file->highThroughputJ2K) return;
    OFString uid;
    DcmMetaInfo *meta = file->format.getMetaInfo();
    if (meta == nullptr || meta->findAndGetOFString(DCM_TransferSyntaxUID, uid).bad() || uid.empty()) return;
    if (DcmXfer(uid.c_str()).getXfer() != EXS_Unknown) return;
    throw Failure{"transfer syntax " + std::string(uid.c_str()) + " is not supported: DCMTK " + OFFIS_DCMTK_VERSION_STRING +
                  " does not know it, so its pixel data cannot be decoded"};
}

/* The native Pixel Data element, checked to hold at least the bytes the layout needs; the bytes it holds beyond
 * them are recorded in the layout when they are the file's own (not a decoder's output). */
DcmElement *nativePixelData(DcmDataset *ds, cdcmtk_pixel_layout *layout) {
    DcmElement *element = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
        requirePixelData(ds);  // names what the file is when it holds no pixels at all
        throw Failure{"no Pixel Data (7FE0,0010)"};
    }
    if (layout->was_compressed) {
        requireLayoutBytes(*layout, element->getLength(), "");
    } else {
        checkNativeLength(layout, element->getLength(), "Pixel Data (7FE0,0010)");
    }
    return element;
}

bool isJ2K(E_TransferSyntax xfer) { return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000; }

bool startsJ2KFrame(const uint8_t *p, size_t n) {
    static const uint8_t soc[4] = {0xFF, 0x4F, 0xFF, 0x51};
    static const uint8_t jp2[8] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20};
    return (n >= 4 && memcmp(p, soc, 4) == 0) || (n >= 8 && memcmp(p, jp2, 8) == 0);
}

/* A JPEG stream starts with SOI and another marker. */
bool startsJPEGFrame(const uint8_t *p, size_t n) { return n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF; }

struct Fragment { const uint8_t *data; size_t size; };

/* The fragments of an encapsulated Pixel Data element, and which of them make up each frame. */
struct FrameGroups {
    std::vector<Fragment> fragments;
    std::vector<std::vector<size_t>> frames;
};

/* Groups the encapsulated fragments into frames, as pydicom 3 does where both can: all fragments for one frame (a
 * Basic Offset Table of several offsets aside), one fragment per frame when their counts agree, else by the Basic
 * Offset Table when it holds at least `frames` offsets (pydicom's way, even for offsets out of order), else a new
 * frame at each fragment for which `startsFrame` holds (nullptr: an error). More frames than `frames` are kept: pydicom 3 decodes those too (allow_excess_frames,
 * see `raiseToEncapsulatedFrames`); fewer are an error. */
FrameGroups groupFrames(DcmPixelSequence *seq, uint32_t frames, bool (*startsFrame)(const uint8_t *, size_t)) {
    unsigned long items = seq->card();
    if (items < 2) throw Failure{"encapsulated Pixel Data holds no fragment"};
    FrameGroups result;
    std::vector<Fragment> &fragments = result.fragments;
    std::vector<uint64_t> positions;  // offset of each fragment's item tag from the first fragment
    uint64_t position = 0;
    for (unsigned long i = 1; i < items; ++i) {
        DcmPixelItem *item = nullptr;
        Uint8 *data = nullptr;
        if (seq->getItem(item, i).bad() || item == nullptr) throw Failure{"cannot read fragment " + std::to_string(i)};
        OFCondition status = item->getUint8Array(data);
        if (status.bad()) throw Failure{"cannot read fragment " + std::to_string(i) + ": " + status.text()};
        size_t size = item->getLength();
        fragments.push_back({data, data == nullptr ? 0 : size});
        positions.push_back(position);
        position += 8 + size;
    }
    std::vector<uint32_t> offsets;  // the Basic Offset Table's
    DcmPixelItem *table = nullptr;
    Uint8 *tableData = nullptr;
    if (seq->getItem(table, 0).good() && table != nullptr && table->getLength() % 4 == 0 &&
        table->getUint8Array(tableData).good() && tableData != nullptr)
        for (uint32_t at = 0; at + 4 <= table->getLength(); at += 4)
            offsets.push_back(tableData[at] | tableData[at + 1] << 8 | tableData[at + 2] << 16 | uint32_t(tableData[at + 3]) << 24);
    std::vector<std::vector<size_t>> &groups = result.frames;
    if (frames == 1 && offsets.size() <= 1) {
        groups.emplace_back();
        for (size_t i = 0; i < fragments.size(); ++i) groups.back().push_back(i);
    } else if (fragments.size() == frames) {
        for (size_t i = 0; i < fragments.size(); ++i) groups.push_back({i});
    } else if (offsets.size() >= frames) {
        // As pydicom groups them (generate_fragmented_frames): a fragment starts the next frame once the fragments
        // before it reach that frame's offset, one frame at a time; the first frame starts at the first fragment and
        // the last takes the rest. One sweep over the fragments: a hostile table may hold millions of offsets.
        size_t frame = 0;
        groups.emplace_back();
        for (size_t i = 0; i < fragments.size(); ++i) {
            if (frame + 1 < offsets.size() && positions[i] >= offsets[frame + 1]) {
                groups.emplace_back();
                ++frame;
            }
            groups.back().push_back(i);
        }
    } else if (startsFrame != nullptr) {
        for (size_t i = 0; i < fragments.size(); ++i) {
            if (groups.empty() || startsFrame(fragments[i].data, fragments[i].size)) groups.emplace_back();
            groups.back().push_back(i);
        }
    }
    if (groups.size() < frames)
        throw Failure{"found " + std::to_string(groups.size()) + " encapsulated frames, NumberOfFrames says " +
                      std::to_string(frames)};
    for (const auto &group : groups)
        if (group.empty()) throw Failure{"an encapsulated frame has no fragment (bad Basic Offset Table)"};
    return result;
}

/* Frame `f`'s bytes: its fragments one after the other. */
std::vector<uint8_t> frameBytes(const FrameGroups &groups, size_t f) {
    std::vector<uint8_t> bytes;
    for (size_t i : groups.frames[f]) bytes.insert(bytes.end(), groups.fragments[i].data, groups.fragments[i].data + groups.fragments[i].size);
    return bytes;
}

/* Each frame's bytes (see `groupFrames`). */
std::vector<std::vector<uint8_t>> collectFrames(DcmPixelSequence *seq, uint32_t frames,
                                                bool (*startsFrame)(const uint8_t *, size_t)) {
    FrameGroups groups = groupFrames(seq, frames, startsFrame);
    std::vector<std::vector<uint8_t>> result;
    for (size_t f = 0; f < groups.frames.size(); ++f) result.push_back(frameBytes(groups, f));
    return result;
}

/* Raises the layout's frames to the `found` frames of encapsulated data when it holds more than Number of Frames,
 * and says by how many in excess_frames: pydicom 3 decodes them too and warns. */
void raiseToEncapsulatedFrames(cdcmtk_pixel_layout *layout, size_t found) {
    if (found <= layout->frames) return;
    layout->excess_frames = uint32_t(found - layout->frames);
    layout->frames = uint32_t(found);
}

/* The fragments of the encapsulated Pixel Data of `ds`. */
DcmPixelSequence *encapsulatedFragments(DcmDataset *ds, E_TransferSyntax xfer) {
    DcmElement *element = nullptr;
    ds->findAndGetElement(DCM_PixelData, element);
    DcmPixelSequence *seq = nullptr;
    OFCondition status = element == nullptr ? OFCondition(EC_TagNotFound)
                                            : OFstatic_cast(DcmPixelData *, element)->getEncapsulatedRepresentation(xfer, nullptr, seq);
    if (status.bad() || seq == nullptr) throw Failure{std::string("cannot read encapsulated Pixel Data: ") + status.text()};
    return seq;
}

const uint8_t *decodeJ2K(cdcmtk_file *file, DcmDataset *ds, E_TransferSyntax xfer, cdcmtk_pixel_layout *layout) {
    auto frames = collectFrames(encapsulatedFragments(ds, xfer), layout->frames, startsJ2KFrame);
    raiseToEncapsulatedFrames(layout, frames.size());
    uint32_t bytesPerSample = layout->bits_allocated / 8;
    size_t frameBytes = size_t(layout->rows) * layout->columns * layout->samples_per_pixel * bytesPerSample;
    // Grown frame by frame, after each codestream confirmed the size: a corrupt header cannot make us
    // allocate more than the codestreams really hold.
    file->decodedPixels.clear();
    for (size_t f = 0; f < frames.size(); ++f) {
        cdcmtk::J2KFrameInfo info;
        std::string problem = cdcmtk::decodeJ2KFrame(frames[f].data(), frames[f].size(), layout->rows, layout->columns,
                                                     layout->samples_per_pixel, bytesPerSample, file->decodedPixels, info);
        if (!problem.empty()) throw Failure{"JPEG 2000 frame " + std::to_string(f) + ": " + problem};
        if (f == 0) {
            layout->j2k_signed = info.isSigned;
            layout->j2k_precision = info.precision;
            std::string pi = layout->photometric;
            if (pi == "YBR_ICT" || pi == "YBR_RCT") {
                memset(layout->photometric, 0, sizeof layout->photometric);
                strcpy(layout->photometric, "RGB");
            }
        }
    }
    layout->planar_configuration = 0;
    if (file->decodedPixels.size() != frameBytes * layout->frames) throw Failure{"decoded JPEG 2000 frames do not fill the image"};
    return file->decodedPixels.data();
}

/* 8-bit JPEG that libjpeg-turbo decodes: baseline, or extended sequential with 8-bit samples. */
bool isJPEG8Bit(E_TransferSyntax xfer, const cdcmtk_pixel_layout &layout) {
    return xfer == EXS_JPEGProcess1 || (xfer == EXS_JPEGProcess2_4 && layout.bits_allocated == 8);
}

/* Which decoder tries 8-bit JPEG first: libjpeg-turbo, unless MEDPIPE_JPEG=dcmtk (see the README's measurement);
 * the other one decodes what the first cannot. DCMTK alone rejects streams that libjpeg-turbo reads, such as
 * frames without EOI. */
bool jpegTurboFirst() {
    static const bool turboFirst = [] {
        const char *choice = getenv("MEDPIPE_JPEG");
        return choice == nullptr || strcmp(choice, "dcmtk") != 0;
    }();
    return turboFirst;
}

/* Decodes every frame of 8-bit JPEG Pixel Data with libjpeg-turbo into file->decodedPixels and updates the
 * layout (colour-by-pixel; the Photometric Interpretation stays the file's, as pydicom keeps it). Returns an
 * empty string, or why it could not (nothing is thrown). */
std::string decodeJPEGTurbo(cdcmtk_file *file, DcmDataset *ds, E_TransferSyntax xfer, cdcmtk_pixel_layout *layout) {
    size_t found = 0;
    try {
        auto frames = collectFrames(encapsulatedFragments(ds, xfer), layout->frames, startsJPEGFrame);
        file->decodedPixels.clear();
        for (size_t f = 0; f < frames.size(); ++f) {
            std::string problem = cdcmtk::decodeJPEGFrame(frames[f].data(), frames[f].size(), layout->rows, layout->columns,
                                                          layout->samples_per_pixel, file->decodedPixels);
            if (!problem.empty()) return "JPEG frame " + std::to_string(f) + ": " + problem;
        }
        found = frames.size();
    } catch (const Failure &failure) {
        return failure.message;
    }
    raiseToEncapsulatedFrames(layout, found);
    layout->planar_configuration = 0;
    return "";
}

/* Transfer syntaxes whose frames are JPEG or JPEG-LS streams, which DCMTK's decoders read. */
bool isJPEGFamily(E_TransferSyntax xfer) {
    return (xfer >= EXS_JPEGProcess1 && xfer <= EXS_JPEGProcess14SV1) || xfer == EXS_JPEGLSLossless || xfer == EXS_JPEGLSLossy;
}

/* The frames encapsulated data holds (`groupFrames`), for DCMTK's decoders, which decode as many as Number of Frames
 * says; false where the frames cannot be told apart (RLE without a Basic Offset Table: DCMTK's decoder decides). */
bool groupForDecoders(DcmDataset *ds, E_TransferSyntax xfer, uint32_t declared, FrameGroups &groups) {
    try {
        groups = groupFrames(encapsulatedFragments(ds, xfer), declared, isJPEGFamily(xfer) ? startsJPEGFrame : nullptr);
        return true;
    } catch (const Failure &) {
        return false;
    }
}

/* What the markers of a JPEG or JPEG-LS stream say before its first scan: the rows and columns of its frame header
 * (SOFn, SOF55) when one comes before the first scan and the end of the stream, and whether a TEM marker (FF01)
 * comes before that frame header. */
struct JPEGHeader {
    bool frameHeader = false;
    uint32_t rows = 0, columns = 0;
    bool temporaryMarker = false;
};

JPEGHeader readJPEGHeader(const uint8_t *p, size_t n) {
    JPEGHeader header;
    size_t at = 2;  // after SOI
    while (at + 4 <= n) {
        if (p[at] != 0xFF) return header;
        const uint8_t marker = p[at + 1];
        if (marker == 0xFF) { ++at; continue; }  // a fill byte
        if (marker == 0x01) header.temporaryMarker = true;
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { at += 2; continue; }  // markers without a length
        const size_t length = size_t(p[at + 2]) << 8 | p[at + 3];
        const bool frameHeader = (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) ||
                                 marker == 0xF7;
        if (frameHeader) {
            if (length < 8 || at + 9 > n) return header;
            header.frameHeader = true;
            header.rows = uint32_t(p[at + 5]) << 8 | p[at + 6];
            header.columns = uint32_t(p[at + 7]) << 8 | p[at + 8];
            return header;
        }
        if (marker == 0xDA || length < 2) return header;
        at += 2 + length;
    }
    return header;
}

/* Whether DCMTK's search for a JPEG stream's bit depth (DJCodecDecoder::scanJpegDataForBitDepth, which its JPEG
 * decoder runs on the first fragment before decoding) never returns on `p[0..<n)`. It walks the markers from the
 * first byte, each by its length or its fixed size, and returns at a frame header, at a byte that is no marker it
 * knows, or at the end; on a TEM marker (FF01) it stays where it is, for ever. This is its walk, step for step: a
 * parser of JPEG's own rules (readJPEGHeader) reads other bytes (past an EOI, after a scan's header). */
bool dcmtkBitDepthScanLoops(const uint8_t *p, size_t n) {
    uint64_t offset = 0;
    while (offset + 4 < n) {
        if (p[offset] != 0xFF) return false;  // no marker: it stops
        const uint8_t marker = p[offset + 1];
        const uint64_t length = uint64_t(p[offset + 2]) << 8 | p[offset + 3];
        switch (marker) {
        case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC5: case 0xC6: case 0xC7:
        case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF:
            return false;  // a frame header: the bit depth
        case 0x01: return true;  // TEM
        case 0xFF: offset += 1; break;  // a fill byte
        default:
            if (marker >= 0xD0 && marker <= 0xD9) offset += 2;  // RSTn, SOI, EOI
            else if (marker == 0xC4 || marker == 0xC8 || marker == 0xCC || marker >= 0xDA) offset += length + 2;
            else if (marker > 2) offset += 2;  // reserved markers 03-BF
            else return false;
        }
    }
    return false;
}

/* Refuses JPEG Pixel Data (processes 1-14, not JPEG-LS) a fragment of which sends DCMTK's bit-depth search into its
 * endless walk (dcmtkBitDepthScanLoops): it scans the first fragment, and a frame's first when decoding frame by frame. */
void requireBitDepthScanEnds(DcmDataset *ds, E_TransferSyntax xfer) {
    if (!(xfer >= EXS_JPEGProcess1 && xfer <= EXS_JPEGProcess14SV1)) return;
    DcmPixelSequence *seq = encapsulatedFragments(ds, xfer);
    for (unsigned long i = 1; i < seq->card(); ++i) {
        DcmPixelItem *item = nullptr;
        Uint8 *data = nullptr;
        if (seq->getItem(item, i).bad() || item == nullptr || item->getUint8Array(data).bad() || data == nullptr) continue;
        if (dcmtkBitDepthScanLoops(data, item->getLength()))
            throw Failure{"JPEG fragment " + std::to_string(i) + " has a TEM marker (FF01) where DCMTK " + OFFIS_DCMTK_VERSION_STRING +
                          "'s JPEG decoder looks for the bit depth, on which it never returns"};
    }
}

/* requireJPEGFrameHeaders over frames already grouped (the decoding path groups them once for every check). */
void requireJPEGFrameHeaders(const FrameGroups &groups, const cdcmtk_pixel_layout &layout) {
    for (size_t f = 0; f < groups.frames.size(); ++f) {
        const std::vector<uint8_t> frame = frameBytes(groups, f);
        const JPEGHeader header = readJPEGHeader(frame.data(), frame.size());
        if (header.temporaryMarker)
            throw Failure{"JPEG frame " + std::to_string(f) + " has a TEM marker (FF01) before its frame header, on which DCMTK " +
                          OFFIS_DCMTK_VERSION_STRING + "'s JPEG decoder never returns"};
        // rows 0: the height comes in a DNL segment after the scan
        if (header.frameHeader && header.rows != 0 && (header.rows != layout.rows || header.columns != layout.columns))
            throw Failure{"JPEG frame " + std::to_string(f) + " is " + std::to_string(header.columns) + " x " +
                          std::to_string(header.rows) + " pixels, Columns (0028,0011) and Rows (0028,0010) say " +
                          std::to_string(layout.columns) + " x " + std::to_string(layout.rows)};
    }
}
}  // namespace

namespace cdcmtk {
void requireJPEGFrameHeaders(DcmDataset *ds, E_TransferSyntax xfer, const cdcmtk_pixel_layout &layout) {
    if (!isJPEGFamily(xfer)) return;
    requireBitDepthScanEnds(ds, xfer);
    FrameGroups groups;
    if (groupForDecoders(ds, xfer, layout.frames, groups)) requireJPEGFrameHeaders(groups, layout);
}
}  // namespace cdcmtk

namespace {
/* Bytes in the encapsulated fragments of `ds`. */
uint64_t compressedBytes(DcmDataset *ds, E_TransferSyntax xfer) {
    DcmPixelSequence *seq = encapsulatedFragments(ds, xfer);
    uint64_t compressed = 0;
    for (unsigned long i = 0; i < seq->card(); ++i) {
        DcmPixelItem *item = nullptr;
        if (seq->getItem(item, i).good() && item != nullptr) compressed += item->getLength();
    }
    return compressed;
}

/* Native big-endian Pixel Data as pydicom reads it: the file's bytes, each sample swapped to little endian
 * (BitsAllocated 16 and 32), byte pairs swapped for 8-bit samples stored as OW, bit-packed data as it is. */
const uint8_t *bigEndianNative(cdcmtk_file *file, DcmDataset *ds, cdcmtk_pixel_layout *layout) {
    DcmElement *element = nativePixelData(ds, layout);
    const uint64_t expected = expectedBytes(*layout);
    const bool storedAsOW = element->getTag().getEVR() == EVR_OW;
    const size_t unit = layout->bits_allocated >= 16 ? layout->bits_allocated / 8 : layout->bits_allocated == 8 && storedAsOW ? 2 : 1;
    // The padding byte of odd-length data takes part in the pair swap.
    const Uint32 readable = Uint32(std::min<uint64_t>(element->getLength(), expected + expected % 2));
    file->decodedPixels.resize(readable);
    OFCondition status = element->getPartialValue(file->decodedPixels.data(), 0, readable, nullptr, EBO_BigEndian);
    if (status.bad()) throw Failure{std::string("cannot read Pixel Data (7FE0,0010): ") + status.text()};
    uint8_t *bytes = file->decodedPixels.data();
    for (size_t at = 0; unit > 1 && at + unit <= readable; at += unit) std::reverse(bytes + at, bytes + at + unit);
    return bytes;
}
}

const uint8_t *cdcmtk_decode_pixels(cdcmtk_file *file, cdcmtk_pixel_layout *layout, size_t *length, char *err,
                                    size_t errlen) {
    return guarded(err, errlen, static_cast<const uint8_t *>(nullptr), [&]() -> const uint8_t * {
        memset(layout, 0, sizeof *layout);
        *length = 0;
        DcmDataset *ds = file->format.getDataset();
        cdcmtk::readStoredLayout(ds, layout);
        requirePixelData(ds);
        requireKnownTransferSyntax(file);
        if (const uint8_t *floats = floatPixels(ds, layout, length)) return floats;
        validate(*layout);
        E_TransferSyntax original = ds->getOriginalXfer();
        DcmXfer xfer(original);
        if (!xfer.isEncapsulated()) {
            DcmElement *element = nativePixelData(ds, layout);
            *length = expectedBytes(*layout);  // more frames than Number of Frames when the data holds them
            if (xfer.getByteOrder() == EBO_BigEndian) return bigEndianNative(file, ds, layout);
            Uint8 *bytes = nullptr;
            OFCondition status = element->getUint8Array(bytes);
            if (status.bad() || bytes == nullptr)
                throw Failure{std::string("cannot read Pixel Data (7FE0,0010): ") + (status.bad() ? status.text() : "empty")};
            return bytes;
        }
        layout->was_compressed = 1;
        if (layout->bits_allocated == 1)
            throw Failure{std::string("BitsAllocated (0028,0100) 1 is not supported in ") + xfer.getXferName() +
                          " (bit-packed pixel data is read uncompressed)"};
        if (isJ2K(original)) {
            const uint8_t *bytes = decodeJ2K(file, ds, original, layout);
            *length = expectedBytes(*layout);  // more frames than Number of Frames when the data holds them
            return bytes;
        }
        std::string turboProblem;
        const bool turbo = isJPEG8Bit(original, *layout);
        if (turbo && jpegTurboFirst()) {
            turboProblem = decodeJPEGTurbo(file, ds, original, layout);
            if (turboProblem.empty()) { *length = expectedBytes(*layout); return file->decodedPixels.data(); }
        }
        // DCMTK's decoders decode the frames Number of Frames says: raised for the call when the data holds more.
        const uint32_t declared = layout->frames;
        FrameGroups groups;
        const bool grouped = groupForDecoders(ds, original, declared, groups);
        const size_t found = grouped ? groups.frames.size() : declared;
        cdcmtk_pixel_layout raised = *layout;
        raiseToEncapsulatedFrames(&raised, found);
        // DCMTK's decoders allocate what the header asks for: refuse sizes the compressed data cannot hold.
        const uint64_t compressed = compressedBytes(ds, original), decoded = expectedBytes(raised);
        if (decoded > 4096 * compressed + (64u << 20))
            throw Failure{"implausible image size: the header asks for " + cdcmtk::describeBytes(decoded) +
                          " of decoded data from " + std::to_string(compressed) + " bytes of compressed data"};
        if (isJPEGFamily(original)) requireBitDepthScanEnds(ds, original);
        if (grouped && isJPEGFamily(original)) requireJPEGFrameHeaders(groups, *layout);
        if (found > declared) ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(found).c_str());
        OFCondition status = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (found > declared) ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(declared).c_str());
        if (status.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit)) {
            std::string problem = std::string("cannot decode transfer syntax ") + xfer.getXferID() + " (" + xfer.getXferName() +
                                  "): " + (status.bad() ? status.text() : "no decoder");
            if (turbo && !jpegTurboFirst()) {
                turboProblem = decodeJPEGTurbo(file, ds, original, layout);
                if (turboProblem.empty()) { *length = expectedBytes(*layout); return file->decodedPixels.data(); }
            }
            throw Failure{problem + (turbo ? "; libjpeg-turbo: " + turboProblem : "")};
        }
        readLayout(ds, layout);  // decoders may update photometric interpretation and planar configuration
        raiseToEncapsulatedFrames(layout, found);
        validate(*layout);
        if (expectedBytes(*layout) != decoded) throw Failure{"decoder changed the pixel layout"};
        DcmElement *element = nativePixelData(ds, layout);
        Uint8 *bytes = nullptr;
        status = element->getUint8Array(bytes);
        if (status.bad() || bytes == nullptr)
            throw Failure{std::string("cannot read Pixel Data (7FE0,0010): ") + (status.bad() ? status.text() : "empty")};
        *length = decoded;
        return bytes;
    });
}

int cdcmtk_read_native_pixels(cdcmtk_file *file, cdcmtk_pixel_layout *layout, void *destination, size_t capacity,
                              char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        memset(layout, 0, sizeof *layout);
        DcmDataset *ds = file->format.getDataset();
        DcmXfer xfer(ds->getOriginalXfer());
        if (xfer.isEncapsulated() || xfer.getByteOrder() != EBO_LittleEndian || !ds->tagExists(DCM_PixelData)) return 0;
        cdcmtk::readStoredLayout(ds, layout);
        validate(*layout);
        if (layout->samples_per_pixel > 1 && layout->planar_configuration == 1) return 0;
        if (layout->bits_allocated == 1 || layout->chroma_subsampled) return 0;  // stored values need unpacking
        const uint64_t expected = expectedBytes(*layout);
        if (expected != capacity) return 0;
        DcmElement *element = nativePixelData(ds, layout);
        // Read from the file into the caller's buffer: the value is never held by the dataset.
        OFCondition status = element->getPartialValue(destination, 0, Uint32(expected), nullptr, EBO_LittleEndian);
        if (status.bad()) throw Failure{std::string("cannot read Pixel Data (7FE0,0010): ") + status.text()};
        return 1;
    });
}
