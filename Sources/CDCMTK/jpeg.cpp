#include "internal.h"
#include <turbojpeg.h>
#include <cstring>

namespace cdcmtk {
JPEGTurboDecoder::JPEGTurboDecoder() : handle(tjInitDecompress()) {}

JPEGTurboDecoder::~JPEGTurboDecoder() {
    if (handle != nullptr) tjDestroy(handle);
}

std::string JPEGTurboDecoder::decodeFrame(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns,
                                          uint32_t samples, std::vector<uint8_t> &buffer) {
    if (handle == nullptr) return "libjpeg-turbo could not create a decompressor";
    if (samples != 1 && samples != 3) return "SamplesPerPixel " + std::to_string(samples) + " is not 1 or 3";
    // Fragments are padded to an even length: look for EOI before the padding.
    size_t end = size;
    while (end > 0 && data[end - 1] == 0x00) --end;
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return "the frame does not start with a JPEG SOI marker";
    std::vector<uint8_t> completed;
    if (!(end >= 2 && data[end - 2] == 0xFF && data[end - 1] == 0xD9)) {
        // A stream whose scans are complete but which ends without EOI (DCMTK's IJG decoder waits for more
        // data and fails): give it its EOI. A stream cut inside a scan still fails below ("premature end of
        // data segment").
        completed.assign(data, data + end);
        completed.push_back(0xFF);
        completed.push_back(0xD9);
        data = completed.data();
        end = completed.size();
    }

    int width = 0, height = 0, subsampling = 0, colourspace = 0;
    if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(end), &width, &height, &subsampling, &colourspace) != 0)
        return std::string("libjpeg-turbo cannot read the header: ") + tjGetErrorStr2(handle);
    if (uint32_t(width) != columns || uint32_t(height) != rows)
        return "the JPEG frame is " + std::to_string(width) + " x " + std::to_string(height) + ", expected " +
               std::to_string(columns) + " x " + std::to_string(rows);
    const uint32_t components = colourspace == TJCS_GRAY ? 1 : (colourspace == TJCS_CMYK || colourspace == TJCS_YCCK) ? 4 : 3;
    if (components != samples)
        return "the JPEG frame has " + std::to_string(components) + " components, SamplesPerPixel is " + std::to_string(samples);

    const size_t frameBytes = size_t(rows) * columns * samples;
    const size_t start = buffer.size();
    buffer.resize(start + frameBytes);
    // Accurate IDCT and fancy upsampling, like DCMTK's IJG decoder; a warning (corrupt or truncated data)
    // stops the decode and is reported as an error.
    const int flags = TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
    if (tjDecompress2(handle, data, static_cast<unsigned long>(end), buffer.data() + start, width, int(columns * samples),
                      height, samples == 1 ? TJPF_GRAY : TJPF_RGB, flags) != 0) {
        buffer.resize(start);
        return std::string("libjpeg-turbo cannot decode: ") + tjGetErrorStr2(handle);
    }
    return "";
}
}
