// Writing new DICOM files: attributes given as text by DCMTK path, native pixel data, explicit VR
// little endian with a File Meta Information header.
#include "internal.h"
#include "dcmtk/dcmdata/dcpath.h"
#include <stdexcept>

using cdcmtk::setError;

namespace {
/* Sets the leaf attribute of `path` (created with its sequences and items) to `value`. */
void putPath(DcmDataset *dataset, const char *path, const char *value) {
    DcmPathProcessor processor;
    OFCondition status = processor.findOrCreatePath(dataset, path, OFTrue);
    if (status.bad()) throw std::runtime_error(std::string("cannot create ") + path + ": " + status.text());
    OFList<DcmPath *> results;
    processor.getResults(results);
    if (results.empty() || results.front()->empty()) throw std::runtime_error(std::string("no attribute at ") + path);
    DcmObject *leaf = results.front()->back()->m_obj;
    auto *element = dynamic_cast<DcmElement *>(leaf);
    if (element == nullptr) throw std::runtime_error(std::string(path) + " does not end at an attribute");
    if (element->ident() == EVR_SQ) {
        if (*value != 0) throw std::runtime_error(std::string(path) + " is a sequence and takes no value");
        return;
    }
    status = element->putString(value);
    if (status.bad()) throw std::runtime_error(std::string("cannot set ") + path + ": " + status.text());
}
}

int cdcmtk_write_file(const char *path, const char *const *paths, const char *const *values, size_t count,
                      const void *pixels, size_t pixel_length, uint32_t bits_allocated, char *err, size_t errlen) {
    try {
        cdcmtk_register_codecs();
        if (bits_allocated != 8 && bits_allocated != 16) {
            setError(err, errlen, "pixel data must be 8 or 16 bits allocated, not " + std::to_string(bits_allocated));
            return -1;
        }
        if (pixel_length % 2 != 0 && bits_allocated == 16) {
            setError(err, errlen, "16-bit pixel data of an odd length (" + std::to_string(pixel_length) + " bytes)");
            return -1;
        }
        DcmFileFormat format;
        DcmDataset *dataset = format.getDataset();
        for (size_t i = 0; i < count; ++i) putPath(dataset, paths[i], values[i]);
        if (pixels != nullptr) {
            OFCondition status = bits_allocated == 8
                ? dataset->putAndInsertUint8Array(DCM_PixelData, static_cast<const Uint8 *>(pixels), pixel_length)
                : dataset->putAndInsertUint16Array(DCM_PixelData, static_cast<const Uint16 *>(pixels), pixel_length / 2);
            if (status.bad()) {
                setError(err, errlen, std::string("cannot store the pixel data: ") + status.text());
                return -1;
            }
        }
        // EWM_fileformat builds the meta header (SOP class and instance from the dataset, transfer syntax).
        OFCondition status = format.saveFile(OFFilename(path), EXS_LittleEndianExplicit, EET_ExplicitLength,
                                             EGL_recalcGL, EPD_withoutPadding, 0, 0, EWM_fileformat);
        if (status.bad()) {
            setError(err, errlen, std::string("DCMTK cannot write the file: ") + status.text());
            return -1;
        }
        return 0;
    } catch (const std::exception &e) {
        setError(err, errlen, e.what());
    } catch (...) {
        setError(err, errlen, "DCMTK failed with an unknown exception");
    }
    return -1;
}
