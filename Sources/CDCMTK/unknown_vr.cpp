#include "internal.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include <memory>

namespace {
/* The attribute `key` with its `value` bytes parsed as DCMTK parses an implicit VR element: with the data
 * dictionary's VR, numbers in `order`. Null when the bytes do not parse as that VR. */
DcmElement *reparse(const DcmTagKey &key, const Uint8 *value, Uint32 length, E_ByteOrder order) {
    std::vector<Uint8> encoded(8 + size_t(length));
    const Uint16 group = key.getGroup(), element = key.getElement();
    const bool little = order != EBO_BigEndian;
    auto put16 = [&](size_t at, Uint16 v) {
        encoded[at + (little ? 0 : 1)] = Uint8(v & 0xFF);
        encoded[at + (little ? 1 : 0)] = Uint8(v >> 8);
    };
    put16(0, group);
    put16(2, element);
    put16(little ? 4 : 6, Uint16(length & 0xFFFF));
    put16(little ? 6 : 4, Uint16(length >> 16));
    if (length > 0) memcpy(encoded.data() + 8, value, length);

    DcmDataset parsed;
    DcmInputBufferStream stream;
    stream.setBuffer(encoded.data(), offile_off_t(encoded.size()));
    stream.setEos();
    parsed.transferInit();
    OFCondition status = parsed.read(stream, little ? EXS_LittleEndianImplicit : EXS_BigEndianImplicit, EGL_noChange,
                                     DCM_UndefinedLength);
    parsed.transferEnd();
    if (status.bad() || parsed.card() != 1) return nullptr;
    DcmElement *result = parsed.remove(key);
    if (result != nullptr && result->ident() == EVR_UN) {
        delete result;
        return nullptr;
    }
    return result;
}

bool hasDictionaryVR(const DcmTagKey &key) {
    DcmTag tag(key);  // looks the VR up in the data dictionary
    switch (tag.getEVR()) {
    case EVR_UN: case EVR_UNKNOWN: case EVR_UNKNOWN2B: case EVR_na:
        return false;
    default:
        return true;
    }
}
}

namespace cdcmtk {
void resolveUnknownVRs(DcmItem *item, E_ByteOrder order) {
    std::vector<DcmElement *> unknown;
    for (DcmObject *object = item->nextInContainer(nullptr); object != nullptr; object = item->nextInContainer(object)) {
        if (object->ident() == EVR_SQ) {
            auto *sequence = OFstatic_cast(DcmSequenceOfItems *, object);
            for (unsigned long i = 0; i < sequence->card(); ++i) resolveUnknownVRs(sequence->getItem(i), order);
            continue;
        }
        const DcmTagKey key = object->getTag();
        // pydicom (config.replace_un_with_known_vr) converts values shorter than 64 KiB; private VRs
        // depend on their creator and are not converted.
        if (object->ident() == EVR_UN && !object->getTag().isPrivate() && object->getLength() < 0xFFFF &&
            key != DCM_PixelData && hasDictionaryVR(key))
            unknown.push_back(OFstatic_cast(DcmElement *, object));
    }
    for (DcmElement *element : unknown) {
        Uint8 *value = nullptr;
        const Uint32 length = element->getLength();
        if (length > 0 && (element->getUint8Array(value).bad() || value == nullptr)) continue;
        DcmElement *typed = reparse(element->getTag(), value, length, order);
        if (typed == nullptr) continue;  // not a valid value of that VR: it stays UN
        if (item->insert(typed, OFTrue /* replace (and delete) the UN element */).bad()) delete typed;
    }
}
}
