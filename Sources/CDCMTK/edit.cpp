// Editing and writing: attribute removal and replacement by path, private attribute removal,
// sequences for the De-identification Method Code Sequence, pixel blanking, atomic save and
// serialization into memory.
#include "internal.h"
#include "dcmtk/dcmdata/dcwcache.h"
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unistd.h>
#include <vector>

using cdcmtk::setError;

using cdcmtk::Failure;
using cdcmtk::guarded;

namespace {

struct Step {
    DcmTagKey tag;
    long item = -1;  // -1: the last step (an attribute, not an item)
};

unsigned parseHex(const char *&p, const std::string &path) {
    unsigned value = 0;
    int digits = 0;
    for (; digits < 4 && isxdigit(static_cast<unsigned char>(*p)); ++digits, ++p)
        value = value * 16 + (isdigit(static_cast<unsigned char>(*p)) ? *p - '0' : (tolower(*p) - 'a' + 10));
    if (digits != 4) throw Failure{"bad attribute path '" + path + "': expected four hexadecimal digits"};
    return value;
}

/* "(0008,1140)[0].(0008,1155)" → steps. */
std::vector<Step> parsePath(const char *text) {
    const std::string path = text == nullptr ? "" : text;
    std::vector<Step> steps;
    const char *p = path.c_str();
    while (true) {
        if (*p != '(') throw Failure{"bad attribute path '" + path + "': expected '('"};
        ++p;
        unsigned group = parseHex(p, path);
        if (*p++ != ',') throw Failure{"bad attribute path '" + path + "': expected ','"};
        unsigned element = parseHex(p, path);
        if (*p++ != ')') throw Failure{"bad attribute path '" + path + "': expected ')'"};
        Step step;
        step.tag = DcmTagKey(Uint16(group), Uint16(element));
        if (*p == '\0') { steps.push_back(step); return steps; }
        if (*p++ != '[') throw Failure{"bad attribute path '" + path + "': expected '[' or the end"};
        char *end = nullptr;
        long item = strtol(p, &end, 10);
        if (end == p || item < 0 || *end != ']' || end[1] != '.')
            throw Failure{"bad attribute path '" + path + "': expected [item]."};
        step.item = item;
        steps.push_back(step);
        p = end + 2;
    }
}

DcmItem *root(cdcmtk_file *file, int meta) {
    DcmItem *item = meta ? static_cast<DcmItem *>(file->format.getMetaInfo()) : file->format.getDataset();
    if (item == nullptr) throw Failure{meta ? "the file has no meta header" : "the file has no dataset"};
    return item;
}

/* The item holding the path's last attribute, or nullptr when an item on the way is absent. */
DcmItem *container(cdcmtk_file *file, int meta, const std::vector<Step> &steps) {
    DcmItem *item = root(file, meta);
    for (size_t i = 0; i + 1 < steps.size(); ++i) {
        DcmItem *next = nullptr;
        if (item->findAndGetSequenceItem(steps[i].tag, next, steps[i].item).bad() || next == nullptr) return nullptr;
        item = next;
    }
    return item;
}

DcmElement *findHere(DcmItem *item, const DcmTagKey &tag) {
    DcmElement *element = nullptr;
    if (item->findAndGetElement(tag, element, OFFalse).bad()) return nullptr;
    return element;
}

/* An attribute found by path, with the item that holds it; both nullptr when the path leads nowhere. */
struct Located {
    DcmItem *item = nullptr;
    DcmElement *element = nullptr;
};

Located locate(cdcmtk_file *file, int meta, const char *path) {
    auto steps = parsePath(path);
    DcmItem *item = container(file, meta, steps);
    if (item == nullptr) return {};
    DcmElement *element = findHere(item, steps.back().tag);
    return element == nullptr ? Located{} : Located{item, element};
}

std::string tagText(const DcmTagKey &tag) {
    char text[16];
    snprintf(text, sizeof text, "(%04X,%04X)", tag.getGroup(), tag.getElement());
    return text;
}

/* A new element for `tag`, with `vr` when given, else the dictionary's VR. */
DcmElement *newElement(const DcmTagKey &key, const char *vr) {
    DcmTag tag(key);
    if (vr != nullptr && vr[0] != 0) {
        DcmVR chosen(vr);
        if (chosen.getEVR() == EVR_UNKNOWN) throw Failure{std::string("unknown VR '") + vr + "'"};
        tag.setVR(chosen);
    } else if (tag.getEVR() == EVR_UNKNOWN || tag.getEVR() == EVR_UN) {
        throw Failure{"the data dictionary has no VR for " + tagText(key) + ": give one"};
    }
    DcmElement *element = nullptr;
    OFCondition status = DcmItem::newDicomElementWithVR(element, tag);
    if (status.bad() || element == nullptr)
        throw Failure{"cannot create " + tagText(key) + ": " + (status.bad() ? status.text() : "no element")};
    return element;
}

void putString(cdcmtk_file *file, int meta, const char *path, const char *value, const char *vr, bool mustExist) {
    auto steps = parsePath(path);
    DcmItem *item = container(file, meta, steps);
    if (item == nullptr) throw Failure{std::string("no sequence item on the way to ") + path};
    const DcmTagKey &tag = steps.back().tag;
    DcmElement *element = findHere(item, tag);
    if (element == nullptr && mustExist) throw Failure{std::string("no attribute at ") + path};
    if (element != nullptr && (element->ident() == EVR_SQ || element->ident() == EVR_pixelSQ))
        throw Failure{std::string("cannot put a string into the sequence at ") + path};
    if (element != nullptr && element->ident() != EVR_UN) {
        OFCondition status = element->putString(value);
        if (status.bad()) throw Failure{std::string("cannot set ") + path + ": " + status.text()};
        return;
    }
    DcmElement *created = newElement(tag, vr);
    OFCondition status = created->putString(value);
    if (status.good()) status = item->insert(created, OFTrue);
    if (status.bad()) {
        delete created;
        throw Failure{std::string("cannot set ") + path + ": " + status.text()};
    }
}

/* The element list of an item (protected in DcmItem), reached through a pointer to member: removing
 * while walking the list is linear, where DcmItem::remove(object) searches from the head each time. */
struct ItemList : DcmItem {
    static DcmList *of(DcmItem *item) { return item->*(&ItemList::elementList); }
};

long removePrivate(DcmItem *item) {
    long removed = 0;
    DcmList *list = ItemList::of(item);
    DcmObject *object = list->empty() ? nullptr : list->seek(ELP_first);
    while (object != nullptr) {
        if (object->getTag().getGroup() & 1) {  // odd groups, the reserved 0001-0007 included
            delete list->remove();  // the list moves on to the next element
            ++removed;
            object = list->valid() ? list->get(ELP_atpos) : nullptr;
            continue;
        }
        if (object->ident() == EVR_SQ) {
            auto *sequence = OFstatic_cast(DcmSequenceOfItems *, object);
            for (unsigned long i = 0; i < sequence->card(); ++i) removed += removePrivate(sequence->getItem(i));
        }
        object = list->seek(ELP_next);
    }
    return removed;
}

template <typename T> void blankSamples(T *pixels, const cdcmtk_pixel_layout &l, uint32_t x0, uint32_t y0, uint64_t x1,
                                        uint64_t y1, const T fill[3]) {
    const size_t spp = l.samples_per_pixel, frameValues = size_t(l.rows) * l.columns * spp;
    for (uint32_t f = 0; f < l.frames; ++f) {
        T *frame = pixels + f * frameValues;
        for (uint64_t y = y0; y < y1; ++y)
            for (uint64_t x = x0; x < x1; ++x)
                for (size_t s = 0; s < spp; ++s) {
                    size_t index = l.planar_configuration == 1 ? s * l.rows * l.columns + size_t(y) * l.columns + x
                                                               : (size_t(y) * l.columns + x) * spp + s;
                    frame[index] = fill[s];
                }
    }
}

std::atomic<unsigned long> temporaryCounter{0};

/* The transfer syntax a save writes: the dataset's own when DCMTK can write it, else explicit VR
 * little endian (deflated datasets, representations it cannot re-encode), decompressing if needed. */
E_TransferSyntax writableXfer(DcmDataset *ds) {
    E_TransferSyntax target = ds->getOriginalXfer();
    if (target == EXS_Unknown || target == EXS_DeflatedLittleEndianExplicit || !ds->canWriteXfer(target))
        target = EXS_LittleEndianExplicit;
    if (!ds->canWriteXfer(target)) {
        OFCondition status = ds->chooseRepresentation(target, nullptr);
        if (status.bad() || !ds->canWriteXfer(target))
            throw Failure{std::string("cannot write the dataset as explicit VR little endian: ") +
                          (status.bad() ? status.text() : "no codec")};
    }
    return target;
}

/* The UID of the transfer syntax `file` was written in: `xfer`'s, or High-Throughput JPEG 2000's when written as JPEG 2000. */
void copyXfer(const cdcmtk_file *file, E_TransferSyntax xfer, char *written_xfer) {
    if (written_xfer == nullptr) return;
    const char *uid = file->highThroughputJ2K && xfer == EXS_JPEG2000LosslessOnly ? file->transferSyntaxUID.c_str() : DcmXfer(xfer).getXferID();
    snprintf(written_xfer, 65, "%s", uid == nullptr ? "" : uid);
}

/* Where the top-level Pixel Data element lies in the file as written in `xfer` (128-byte preamble,
 * "DICM", the meta header, explicit-length items). False when there is no Pixel Data. */
bool pixelDataSpan(cdcmtk_file *file, E_TransferSyntax xfer, uint64_t *offset, uint64_t *length) {
    DcmDataset *ds = file->format.getDataset();
    uint64_t position = 132;
    if (DcmMetaInfo *meta = file->format.getMetaInfo())
        position += meta->getLength(EXS_LittleEndianExplicit, EET_ExplicitLength);
    for (DcmObject *object = ds->nextInContainer(nullptr); object != nullptr; object = ds->nextInContainer(object)) {
        const uint64_t size = object->calcElementLength(xfer, EET_ExplicitLength);
        if (object->getTag() == DCM_PixelData) {
            *offset = position;
            *length = size;
            return true;
        }
        position += size;
    }
    return false;
}

/* The end of a DcmOutputStream: appends everything written to a malloc'ed buffer, which `release`
 * hands over (the destructor frees it otherwise). */
class MemoryConsumer : public DcmConsumer {
public:
    ~MemoryConsumer() override { free(bytes); }
    OFBool good() const override { return OFTrue; }
    OFCondition status() const override { return EC_Normal; }
    OFBool isFlushed() const override { return OFTrue; }
    offile_off_t avail() const override { return offile_off_t(1) << 30; }
    offile_off_t write(const void *buffer, offile_off_t length) override {
        if (length <= 0) return 0;
        if (size + size_t(length) > capacity) {
            size_t grown = capacity == 0 ? size_t(1) << 16 : capacity;
            while (grown < size + size_t(length)) grown *= 2;
            auto *larger = static_cast<uint8_t *>(realloc(bytes, grown));
            if (larger == nullptr) throw std::bad_alloc();
            bytes = larger;
            capacity = grown;
        }
        memcpy(bytes + size, buffer, size_t(length));
        size += size_t(length);
        return length;
    }
    void flush() override {}
    /* Makes room for `total` bytes in all, so writing up to that many needs no reallocation. */
    void reserve(size_t total) {
        if (total <= capacity) return;
        auto *larger = static_cast<uint8_t *>(realloc(bytes, total));
        if (larger == nullptr) throw std::bad_alloc();
        bytes = larger;
        capacity = total;
    }
    uint8_t *release() { uint8_t *owned = bytes; bytes = nullptr; size = capacity = 0; return owned; }
    uint8_t *bytes = nullptr;
    size_t size = 0, capacity = 0;
};

/* A DICOM output stream into memory (the consumer is only stored by the base constructor). */
class MemoryOutputStream : public DcmOutputStream {
public:
    MemoryOutputStream() : DcmOutputStream(&consumer) {}
    MemoryConsumer consumer;
};
}

