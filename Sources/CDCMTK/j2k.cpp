#include "internal.h"
#include "guard.h"
#include <openjpeg-2.5/openjpeg.h>
#include <cstring>
#include <memory>

namespace {
struct MemoryStream {
    const uint8_t *data;
    size_t size;
    size_t position;
};

OPJ_SIZE_T readBytes(void *buffer, OPJ_SIZE_T count, void *user) {
    auto *s = static_cast<MemoryStream *>(user);
    if (s->position >= s->size) return static_cast<OPJ_SIZE_T>(-1);
    size_t n = count < s->size - s->position ? count : s->size - s->position;
    memcpy(buffer, s->data + s->position, n);
    s->position += n;
    return n;
}

OPJ_OFF_T skipBytes(OPJ_OFF_T count, void *user) {
    auto *s = static_cast<MemoryStream *>(user);
    if (count < 0) {
        size_t back = static_cast<size_t>(-count) < s->position ? static_cast<size_t>(-count) : s->position;
        s->position -= back;
        return -static_cast<OPJ_OFF_T>(back);
    }
    size_t n = static_cast<size_t>(count) < s->size - s->position ? static_cast<size_t>(count) : s->size - s->position;
    s->position += n;
    return static_cast<OPJ_OFF_T>(n);
}

OPJ_BOOL seekTo(OPJ_OFF_T position, void *user) {
    auto *s = static_cast<MemoryStream *>(user);
    if (position < 0 || static_cast<size_t>(position) > s->size) return OPJ_FALSE;
    s->position = static_cast<size_t>(position);
    return OPJ_TRUE;
}

void keepError(const char *message, void *user) {
    auto *text = static_cast<std::string *>(user);
    if (text->empty()) {
        *text = message;
        while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
    }
}

void ignoreMessage(const char *, void *) {}

/* Why the image a codestream's header declares is not `columns` x `rows` x `samples` of at most `bytesPerSample` bytes,
 * or an empty string. Checked before decoding: OpenJPEG allocates and fills the whole image its header declares (a
 * 40000 x 40000 SIZ in a 10 x 12 file took gigabytes before the decoded size could be compared). A component's size is
 * OpenJPEG's own: ceil(x1 / dx) - ceil(x0 / dx) columns, likewise rows. */
std::string declaredImageProblem(const opj_image_t &image, uint32_t rows, uint32_t columns, uint32_t samples, uint32_t bytesPerSample) {
    if (image.numcomps != samples)
        return "codestream has " + std::to_string(image.numcomps) + " components, SamplesPerPixel is " + std::to_string(samples);
    auto ceilDiv = [](uint64_t a, uint64_t b) { return (a + b - 1) / b; };
    for (uint32_t c = 0; c < samples; ++c) {
        const opj_image_comp_t &comp = image.comps[c];
        if (comp.dx == 0 || comp.dy == 0) return "component " + std::to_string(c) + " has a subsampling of 0";
        const uint64_t w = ceilDiv(image.x1, comp.dx) - ceilDiv(image.x0, comp.dx);
        const uint64_t h = ceilDiv(image.y1, comp.dy) - ceilDiv(image.y0, comp.dy);
        if (w != columns || h != rows)
            return "component " + std::to_string(c) + " is " + std::to_string(w) + " x " + std::to_string(h) +
                   ", expected " + std::to_string(columns) + " x " + std::to_string(rows);
        if (comp.prec > 8 * bytesPerSample)
            return "precision " + std::to_string(comp.prec) + " bits exceeds BitsAllocated " + std::to_string(8 * bytesPerSample);
    }
    return "";
}

/* A call into OpenJPEG that may fail one of its assertions on a corrupt codestream, run under cdcmtk_guard_assertions:
 * reading the header (into `image`), or decoding into `image` and ending the decompression. Its frame owns nothing
 * with a destructor, as the guard requires. */
struct OpenJPEGCall {
    opj_codec_t *codec;
    opj_stream_t *stream;
    opj_image_t *image;
    OPJ_BOOL succeeded;
};

void readHeader(void *context) {
    auto *call = static_cast<OpenJPEGCall *>(context);
    call->succeeded = opj_read_header(call->stream, call->codec, &call->image);
}

void decodeImage(void *context) {
    auto *call = static_cast<OpenJPEGCall *>(context);
    call->succeeded = opj_decode(call->codec, call->stream, call->image) && opj_end_decompress(call->codec, call->stream);
}

struct CodecDeleter { void operator()(opj_codec_t *c) const { opj_destroy_codec(c); } };
struct StreamDeleter { void operator()(opj_stream_t *s) const { opj_stream_destroy(s); } };
struct ImageDeleter { void operator()(opj_image_t *i) const { opj_image_destroy(i); } };
}

