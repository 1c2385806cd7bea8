#include "internal.h"
#include <cstring>
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

uint64_t expectedBytes(const cdcmtk_pixel_layout &l) {
    // Saturates instead of wrapping: 65535 x 65535 x 2^31 frames x 3 samples x 4 bytes overflows 64 bits,
    // and a wrapped (small) size would pass the check against the Pixel Data length.
    uint64_t bytes = uint64_t(l.bits_allocated / 8);
    for (uint64_t factor : {uint64_t(l.rows), uint64_t(l.columns), uint64_t(l.frames), uint64_t(l.samples_per_pixel)})
        if (__builtin_mul_overflow(bytes, factor, &bytes)) return UINT64_MAX;
    return bytes;
}

}

using cdcmtk::Failure;
using cdcmtk::guarded;

namespace {

void validate(const cdcmtk_pixel_layout &l) {
    if (l.rows == 0 || l.columns == 0)
        throw Failure{"Rows (0028,0010) and Columns (0028,0011) must be present and non-zero, found " +
                      std::to_string(l.rows) + " x " + std::to_string(l.columns)};
    if (l.bits_allocated != 8 && l.bits_allocated != 16 && l.bits_allocated != 32)
        throw Failure{"BitsAllocated (0028,0100) " + std::to_string(l.bits_allocated) +
                      " is not supported (8, 16 or 32)"};
    if (l.bits_stored == 0 || l.bits_stored > l.bits_allocated)
        throw Failure{"BitsStored (0028,0101) " + std::to_string(l.bits_stored) + " does not fit BitsAllocated " +
                      std::to_string(l.bits_allocated)};
    if (l.samples_per_pixel != 1 && l.samples_per_pixel != 3)
        throw Failure{"SamplesPerPixel (0028,0002) " + std::to_string(l.samples_per_pixel) + " is not supported (1 or 3)"};
}

/* Throws unless the dataset has (integer) Pixel Data. */
void requirePixelData(DcmDataset *ds) {
    if (ds->tagExists(DCM_PixelData)) return;
    if (ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData))
        throw Failure{"Float/Double Float Pixel Data is not supported"};
    throw Failure{"no Pixel Data (7FE0,0010)"};
}

/* The native Pixel Data element, checked to hold at least the bytes the layout needs. */
DcmElement *nativePixelData(DcmDataset *ds, const cdcmtk_pixel_layout &layout) {
    DcmElement *element = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
        requirePixelData(ds);  // names Float/Double Float Pixel Data
        throw Failure{"no Pixel Data (7FE0,0010)"};
    }
    const uint64_t expected = expectedBytes(layout), found = element->getLength();
    if (found < expected)
        throw Failure{"truncated pixel data: expected " + std::to_string(expected) + " bytes (" +
                      std::to_string(layout.frames) + " frame(s) of " + std::to_string(layout.rows) + " x " +
                      std::to_string(layout.columns) + " x " + std::to_string(layout.samples_per_pixel) +
                      " samples at " + std::to_string(layout.bits_allocated) + " bits), found " +
                      std::to_string(found)};
    return element;
}

bool isJ2K(E_TransferSyntax xfer) { return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000; }

bool startsJ2KFrame(const uint8_t *p, size_t n) {
    static const uint8_t soc[4] = {0xFF, 0x4F, 0xFF, 0x51};
    static const uint8_t jp2[8] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20};
    return (n >= 4 && memcmp(p, soc, 4) == 0) || (n >= 8 && memcmp(p, jp2, 8) == 0);
}

struct Fragment { const uint8_t *data; size_t size; };

/* Groups the encapsulated fragments into one byte range per frame. */
std::vector<std::vector<uint8_t>> collectFrames(DcmPixelSequence *seq, uint32_t frames) {
    unsigned long items = seq->card();
    if (items < 2) throw Failure{"encapsulated Pixel Data holds no fragment"};
    std::vector<Fragment> fragments;
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
    std::vector<std::vector<size_t>> groups;
    if (frames == 1) {
        groups.emplace_back();
        for (size_t i = 0; i < fragments.size(); ++i) groups.back().push_back(i);
    } else if (fragments.size() == frames) {
        for (size_t i = 0; i < fragments.size(); ++i) groups.push_back({i});
    } else {
        DcmPixelItem *table = nullptr;
        Uint8 *tableData = nullptr;
        std::vector<uint32_t> offsets;
        if (seq->getItem(table, 0).good() && table != nullptr && table->getLength() == 4 * frames &&
            table->getUint8Array(tableData).good() && tableData != nullptr) {
            for (uint32_t f = 0; f < frames; ++f)
                offsets.push_back(tableData[4 * f] | tableData[4 * f + 1] << 8 | tableData[4 * f + 2] << 16 |
                                  uint32_t(tableData[4 * f + 3]) << 24);
            for (uint32_t f = 0; f < frames; ++f) {
                groups.emplace_back();
                uint64_t end = f + 1 < frames ? offsets[f + 1] : UINT64_MAX;
                for (size_t i = 0; i < fragments.size(); ++i)
                    if (positions[i] >= offsets[f] && positions[i] < end) groups.back().push_back(i);
            }
        } else {
            for (size_t i = 0; i < fragments.size(); ++i) {
                if (groups.empty() || startsJ2KFrame(fragments[i].data, fragments[i].size)) groups.emplace_back();
                groups.back().push_back(i);
            }
        }
    }
    if (groups.size() != frames)
        throw Failure{"found " + std::to_string(groups.size()) + " encapsulated frames, NumberOfFrames says " +
                      std::to_string(frames)};
    std::vector<std::vector<uint8_t>> result;
    for (const auto &group : groups) {
        if (group.empty()) throw Failure{"an encapsulated frame has no fragment (bad Basic Offset Table)"};
        std::vector<uint8_t> bytes;
        for (size_t i : group) bytes.insert(bytes.end(), fragments[i].data, fragments[i].data + fragments[i].size);
        result.push_back(std::move(bytes));
    }
    return result;
}

