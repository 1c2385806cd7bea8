#include "internal.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcistrmf.h"
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>

using cdcmtk::setError;

namespace {
/* True when `head` (the first `n` bytes of a file, at most 132 looked at) starts like DICOM: "DICM"
 * after a 128-byte preamble, or a plausible first element (group 0002 or 0008, little or big endian)
 * for a stream without preamble. */
bool startsLikeDICOM(const unsigned char *head, size_t n, std::string &reason) {
    if (n >= 132 && memcmp(head + 128, "DICM", 4) == 0) return true;
    if (n >= 8) {
        unsigned little = head[0] | head[1] << 8, big = head[0] << 8 | head[1];
        if (little == 0x0002 || little == 0x0008 || big == 0x0002 || big == 0x0008) return true;
    }
    reason = n < 8 ? "not a DICOM file: only " + std::to_string(n) + " bytes"
                   : "not a DICOM file: no 'DICM' at byte 128 and no group 0002/0008 element at byte 0";
    return false;
}

/* startsLikeDICOM for the file at `path`. */
bool looksLikeDICOM(const char *path, std::string &reason) {
    FILE *f = fopen(path, "rb");
    if (f == nullptr) { reason = std::string("cannot open: ") + strerror(errno); return false; }
    unsigned char head[132];
    size_t n = fread(head, 1, sizeof head, f);
    const bool failed = ferror(f) != 0;
    const int error = errno;
    fclose(f);
    if (failed) { reason = std::string("cannot read: ") + strerror(error); return false; }
    return startsLikeDICOM(head, n, reason);
}

/* nestingProblem for the file at `path`. */
std::string nestingProblemOfFile(const char *path) {
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "";  // DCMTK reports it
    struct stat info;
    std::string problem = fstat(fd, &info) == 0 && info.st_size > 0 ? cdcmtk::nestingProblemOfFile(fd, uint64_t(info.st_size)) : "";
    ::close(fd);
    return problem;
}

/* The whole file at `path` (read in one call when its size is known). */
bool readWhole(const char *path, std::vector<unsigned char> &bytes, std::string &reason) {
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { reason = std::string("cannot open: ") + strerror(errno); return false; }
    struct stat info;
    bytes.resize(fstat(fd, &info) == 0 && info.st_size > 0 ? size_t(info.st_size) + 1 : 65536);
    size_t have = 0;
    while (true) {
        if (have == bytes.size()) bytes.resize(bytes.size() * 2);
        const ssize_t n = ::read(fd, bytes.data() + have, bytes.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { reason = std::string("cannot read: ") + strerror(errno); ::close(fd); return false; }
        if (n == 0) break;
        have += size_t(n);
    }
    ::close(fd);
    bytes.resize(have);
    return true;
}

/* After a failed load: when everything before Pixel Data parses and the file ends inside its value,
 * names the expected and found byte counts; otherwise an empty string. */
std::string describeTruncatedPixelData(const char *path) {
    DcmFileFormat format;
    DcmInputFileStream stream(path);
    if (stream.status().bad()) return "";
    format.transferInit();
    OFCondition status = format.readUntilTag(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, DCM_PixelData);
    format.transferEnd();
    if (status.bad()) return "";
    const uint64_t valueStart = stream.tell();
    FILE *f = fopen(path, "rb");
    if (f == nullptr) return "";
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    fclose(f);
    cdcmtk_pixel_layout layout{};
    cdcmtk::readStoredLayout(format.getDataset(), &layout);
    const uint64_t expected = cdcmtk::expectedBytes(layout);
    if (size < 0 || uint64_t(size) < valueStart || expected == 0) return "";
    const uint64_t found = uint64_t(size) - valueStart;
    if (DcmXfer(format.getDataset()->getOriginalXfer()).isEncapsulated() || cdcmtk::isHighThroughputJ2K(cdcmtk::metaTransferSyntax(format)))
        return "truncated pixel data (7FE0,0010): the file ends " + std::to_string(found) +
               " bytes into the compressed fragments, before the sequence delimiter";
    if (found >= expected) return "";
    return "truncated pixel data (7FE0,0010): expected " + cdcmtk::describeBytes(expected) + " (" +
           cdcmtk::describeLayout(layout) + "), found " + std::to_string(found) +
           " before the end of the file at byte " + std::to_string(size);
}

/* The error text for a failed load of `path` with DCMTK status `status`. */
std::string describeLoadFailure(const char *path, const OFCondition &status) {
    std::string truncated = describeTruncatedPixelData(path);
    if (!truncated.empty()) return truncated;
    return std::string(status == EC_StreamNotifyClient ? "truncated or corrupt file: " : "DCMTK cannot read the file: ") +
           status.text();
}
}

/* A new file for `path`, to be read again as High-Throughput JPEG 2000, in place of `file` (deleted). */
static cdcmtk_file *restartAsHighThroughput(cdcmtk_file *file, const char *path) {
    delete file;
    auto *again = new cdcmtk_file();
    again->path = path;
    again->highThroughputJ2K = true;
    return again;
}

/* Takes ownership of a file whose dataset `status` says was read, or deletes it and reports why. */
static cdcmtk_file *adopt(cdcmtk_file *file, const OFCondition &status, const char *path, char *err, size_t errlen) {
    if (status.bad()) {
        setError(err, errlen, describeLoadFailure(path, status));
        delete file;
        return nullptr;
    }
    DcmXfer xfer(file->format.getDataset()->getOriginalXfer());
    file->transferSyntaxUID = file->highThroughputJ2K ? cdcmtk::metaTransferSyntax(file->format) : xfer.getXferID();
    return file;
}

cdcmtk_file *cdcmtk_open(const char *path, uint32_t max_read_length, char *err, size_t errlen) {
    return cdcmtk::guarded(err, errlen, static_cast<cdcmtk_file *>(nullptr), [&]() -> cdcmtk_file * {
        cdcmtk_register_codecs();
        std::string reason;
        if (!looksLikeDICOM(path, reason)) { setError(err, errlen, reason); return nullptr; }
        if (!(reason = nestingProblemOfFile(path)).empty()) { setError(err, errlen, reason); return nullptr; }
        auto *file = new cdcmtk_file();
        file->path = path;
        const Uint32 maxRead = max_read_length == 0 ? DCM_MaxReadLength : max_read_length;
        OFCondition status = file->format.loadFile(OFFilename(path), EXS_Unknown, EGL_noChange, maxRead, ERM_autoDetect);
        if (cdcmtk::needsHighThroughputRead(file->format)) {  // also when the first read failed
            file = restartAsHighThroughput(file, path);
            DcmInputFileStream stream{OFFilename(path)};
            status = stream.status().bad() ? stream.status() : cdcmtk::readAsJPEG2000(file->format, stream, maxRead);
        }
        if (adopt(file, status, path, err, errlen) == nullptr) return nullptr;
        DcmDataset *ds = file->format.getDataset();
        cdcmtk::resolveUnknownVRs(ds, DcmXfer(ds->getOriginalXfer()).getByteOrder());
        return file;
    });
}

cdcmtk_file *cdcmtk_open_whole(const char *path, char *err, size_t errlen) {
    return cdcmtk::guarded(err, errlen, static_cast<cdcmtk_file *>(nullptr), [&]() -> cdcmtk_file * {
        cdcmtk_register_codecs();
        std::string reason;
        std::vector<unsigned char> bytes;
        if (!readWhole(path, bytes, reason) || !startsLikeDICOM(bytes.data(), bytes.size(), reason) ||
            !(reason = cdcmtk::nestingProblem(bytes.data(), bytes.size())).empty()) {
            setError(err, errlen, reason);
            return nullptr;
        }
        auto *file = new cdcmtk_file();
        file->path = path;
        DcmInputBufferStream stream;
        stream.setBuffer(bytes.data(), offile_off_t(bytes.size()));
        stream.setEos();
        file->format.transferInit();
        // A buffer stream cannot defer values: every value is copied out of `bytes` now.
        OFCondition status = file->format.read(stream, EXS_Unknown, EGL_noChange, DCM_UndefinedLength);
        file->format.transferEnd();
        if (cdcmtk::needsHighThroughputRead(file->format)) {  // also when the first read failed
            file = restartAsHighThroughput(file, path);
            DcmInputBufferStream again;
            again.setBuffer(bytes.data(), offile_off_t(bytes.size()));
            again.setEos();
            status = cdcmtk::readAsJPEG2000(file->format, again, DCM_UndefinedLength);
        }
        if (adopt(file, status, path, err, errlen) == nullptr) return nullptr;
        // As cdcmtk_open reads them: a standard attribute stored as UN (its Patient ID, its Study Instance UID) is
        // edited as what it is, not left as bytes that the profile's actions do not read.
        DcmDataset *ds = file->format.getDataset();
        cdcmtk::resolveUnknownVRs(ds, DcmXfer(ds->getOriginalXfer()).getByteOrder());
        return file;
    });
}

void cdcmtk_close(cdcmtk_file *file) {
    try { delete file; } catch (...) {}
}

const char *cdcmtk_transfer_syntax(const cdcmtk_file *file) {
    return file == nullptr ? "" : file->transferSyntaxUID.c_str();
}

int cdcmtk_get_strings(cdcmtk_file *file, const uint32_t *tags, size_t count, char **values, char *err, size_t errlen) {
    for (size_t i = 0; i < count; ++i) values[i] = nullptr;
    try {
        DcmItem *containers[2] = {file->format.getMetaInfo(), file->format.getDataset()};
        for (DcmItem *item : containers) {
            if (item == nullptr) continue;
            // nextInContainer walks the element list once (getElement(i) would restart from the head each time).
            for (DcmObject *object = item->nextInContainer(nullptr); object != nullptr; object = item->nextInContainer(object)) {
                const DcmTag &tag = object->getTag();
                const uint32_t key = uint32_t(tag.getGroup()) << 16 | tag.getElement();
                for (size_t i = 0; i < count; ++i) {
                    if (tags[i] != key || values[i] != nullptr) continue;
                    OFString value;
                    if (object->ident() != EVR_SQ && object->ident() != EVR_pixelSQ) {
                        OFCondition status = OFstatic_cast(DcmElement *, object)->getOFStringArray(value);
                        if (status.bad()) throw std::runtime_error(std::string("cannot read attribute value: ") + status.text());
                    }
                    values[i] = static_cast<char *>(malloc(value.size() + 1));
                    if (values[i] == nullptr) throw std::bad_alloc();
                    memcpy(values[i], value.c_str(), value.size() + 1);
                }
            }
        }
        return 0;
    } catch (const std::exception &e) {
        setError(err, errlen, std::string("DCMTK failed: ") + e.what());
    } catch (...) {
        setError(err, errlen, "DCMTK failed with an unknown exception");
    }
    for (size_t i = 0; i < count; ++i) { free(values[i]); values[i] = nullptr; }
    return -1;
}