int cdcmtk_remove(cdcmtk_file *file, int meta, const char *path, char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        Located found = locate(file, meta, path);
        if (found.element == nullptr) return 1;
        delete found.item->remove(found.element);
        return 0;
    });
}

int cdcmtk_put_string(cdcmtk_file *file, int meta, const char *path, const char *value, const char *vr, char *err,
                      size_t errlen) {
    return guarded(err, errlen, -1, [&] { putString(file, meta, path, value, vr, false); return 0; });
}

int cdcmtk_replace_string(cdcmtk_file *file, int meta, const char *path, const char *value, char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] { putString(file, meta, path, value, nullptr, true); return 0; });
}

int cdcmtk_empty(cdcmtk_file *file, int meta, const char *path, char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        Located found = locate(file, meta, path);
        if (found.element == nullptr) return 1;
        OFCondition status = found.element->clear();
        if (status.bad()) throw Failure{std::string("cannot empty ") + path + ": " + status.text()};
        return 0;
    });
}

int cdcmtk_new_sequence(cdcmtk_file *file, int meta, const char *path, uint32_t items, char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        auto steps = parsePath(path);
        DcmItem *item = container(file, meta, steps);
        if (item == nullptr) throw Failure{std::string("no sequence item on the way to ") + path};
        auto *sequence = new DcmSequenceOfItems(DcmTag(steps.back().tag, EVR_SQ));
        for (uint32_t i = 0; i < items; ++i) sequence->append(new DcmItem());
        OFCondition status = item->insert(sequence, OFTrue);
        if (status.bad()) {
            delete sequence;
            throw Failure{std::string("cannot insert the sequence ") + path + ": " + status.text()};
        }
        return 0;
    });
}

