#include "internal.h"
#include <cstdlib>
#include <new>

using cdcmtk::Failure;

namespace {
/* Value `index` of a US or SS element as its 16-bit pattern. */
Uint16 word(DcmElement *element, unsigned long index) {
    if (element->ident() == EVR_SS) {
        Sint16 value = 0;
        if (element->getSint16(value, index).bad()) throw Failure{"cannot read LUT Descriptor (0028,3002)"};
        return Uint16(value);
    }
    Uint16 value = 0;
    if (element->getUint16(value, index).bad()) throw Failure{"cannot read LUT Descriptor (0028,3002)"};
    return value;
}
}

int cdcmtk_read_modality_lut(cdcmtk_file *file, cdcmtk_modality_lut *lut, char *err, size_t errlen) {
    *lut = cdcmtk_modality_lut{};
    return cdcmtk::guarded(err, errlen, -1, [&] {
        DcmDataset *ds = file->format.getDataset();
        DcmItem *item = nullptr;
        if (ds->findAndGetSequenceItem(DCM_ModalityLUTSequence, item, 0).bad() || item == nullptr) return 0;
        DcmElement *descriptor = nullptr;
        if (item->findAndGetElement(DCM_LUTDescriptor, descriptor).bad() || descriptor == nullptr)
            throw Failure{"the Modality LUT Sequence (0028,3000) has no LUT Descriptor (0028,3002)"};
        if (descriptor->ident() != EVR_US && descriptor->ident() != EVR_SS)
            throw Failure{std::string("LUT Descriptor (0028,3002) has VR ") + DcmVR(descriptor->ident()).getVRName() +
                          ", expected US or SS"};
        if (descriptor->getVM() != 3)
            throw Failure{"LUT Descriptor (0028,3002) holds " + std::to_string(descriptor->getVM()) + " values, expected 3"};
        // The first mapped value is signed when encoded SS, or, in implicit VR, when the pixel data is signed
        // (pydicom's rule for the ambiguous US-or-SS VR); the number of entries is unsigned, 0 meaning 65536.
        Uint16 pixelRepresentation = 0;
        ds->findAndGetUint16(DCM_PixelRepresentation, pixelRepresentation);
        const bool implicitVR = DcmXfer(ds->getOriginalXfer()).isImplicitVR();
        const bool signedFirst = descriptor->ident() == EVR_SS || (implicitVR && pixelRepresentation == 1);
        const Uint16 count = word(descriptor, 0), first = word(descriptor, 1);
        lut->entries = count == 0 ? 65536u : count;
        lut->first_mapped = signedFirst ? int32_t(Sint16(first)) : int32_t(first);
        lut->bit_depth = word(descriptor, 2);

        DcmElement *data = nullptr;
        if (item->findAndGetElement(DCM_LUTData, data).bad() || data == nullptr)
            throw Failure{"the Modality LUT Sequence (0028,3000) has no LUT Data (0028,3006)"};
        Uint16 *words = nullptr;
        if (data->getUint16Array(words).bad() || (words == nullptr && data->getLength() > 0))
            throw Failure{std::string("LUT Data (0028,3006) with VR ") + DcmVR(data->ident()).getVRName() +
                          " cannot be read as 16-bit values"};
        const size_t available = data->getLength() / 2;
        if (available < lut->entries)
            throw Failure{"LUT Data (0028,3006) holds " + std::to_string(available) + " values, LUT Descriptor (0028,3002) says " +
                          std::to_string(lut->entries) + " entries"};
        lut->data = static_cast<uint16_t *>(malloc(sizeof(uint16_t) * lut->entries));
        if (lut->data == nullptr) throw std::bad_alloc();
        memcpy(lut->data, words, sizeof(uint16_t) * lut->entries);
        return 1;
    });
}
