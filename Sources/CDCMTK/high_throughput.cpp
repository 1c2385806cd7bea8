#include "internal.h"

/* High-Throughput JPEG 2000 (DICOM Supplement 235: 1.2.840.10008.1.2.4.201 lossless, .202 lossless with RPCL
 * progression, .203 lossy or lossless) is newer than DCMTK 3.6.7, which reads a dataset of a transfer syntax it does
 * not know as if it were not encapsulated. HTJ2K is encoded as JPEG 2000 is (explicit VR little endian, Pixel Data
 * encapsulated), so its dataset is read as JPEG 2000 and its frames decoded by OpenJPEG, which decodes HTJ2K
 * codestreams since 2.5; the file keeps its own UID, also when written compressed (DCMTK would name JPEG 2000 in its meta header). */
namespace cdcmtk {

bool isHighThroughputJ2K(const std::string &uid) {
    return uid == "1.2.840.10008.1.2.4.201" || uid == "1.2.840.10008.1.2.4.202" || uid == "1.2.840.10008.1.2.4.203";
}

std::string metaTransferSyntax(DcmFileFormat &format) {
    DcmMetaInfo *meta = format.getMetaInfo();
    DcmElement *element = nullptr;
    // Also asked after a failed read, whose element may declare gigabytes: a UID has at most 64 characters, and reading
    // a longer value would copy all it declares (4 GB and 12 s for a 333-byte file read whole).
    if (meta == nullptr || meta->findAndGetElement(DCM_TransferSyntaxUID, element).bad() || element == nullptr ||
        element->getLength() > 64)
        return "";
    OFString uid;
    if (element->getOFString(uid, 0).bad()) return "";
    return uid.c_str();
}

bool needsHighThroughputRead(DcmFileFormat &format) {
    DcmDataset *ds = format.getDataset();
    return ds != nullptr && !DcmXfer(ds->getOriginalXfer()).isEncapsulated() && isHighThroughputJ2K(metaTransferSyntax(format));
}

OFCondition readAsJPEG2000(DcmFileFormat &format, DcmInputStream &stream, Uint32 maxReadLength) {
    format.transferInit();
    OFCondition status = format.getMetaInfo()->read(stream, EXS_Unknown, EGL_noChange, maxReadLength);
    if (status.good()) status = format.getDataset()->read(stream, EXS_JPEG2000LosslessOnly, EGL_noChange, maxReadLength);
    format.transferEnd();
    return status;
}

E_FileWriteMode prepareMetaForWriting(cdcmtk_file *file, E_TransferSyntax target) {
    // Pixel data decoded in place (to blank it) is written uncompressed, under the UID of what is written.
    if (!file->highThroughputJ2K || target != EXS_JPEG2000LosslessOnly) return EWM_createNewMeta;
    OFCondition status = file->format.validateMetaInfo(target, EWM_createNewMeta);
    DcmMetaInfo *meta = file->format.getMetaInfo();
    if (status.good() && meta == nullptr) status = EC_IllegalCall;
    if (status.good()) status = meta->putAndInsertString(DCM_TransferSyntaxUID, file->transferSyntaxUID.c_str());
    // The group length counts the elements after its own 12 bytes.
    if (status.good())
        status = meta->putAndInsertUint32(DCM_FileMetaInformationGroupLength,
                                          meta->getLength(EXS_LittleEndianExplicit, EET_ExplicitLength) - 12);
    if (status.bad()) throw Failure{std::string("cannot make the meta header of High-Throughput JPEG 2000: ") + status.text()};
    return EWM_dontUpdateMeta;
}

}  // namespace cdcmtk