long cdcmtk_remove_private(cdcmtk_file *file, char *err, size_t errlen) {
    long removed = -1;
    guarded(err, errlen, -1, [&] {
        removed = removePrivate(file->format.getDataset());
        return 0;
    });
    return removed;
}

int cdcmtk_convert_to_utf8(cdcmtk_file *file, char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        DcmDataset *dataset = file->format.getDataset();
        OFString declared;
        if (dataset->findAndGetOFStringArray(DCM_SpecificCharacterSet, declared, OFFalse).good() &&
            cdcmtk::isJapanese(declared.c_str())) {
            cdcmtk::convertJapaneseToUTF8(dataset);  // DCMTK's iconv names for these sets are missing from glibc
            return 0;
        }
        OFCondition status = dataset->convertToUTF8();
        if (status.bad()) throw Failure{std::string("cannot convert the text to UTF-8: ") + status.text()};
        return 0;
    });
}

namespace {

/* JPEG 2000 (or High-Throughput JPEG 2000) Pixel Data replaced by its frames as OpenJPEG decodes them, as native data:
 * DCMTK has no JPEG 2000 codec to decode it in place. The Photometric Interpretation becomes the decoded one (RGB for
 * YBR_RCT and YBR_ICT), the Planar Configuration 0 and the Number of Frames the frames found. */
void decodeJPEG2000InPlace(cdcmtk_file *file) {
    cdcmtk_pixel_layout decoded{};
    size_t length = 0;
    char problem[512] = {0};
    const uint8_t *bytes = cdcmtk_decode_pixels(file, &decoded, &length, problem, sizeof problem);
    if (bytes == nullptr) throw Failure{problem};
    if (decoded.bits_allocated != 8 && decoded.bits_allocated != 16)
        throw Failure{"cannot decode JPEG 2000 pixel data with BitsAllocated " + std::to_string(decoded.bits_allocated) + " in place"};
    DcmDataset *ds = file->format.getDataset();
    OFCondition status = decoded.bits_allocated == 16
        ? ds->putAndInsertUint16Array(DCM_PixelData, reinterpret_cast<const Uint16 *>(bytes), static_cast<unsigned long>(length / 2))
        : ds->putAndInsertUint8Array(DCM_PixelData, bytes, static_cast<unsigned long>(length));
    if (status.good()) status = ds->putAndInsertString(DCM_PhotometricInterpretation, decoded.photometric);
    if (status.good() && decoded.samples_per_pixel > 1) status = ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    if (status.good() && (decoded.frames > 1 || ds->tagExists(DCM_NumberOfFrames)))
        status = ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(decoded.frames).c_str());
    if (status.bad()) throw Failure{std::string("cannot replace the JPEG 2000 pixel data by its decoded frames: ") + status.text()};
}