const uint8_t *decodeJ2K(cdcmtk_file *file, DcmDataset *ds, E_TransferSyntax xfer, cdcmtk_pixel_layout *layout) {
    DcmElement *element = nullptr;
    ds->findAndGetElement(DCM_PixelData, element);
    auto *pixelData = OFstatic_cast(DcmPixelData *, element);
    DcmPixelSequence *seq = nullptr;
    OFCondition status = pixelData->getEncapsulatedRepresentation(xfer, nullptr, seq);
    if (status.bad() || seq == nullptr) throw Failure{std::string("cannot read encapsulated Pixel Data: ") + status.text()};
    auto frames = collectFrames(seq, layout->frames);
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
}

const uint8_t *cdcmtk_decode_pixels(cdcmtk_file *file, cdcmtk_pixel_layout *layout, size_t *length, char *err,
                                    size_t errlen) {
    return guarded(err, errlen, static_cast<const uint8_t *>(nullptr), [&]() -> const uint8_t * {
        memset(layout, 0, sizeof *layout);
        *length = 0;
        DcmDataset *ds = file->format.getDataset();
        readLayout(ds, layout);
        validate(*layout);
        requirePixelData(ds);
        const uint64_t expected = expectedBytes(*layout);
        E_TransferSyntax original = ds->getOriginalXfer();
        DcmXfer xfer(original);
        if (isJ2K(original)) {
            layout->was_compressed = 1;
            const uint8_t *bytes = decodeJ2K(file, ds, original, layout);
            *length = expected;
            return bytes;
        }
        if (xfer.isEncapsulated()) {
            // DCMTK's decoders allocate what the header asks for: refuse sizes the compressed data cannot hold.
            DcmElement *encapsulated = nullptr;
            ds->findAndGetElement(DCM_PixelData, encapsulated);
            uint64_t compressed = 0;
            DcmPixelSequence *seq = nullptr;
            if (encapsulated != nullptr &&
                OFstatic_cast(DcmPixelData *, encapsulated)->getEncapsulatedRepresentation(original, nullptr, seq).good() &&
                seq != nullptr)
                for (unsigned long i = 0; i < seq->card(); ++i) {
                    DcmPixelItem *item = nullptr;
                    if (seq->getItem(item, i).good() && item != nullptr) compressed += item->getLength();
                }
            if (expected > 4096 * compressed + (64u << 20))
                throw Failure{"implausible image size: the header asks for " + std::to_string(expected) +
                              " decoded bytes from " + std::to_string(compressed) + " bytes of compressed data"};
        }
        if (xfer.isEncapsulated() || xfer.getByteOrder() != EBO_LittleEndian) {
            layout->was_compressed = xfer.isEncapsulated() ? 1 : 0;
            OFCondition status = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
            if (status.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit))
                throw Failure{std::string("cannot decode transfer syntax ") + xfer.getXferID() + " (" +
                              xfer.getXferName() + "): " + (status.bad() ? status.text() : "no decoder")};
            readLayout(ds, layout);  // decoders may update photometric interpretation and planar configuration
            validate(*layout);
            if (expectedBytes(*layout) != expected) throw Failure{"decoder changed the pixel layout"};
        }
        DcmElement *element = nativePixelData(ds, *layout);
        Uint8 *bytes = nullptr;
        OFCondition status = element->getUint8Array(bytes);
        if (status.bad() || bytes == nullptr)
            throw Failure{std::string("cannot read Pixel Data (7FE0,0010): ") + (status.bad() ? status.text() : "empty")};
        *length = expected;
        return bytes;
    });
}

int cdcmtk_read_native_pixels(cdcmtk_file *file, cdcmtk_pixel_layout *layout, void *destination, size_t capacity,
                              char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        memset(layout, 0, sizeof *layout);
        DcmDataset *ds = file->format.getDataset();
        DcmXfer xfer(ds->getOriginalXfer());
        if (xfer.isEncapsulated() || xfer.getByteOrder() != EBO_LittleEndian) return 0;
        readLayout(ds, layout);
        validate(*layout);
        if (layout->samples_per_pixel > 1 && layout->planar_configuration == 1) return 0;
        const uint64_t expected = expectedBytes(*layout);
        if (expected != capacity) return 0;
        DcmElement *element = nativePixelData(ds, *layout);
        // Read from the file into the caller's buffer: the value is never held by the dataset.
        OFCondition status = element->getPartialValue(destination, 0, Uint32(expected), nullptr, EBO_LittleEndian);
        if (status.bad()) throw Failure{std::string("cannot read Pixel Data (7FE0,0010): ") + status.text()};
        return 1;
    });
}
