#include "internal.h"
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <jpeglib.h>

namespace {
/* libjpeg's error manager, extended with where to jump back to and the message of the error. */
struct ErrorJump {
    jpeg_error_mgr manager;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jumpOnError(j_common_ptr info) {
    ErrorJump *error = reinterpret_cast<ErrorJump *>(info->err);
    (*info->err->format_message)(info, error->message);
    std::longjmp(error->jump, 1);
}

/* A warning (level -1: corrupt or truncated data) ends the decode as an error; trace messages are ignored. */
void jumpOnWarning(j_common_ptr info, int level) {
    if (level < 0) jumpOnError(info);
}

/* Refuses a progressive stream with more than 500 scans (each scan re-reads the whole image: a small hostile
 * file would take minutes), as libjpeg-turbo's TJFLAG_LIMITSCANS does. */
void limitScans(j_common_ptr info) {
    j_decompress_ptr decompress = reinterpret_cast<j_decompress_ptr>(info);
    if (info->is_decompressor && decompress->progressive_mode && decompress->input_scan_number > 500) {
        ErrorJump *error = reinterpret_cast<ErrorJump *>(info->err);
        snprintf(error->message, sizeof error->message, "progressive JPEG with more than 500 scans");
        std::longjmp(error->jump, 1);
    }
}

/* What one frame declares, read by its header. */
struct FrameHeader {
    uint32_t width, height, components;
};

/* Decodes the JPEG stream `data` into `out` (rows of `columns × samples` bytes) once `accept` approves its header.
 * Colour is left as the codestream holds it (no YCbCr to RGB conversion) unless an Adobe APP14 marker says how to
 * convert it: what pydicom's Pillow plugin asks of libjpeg. Only plain C data lives in this frame, so that the
 * longjmp of an error skips no destructor. Returns 0, or 1 with `message` set. */
template <typename Accept>
int decodeStream(const uint8_t *data, size_t size, uint8_t *(*reserve)(void *, const FrameHeader &), void *context,
                 Accept accept, char (&message)[JMSG_LENGTH_MAX]) {
    jpeg_decompress_struct info;
    ErrorJump error;
    jpeg_progress_mgr progress;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = jumpOnError;
    error.manager.emit_message = jumpOnWarning;
    error.message[0] = 0;
    if (setjmp(error.jump)) {
        snprintf(message, sizeof message, "%s", error.message[0] ? error.message : "libjpeg error");
        jpeg_destroy_decompress(&info);
        return 1;
    }
    jpeg_create_decompress(&info);
    progress.progress_monitor = limitScans;
    info.progress = &progress;
    jpeg_mem_src(&info, data, static_cast<unsigned long>(size));
    jpeg_read_header(&info, TRUE);
    const FrameHeader header{info.image_width, info.image_height, uint32_t(info.num_components)};
    if (!accept(header, message)) {
        jpeg_destroy_decompress(&info);
        return 1;
    }
    if (header.components == 1) info.out_color_space = JCS_GRAYSCALE;
    else if (!info.saw_Adobe_marker) info.out_color_space = info.jpeg_color_space;
    else info.out_color_space = JCS_RGB;
    info.dct_method = JDCT_ISLOW;
    info.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&info);
    if (info.output_components != int(header.components)) {
        snprintf(message, sizeof message, "libjpeg gives %d components per pixel, expected %u", info.output_components,
                 header.components);
        jpeg_destroy_decompress(&info);
        return 1;
    }
    uint8_t *out = reserve(context, header);
    const size_t stride = size_t(header.width) * header.components;
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = out + size_t(info.output_scanline) * stride;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return 0;
}
}

namespace cdcmtk {
std::string decodeJPEGFrame(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns, uint32_t samples,
                            std::vector<uint8_t> &buffer) {
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
    struct Target {
        std::vector<uint8_t> *buffer;
        size_t start;
    } target{&buffer, buffer.size()};
    auto reserve = [](void *context, const FrameHeader &header) -> uint8_t * {
        Target *target = static_cast<Target *>(context);
        target->buffer->resize(target->start + size_t(header.width) * header.height * header.components);
        return target->buffer->data() + target->start;
    };
    auto accept = [&](const FrameHeader &header, char (&message)[JMSG_LENGTH_MAX]) {
        if (header.width != columns || header.height != rows) {
            snprintf(message, sizeof message, "the JPEG frame is %u x %u, expected %u x %u", header.width, header.height,
                     columns, rows);
            return false;
        }
        if (header.components != samples) {
            snprintf(message, sizeof message, "the JPEG frame has %u components, SamplesPerPixel is %u", header.components,
                     samples);
            return false;
        }
        return true;
    };
    char message[JMSG_LENGTH_MAX];
    if (decodeStream(data, end, reserve, &target, accept, message) != 0) {
        buffer.resize(target.start);
        return std::string("libjpeg-turbo cannot decode: ") + message;
    }
    return "";
}
}