/* The Pixel Data of `file` decompressed to explicit little endian in place (the compressed representation
 * discarded, so the file is saved uncompressed), with its layout; 8- or 16-bit samples, 1 or 3 per pixel. */
DcmElement *uncompressedPixels(cdcmtk_file *file, cdcmtk_pixel_layout &layout, const char *purpose) {
    DcmDataset *ds = file->format.getDataset();
    E_TransferSyntax original = ds->getOriginalXfer();
    if ((original == EXS_JPEG2000LosslessOnly || original == EXS_JPEG2000) && DcmXfer(ds->getCurrentXfer()).isEncapsulated())
        decodeJPEG2000InPlace(file);
    // DCMTK's JPEG decoders hang or misdecode on some frame headers: refused before they decode in place.
    cdcmtk_pixel_layout stored{};
    cdcmtk::readStoredLayout(ds, &stored);
    cdcmtk::requireJPEGFrameHeaders(ds, original, stored);
    OFCondition status = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (status.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit))
        throw Failure{std::string("cannot decompress the pixel data to ") + purpose + " it: " + (status.bad() ? status.text() : "no decoder")};
    DcmElement *element = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) throw Failure{"no Pixel Data (7FE0,0010)"};
    OFstatic_cast(DcmPixelData *, element)->removeAllButCurrentRepresentations();
    layout = cdcmtk_pixel_layout{};
    cdcmtk::readLayout(ds, &layout);
    if (layout.rows == 0 || layout.columns == 0 || (layout.bits_allocated != 8 && layout.bits_allocated != 16))
        throw Failure{std::string("cannot ") + purpose + " pixel data with BitsAllocated " + std::to_string(layout.bits_allocated)};
    if (layout.samples_per_pixel != 1 && layout.samples_per_pixel != 3)
        throw Failure{std::string("cannot ") + purpose + " pixel data with SamplesPerPixel " + std::to_string(layout.samples_per_pixel)};
    if (layout.bits_stored == 0 || layout.bits_stored > layout.bits_allocated)
        throw Failure{"BitsStored (0028,0101) " + std::to_string(layout.bits_stored) + " does not fit BitsAllocated " +
                      std::to_string(layout.bits_allocated)};
    if (element->getLength() < cdcmtk::expectedBytes(layout)) throw Failure{"Pixel Data is shorter than the image"};
    return element;
}

}  // namespace