namespace cdcmtk {
std::string decodeJ2KFrame(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns, uint32_t samples,
                           uint32_t bytesPerSample, std::vector<uint8_t> &buffer, J2KFrameInfo &info) {
    static const uint8_t jp2Signature[8] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20};
    if (size < 4) return "codestream of " + std::to_string(size) + " bytes is too short";
    bool jp2 = size >= 8 && memcmp(data, jp2Signature, 8) == 0;
    if (!jp2 && !(data[0] == 0xFF && data[1] == 0x4F)) return "neither a J2K codestream (FF4F) nor a JP2 file";

    std::string error;
    std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
    if (!codec) return "OpenJPEG could not create a decoder";
    opj_set_error_handler(codec.get(), keepError, &error);
    opj_set_warning_handler(codec.get(), ignoreMessage, nullptr);
    opj_set_info_handler(codec.get(), ignoreMessage, nullptr);
    // Decoded on this thread whatever OPJ_NUM_THREADS says, so that the assertion guard below covers all of it.
    opj_codec_set_threads(codec.get(), 0);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (!opj_setup_decoder(codec.get(), &parameters)) return "OpenJPEG decoder setup failed: " + error;

    MemoryStream memory{data, size, 0};
    std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE));
    if (!stream) return "OpenJPEG could not create a stream";
    opj_stream_set_user_data(stream.get(), &memory, nullptr);
    opj_stream_set_user_data_length(stream.get(), size);
    opj_stream_set_read_function(stream.get(), readBytes);
    opj_stream_set_skip_function(stream.get(), skipBytes);
    opj_stream_set_seek_function(stream.get(), seekTo);

    // After a failed assertion, OpenJPEG's codec and image are left as they were mid-call: released, not destroyed.
    char assertion[512] = "";
    OpenJPEGCall call{codec.get(), stream.get(), nullptr, OPJ_FALSE};
    if (cdcmtk_guard_assertions(readHeader, &call, assertion, sizeof assertion)) {
        codec.release();
        return std::string("corrupt JPEG 2000 header: OpenJPEG's ") + assertion;
    }
    if (!call.succeeded) return "cannot read the JPEG 2000 header: " + error;
    std::unique_ptr<opj_image_t, ImageDeleter> image(call.image);
    const std::string declared = declaredImageProblem(*image, rows, columns, samples, bytesPerSample);
    if (!declared.empty()) return declared;
    if (cdcmtk_guard_assertions(decodeImage, &call, assertion, sizeof assertion)) {
        codec.release();
        image.release();
        return std::string("corrupt codestream: OpenJPEG's ") + assertion;
    }
    if (!call.succeeded) return "OpenJPEG cannot decode: " + (error.empty() ? std::string("corrupt codestream") : error);

    // The samples copied below are the decoded components', which must be as the header declared.
    for (uint32_t c = 0; c < samples; ++c) {
        const opj_image_comp_t &comp = image->comps[c];
        if (comp.data == nullptr || comp.w != columns || comp.h != rows) return "component " + std::to_string(c) + " was not decoded whole";
    }
    info.width = image->comps[0].w;
    info.height = image->comps[0].h;
    info.components = image->numcomps;
    info.precision = image->comps[0].prec;
    info.isSigned = image->comps[0].sgnd;

    const size_t pixels = size_t(rows) * columns;
    const size_t start = buffer.size();
    buffer.resize(start + pixels * samples * bytesPerSample);
    uint8_t *out = buffer.data() + start;
    for (uint32_t c = 0; c < samples; ++c) {
        const OPJ_INT32 *src = image->comps[c].data;
        switch (bytesPerSample) {
        case 1:
            for (size_t i = 0; i < pixels; ++i) out[i * samples + c] = static_cast<uint8_t>(src[i]);
            break;
        case 2:
            for (size_t i = 0; i < pixels; ++i) {
                uint16_t v = static_cast<uint16_t>(src[i]);
                uint8_t *p = out + 2 * (i * samples + c);
                p[0] = v & 0xFF;
                p[1] = v >> 8;
            }
            break;
        default:
            for (size_t i = 0; i < pixels; ++i) {
                uint32_t v = static_cast<uint32_t>(src[i]);
                uint8_t *p = out + 4 * (i * samples + c);
                p[0] = v & 0xFF; p[1] = (v >> 8) & 0xFF; p[2] = (v >> 16) & 0xFF; p[3] = v >> 24;
            }
        }
    }
    return "";
}
}
