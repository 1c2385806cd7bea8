// How deep a file's sequences nest, from its bytes, before DCMTK reads it: DCMTK's reader (and every walk of a
// dataset after it) recurses once per level, and about 6,000 nested sequences (a 120 KB file) exhaust a thread's
// stack. The walk follows the element headers only, skipping values by their lengths, without recursion, reading a
// file through a small window (one read of the first 16 KB covers a typical image's attributes).
#include "internal.h"
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cstring>
#include <zlib.h>

namespace {
uint16_t u16(const unsigned char *p, bool little) { return little ? uint16_t(p[0] | p[1] << 8) : uint16_t(p[0] << 8 | p[1]); }
uint32_t u32(const unsigned char *p, bool little) {
    return little ? uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24
                  : uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

/* The explicit VRs whose length takes 4 bytes after 2 reserved ones. */
bool hasLongLength(unsigned char a, unsigned char b) {
    static const char *const vrs[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
    for (const char *vr : vrs) if (a == vr[0] && b == vr[1]) return true;
    return false;
}

const uint32_t undefinedLength = 0xFFFFFFFF;

/* Bytes in memory. */
struct MemoryBytes {
    const unsigned char *p;
    uint64_t n;
    uint64_t size() const { return n; }
    /* The `len` bytes at `pos`, or null past the end. */
    const unsigned char *at(uint64_t pos, size_t len) { return pos <= n && len <= n - pos ? p + pos : nullptr; }
};

/* A file's bytes through a window read where it is needed. */
struct FileBytesWindow {
    int fd;
    uint64_t n;
    unsigned char window[16384];
    uint64_t start = 0;
    size_t have = 0;
    uint64_t size() const { return n; }
    const unsigned char *at(uint64_t pos, size_t len) {
        if (pos > n || len > n - pos || len > sizeof window) return nullptr;
        if (pos < start || pos + len > start + have) {
            const ssize_t got = pread(fd, window, sizeof window, off_t(pos));
            start = pos;
            have = got > 0 ? size_t(got) : 0;
            if (len > have) return nullptr;
        }
        return window + (pos - start);
    }
};

/* The deepest nesting of items in the dataset of `bytes` from `start`, encoded as `little` and `explicitVR` say, or
 * `limit` + 1 as soon as it is passed. A sequence of undefined length, an SQ, and any value that opens with an item
 * tag (DCMTK reads a UN or a private tag its dictionary knows as a sequence) are walked into; an item of an
 * encapsulated value (pixel fragments) is not. A UN of undefined length holds implicit VR little endian. */
template <typename Bytes> unsigned deepestNesting(Bytes &bytes, uint64_t start, bool little, bool explicitVR, unsigned limit) {
    struct Open {
        uint64_t end;       // UINT64_MAX: undefined length, closed by a delimiter
        bool item;          // an item, else a sequence
        bool explicitVR;    // how the elements inside are encoded
        bool opaque;        // a sequence whose items are fragments, not datasets
    };
    std::vector<Open> open;
    unsigned items = 0, deepest = 0;
    uint64_t pos = start;
    auto isItemTag = [&](uint64_t at) {
        const unsigned char *tag = bytes.at(at, 4);
        return tag != nullptr && u16(tag, little) == 0xFFFE && u16(tag + 2, little) == 0xE000;
    };
    while (const unsigned char *h = bytes.at(pos, 8)) {
        while (!open.empty() && open.back().end <= pos) {
            if (open.back().item) --items;
            open.pop_back();
        }
        const bool inExplicit = open.empty() ? explicitVR : open.back().explicitVR;
        const uint16_t group = u16(h, little), element = u16(h + 2, little);
        if (group == 0xFFFE) {
            const uint32_t length = u32(h + 4, little);
            pos += 8;
            if (element == 0xE000) {
                const bool opaque = !open.empty() && !open.back().item && open.back().opaque;
                const uint64_t end = length == undefinedLength ? UINT64_MAX : pos + length;
                if (opaque) {
                    if (length == undefinedLength) return deepest;  // a fragment must have a length: DCMTK refuses it
                    pos = end;
                    continue;
                }
                open.push_back({end, true, inExplicit, false});
                deepest = std::max(deepest, ++items);
                if (deepest > limit) return deepest;
            } else if (element == 0xE00D || element == 0xE0DD) {  // closes the innermost item, or sequence
                const bool closesItem = element == 0xE00D;
                while (!open.empty()) {
                    const Open closed = open.back();
                    open.pop_back();
                    if (closed.item) --items;
                    if (closed.item == closesItem) break;
                }
            }
            continue;
        }
        uint64_t length;
        bool sequence = false, unknown = false, encapsulated = false;
        if (inExplicit) {
            const unsigned char a = h[4], b = h[5];
            if (hasLongLength(a, b)) {
                const unsigned char *longHeader = bytes.at(pos, 12);
                if (longHeader == nullptr) break;
                length = u32(longHeader + 8, little);
                pos += 12;
            } else {
                length = u16(h + 6, little);
                pos += 8;
            }
            sequence = a == 'S' && b == 'Q';
            unknown = a == 'U' && b == 'N';
            encapsulated = length == undefinedLength && !sequence && !unknown;
        } else {
            length = u32(h + 4, little);
            pos += 8;
            encapsulated = length == undefinedLength && group == 0x7FE0;
        }
        const bool childrenExplicit = inExplicit && !(unknown && length == undefinedLength);
        if (length == undefinedLength) {
            open.push_back({UINT64_MAX, false, childrenExplicit, encapsulated});
        } else if (sequence || isItemTag(pos)) {
            open.push_back({pos + length, false, childrenExplicit && !unknown, false});
        } else {
            pos += length;
        }
    }
    return deepest;
}

/* The inflated bytes of a deflated dataset (raw deflate), at most `cap` of them. */
std::vector<unsigned char> inflated(const unsigned char *p, size_t n, size_t cap) {
    std::vector<unsigned char> out;
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return out;
    z.next_in = const_cast<unsigned char *>(p);
    z.avail_in = uInt(std::min<size_t>(n, UINT32_MAX));
    unsigned char chunk[65536];
    int status = Z_OK;
    while (status == Z_OK && out.size() < cap) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        status = inflate(&z, Z_NO_FLUSH);
        out.insert(out.end(), chunk, chunk + (sizeof chunk - z.avail_out));
        if (z.avail_out == sizeof chunk && status == Z_OK) break;  // no progress
    }
    inflateEnd(&z);
    return out;
}

/* nestingProblem over `bytes`; `whole` gives the bytes from an offset to the end, for a deflated dataset. */
template <typename Bytes, typename Whole> std::string problemOf(Bytes &bytes, Whole whole) {
    // The meta header: explicit VR little endian after the preamble, or first in a stream without one.
    const unsigned char *magic = bytes.at(128, 4);
    uint64_t pos = magic != nullptr && memcmp(magic, "DICM", 4) == 0 ? 132 : 0;
    std::string syntax;
    while (const unsigned char *h = bytes.at(pos, 8)) {
        if (u16(h, true) != 0x0002) break;
        const uint16_t element = u16(h + 2, true);
        const bool longLength = hasLongLength(h[4], h[5]);
        const unsigned char *full = bytes.at(pos, longLength ? 12 : 8);
        if (full == nullptr) break;
        const uint64_t length = longLength ? u32(full + 8, true) : u16(full + 6, true);
        const size_t header = longLength ? 12 : 8;
        if (length == undefinedLength) break;
        if (element == 0x0010) {
            const unsigned char *value = bytes.at(pos + header, size_t(std::min<uint64_t>(length, 64)));
            if (value == nullptr) break;
            syntax.assign(reinterpret_cast<const char *>(value), size_t(std::min<uint64_t>(length, 64)));
        }
        pos += header + length;
    }
    while (!syntax.empty() && (syntax.back() == '\0' || syntax.back() == ' ')) syntax.pop_back();
    bool little = true, explicitVR = true;
    if (syntax == "1.2.840.10008.1.2") explicitVR = false;
    else if (syntax == "1.2.840.10008.1.2.2") little = false;
    else if (const unsigned char *h = syntax.empty() ? bytes.at(pos, 6) : nullptr) explicitVR = isupper(h[4]) && isupper(h[5]);
    unsigned deepest;
    if (syntax == "1.2.840.10008.1.2.1.99") {
        // DCMTK inflates the dataset as it reads; a nesting that deep is far smaller deflated.
        const std::vector<unsigned char> compressed = whole(pos);
        const std::vector<unsigned char> dataset = inflated(compressed.data(), compressed.size(), size_t(1) << 30);
        MemoryBytes inflatedBytes{dataset.data(), dataset.size()};
        deepest = deepestNesting(inflatedBytes, 0, true, true, cdcmtk::maxNesting);
    } else {
        deepest = deepestNesting(bytes, pos, little, explicitVR, cdcmtk::maxNesting);
    }
    if (deepest <= cdcmtk::maxNesting) return "";
    return "sequences nested more than " + std::to_string(cdcmtk::maxNesting) +
           " deep: not read (DCMTK's reader recurses once per level, and would run out of stack)";
}
}

namespace cdcmtk {
std::string nestingProblem(const unsigned char *p, size_t n) {
    MemoryBytes bytes{p, n};
    return problemOf(bytes, [&](uint64_t from) { return std::vector<unsigned char>(p + std::min<uint64_t>(from, n), p + n); });
}

std::string nestingProblemOfFile(int fd, uint64_t size) {
    auto bytes = std::make_unique<FileBytesWindow>();
    bytes->fd = fd;
    bytes->n = size;
    return problemOf(*bytes, [&](uint64_t from) {
        std::vector<unsigned char> rest(from < size ? size_t(size - from) : 0);
        size_t done = 0;
        while (done < rest.size()) {
            const ssize_t got = pread(fd, rest.data() + done, rest.size() - done, off_t(from + done));
            if (got <= 0) break;
            done += size_t(got);
        }
        rest.resize(done);
        return rest;
    });
}
}