int cdcmtk_blank_rectangle(cdcmtk_file *file, uint32_t x, uint32_t y, uint32_t width, uint32_t height, char *err,
                           size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        cdcmtk_pixel_layout layout{};
        DcmElement *element = uncompressedPixels(file, layout, "blank");
        // A rectangle must lie inside the image: one that does not would blank less than asked, yet the
        // file would claim Clean Pixel Data.
        const uint64_t x1 = uint64_t(x) + width, y1 = uint64_t(y) + height;
        if (width == 0 || height == 0 || x1 > layout.columns || y1 > layout.rows)
            throw Failure{"--blank " + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(width) + "," +
                          std::to_string(height) + " is not inside the " + std::to_string(layout.columns) + "x" +
                          std::to_string(layout.rows) + " image"};
        const bool ybr = strncmp(layout.photometric, "YBR", 3) == 0;
        if (layout.bits_allocated == 8) {
            Uint8 *pixels = nullptr;
            if (element->getUint8Array(pixels).bad() || pixels == nullptr) throw Failure{"cannot access Pixel Data"};
            const Uint8 fill[3] = {0, Uint8(ybr ? 128 : 0), Uint8(ybr ? 128 : 0)};
            blankSamples(pixels, layout, x, y, x1, y1, fill);
        } else {
            Uint16 *pixels = nullptr;
            if (element->getUint16Array(pixels).bad() || pixels == nullptr) throw Failure{"cannot access Pixel Data"};
            const Uint16 mid = Uint16(1u << (layout.bits_stored - 1));
            const Uint16 fill[3] = {0, Uint16(ybr ? mid : 0), Uint16(ybr ? mid : 0)};
            blankSamples(pixels, layout, x, y, x1, y1, fill);
        }
        return 0;
    });
}

long cdcmtk_clear_embedded_overlays(cdcmtk_file *file, char *err, size_t errlen) {
    return guarded(err, errlen, -1L, [&]() -> long {
        DcmDataset *ds = file->format.getDataset();
        // Overlay planes kept in the unused high bits of Pixel Data (retired): a group 60xx with an Overlay
        // Bit Position other than 0 and no Overlay Data of its own.
        std::vector<Uint16> groups;
        for (Uint16 group = 0x6000; group <= 0x601E; group += 2) {
            Uint16 position = 0;
            if (ds->findAndGetUint16(DcmTagKey(group, 0x0102), position).good() && position != 0 &&
                !ds->tagExists(DcmTagKey(group, 0x3000)))
                groups.push_back(group);
        }
        if (groups.empty()) return 0;
        cdcmtk_pixel_layout layout{};
        DcmElement *element = uncompressedPixels(file, layout, "clear overlay bits in");
        Uint16 highBit = Uint16(layout.bits_stored - 1);
        ds->findAndGetUint16(DCM_HighBit, highBit);
        if (highBit >= layout.bits_allocated || highBit + 1 < layout.bits_stored)
            throw Failure{"HighBit (0028,0102) " + std::to_string(highBit) + " does not fit BitsStored " + std::to_string(layout.bits_stored)};
        // Keep the stored bits (HighBit down to HighBit - BitsStored + 1); clear every other bit.
        const uint32_t mask = ((1u << layout.bits_stored) - 1u) << (highBit + 1 - layout.bits_stored);
        const size_t count = size_t(cdcmtk::expectedBytes(layout) / (layout.bits_allocated / 8));
        if (layout.bits_allocated == 8) {
            Uint8 *pixels = nullptr;
            if (element->getUint8Array(pixels).bad() || pixels == nullptr) throw Failure{"cannot access Pixel Data"};
            for (size_t i = 0; i < count; ++i) pixels[i] &= Uint8(mask);
        } else {
            Uint16 *pixels = nullptr;
            if (element->getUint16Array(pixels).bad() || pixels == nullptr) throw Failure{"cannot access Pixel Data"};
            for (size_t i = 0; i < count; ++i) pixels[i] &= Uint16(mask);
        }
        // The planes are gone: so is every attribute that described them.
        for (Uint16 group : groups) {
            for (unsigned long i = ds->card(); i-- > 0;) {
                DcmElement *candidate = ds->getElement(i);
                if (candidate != nullptr && candidate->getGTag() == group) delete ds->remove(i);
            }
        }
        return long(groups.size());
    });
}

long cdcmtk_drop_bytes_after_native_frames(cdcmtk_file *file, char *err, size_t errlen) {
    return guarded(err, errlen, -1L, [&]() -> long {
        DcmDataset *ds = file->format.getDataset();
        if (DcmXfer(ds->getOriginalXfer()).isEncapsulated() || cdcmtk::isHighThroughputJ2K(file->transferSyntaxUID)) return 0;
        DcmElement *element = nullptr;
        if (ds->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) return 0;
        cdcmtk_pixel_layout layout{};
        cdcmtk::readStoredLayout(ds, &layout);
        const uint64_t expected = cdcmtk::expectedBytes(layout), length = element->getLength();
        if (expected == 0 || expected == UINT64_MAX || length <= expected + (expected & 1)) return 0;
        OFCondition status;
        if (element->getTag().getEVR() == EVR_OW) {
            Uint16 *words = nullptr;
            if (element->getUint16Array(words).bad() || words == nullptr) throw Failure{"cannot access Pixel Data"};
            std::vector<Uint16> kept(words, words + (expected + 1) / 2);
            status = element->putUint16Array(kept.data(), OFstatic_cast(unsigned long, kept.size()));
        } else {
            Uint8 *bytes = nullptr;
            if (element->getUint8Array(bytes).bad() || bytes == nullptr) throw Failure{"cannot access Pixel Data"};
            std::vector<Uint8> kept(bytes, bytes + expected);
            status = element->putUint8Array(kept.data(), OFstatic_cast(unsigned long, kept.size()));
        }
        if (status.bad()) throw Failure{std::string("cannot shorten Pixel Data: ") + status.text()};
        return long(length - element->getLength());
    });
}

int cdcmtk_save(cdcmtk_file *file, const char *path, char *written_xfer, char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        const E_TransferSyntax target = writableXfer(file->format.getDataset());
        const E_FileWriteMode mode = cdcmtk::prepareMetaForWriting(file, target);
        const std::string temporary = std::string(path) + ".tmp" + std::to_string(getpid()) + "-" +
                                      std::to_string(temporaryCounter.fetch_add(1));
        OFCondition status = file->format.saveFile(OFFilename(temporary.c_str()), target, EET_ExplicitLength,
                                                   EGL_recalcGL, EPD_noChange, 0, 0, mode);
        if (status.bad()) {
            unlink(temporary.c_str());
            throw Failure{std::string("cannot write ") + path + ": " + status.text()};
        }
        if (rename(temporary.c_str(), path) != 0) {
            int code = errno;
            unlink(temporary.c_str());
            throw Failure{std::string("cannot rename the written file to ") + path + ": " + strerror(code)};
        }
        copyXfer(file, target, written_xfer);
        return 0;
    });
}

int cdcmtk_serialize(cdcmtk_file *file, cdcmtk_serialized *out, char *err, size_t errlen) {
    *out = cdcmtk_serialized{};
    return guarded(err, errlen, -1, [&] {
        const E_TransferSyntax target = writableXfer(file->format.getDataset());
        const E_FileWriteMode mode = cdcmtk::prepareMetaForWriting(file, target);
        MemoryOutputStream stream;
        // The dataset's encoded length plus room for the preamble and a new meta header.
        const Uint32 estimate = file->format.getDataset()->calcElementLength(target, EET_ExplicitLength);
        if (estimate != DCM_UndefinedLength) stream.consumer.reserve(size_t(estimate) + 4096);
        DcmWriteCache cache;
        file->format.transferInit();
        OFCondition status = file->format.write(stream, target, EET_ExplicitLength, &cache, EGL_recalcGL, EPD_noChange,
                                                0, 0, 0, mode);
        file->format.transferEnd();
        if (status.bad()) throw Failure{std::string("cannot serialize the file: ") + status.text()};
        if (!pixelDataSpan(file, target, &out->pixel_offset, &out->pixel_length)) out->pixel_offset = out->pixel_length = 0;
        copyXfer(file, target, out->transfer_syntax);
        out->length = stream.consumer.size;
        out->bytes = stream.consumer.release();
        return 0;
    });
}

int cdcmtk_pixel_data_span(cdcmtk_file *file, uint64_t *offset, uint64_t *length, char *err, size_t errlen) {
    return guarded(err, errlen, -1, [&] {
        return pixelDataSpan(file, file->format.getDataset()->getOriginalXfer(), offset, length) ? 0 : 1;
    });
}
