// Japanese text (JIS X 0201 katakana and roman, ISO_IR 13 or ISO 2022 IR 13; the kanji of ISO 2022 IR 87 and
// IR 159) converted to UTF-8 by the shim: DCMTK asks glibc's iconv for the kanji sets by names it lacks, and refuses
// ISO 2022 IR 13 alone, so its convertToUTF8 fails on the character sets Japanese hospitals write. The decoding is
// pydicom's (PS3.5 6.1.2.5, PS3.3 C.12.1.1.2): the sets of JIS X 0201 as Shift JIS (katakana bytes to the
// half-width forms U+FF61–U+FF9F, the roman set as ASCII, since its 0x5C is the DICOM value delimiter; the Shift
// JIS kanji that files declaring ISO_IR 13 often hold are read as kanji), the kanji sets of ISO 2022 IR 87 and 159
// through EUC-JP, which holds both. Both conversions are glibc's iconv.
#include "internal.h"
#include <iconv.h>
#include <cerrno>
#include <cstdio>
#include <initializer_list>

using cdcmtk::Failure;

namespace {

/* What G0 (bytes 0x21–0x7E) or G1 (0xA1–0xFE) holds. */
enum class Set { none, ascii, katakana, jisX0208, jisX0212 };

struct Declared {
    Set g0 = Set::ascii, g1 = Set::none;  // the sets of value 1, active at the start of a value and after delimiters
    bool extensions = false;              // ISO 2022 terms: escape sequences may switch sets
    bool katakana = false, jisX0208 = false, jisX0212 = false;
};

std::string trimmed(const std::string &text) {
    size_t begin = text.find_first_not_of(' '), end = text.find_last_not_of(' ');
    return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

std::vector<std::string> terms(const std::string &specificCharacterSet) {
    std::vector<std::string> found;
    size_t start = 0;
    while (true) {
        size_t end = specificCharacterSet.find('\\', start);
        found.push_back(trimmed(specificCharacterSet.substr(start, end == std::string::npos ? std::string::npos : end - start)));
        if (end == std::string::npos) return found;
        start = end + 1;
    }
}

/* The sets `specificCharacterSet` declares; a Failure for a term outside the Japanese ones. */
Declared declared(const std::string &specificCharacterSet) {
    Declared d;
    std::vector<std::string> all = terms(specificCharacterSet);
    for (size_t i = 0; i < all.size(); ++i) {
        const std::string &term = all[i];
        if (term.empty() || term == "ISO 2022 IR 6") {
            d.extensions = d.extensions || !term.empty();
        } else if (term == "ISO_IR 13" || term == "ISO 2022 IR 13") {
            d.katakana = true;
            d.extensions = d.extensions || term != "ISO_IR 13";
            if (i == 0) d.g1 = Set::katakana;
        } else if (term == "ISO 2022 IR 87") {
            d.jisX0208 = d.extensions = true;
        } else if (term == "ISO 2022 IR 159") {
            d.jisX0212 = d.extensions = true;
        } else {
            throw Failure{"cannot convert the text to UTF-8: the character set '" + term + "' beside the Japanese sets"};
        }
    }
    if (d.extensions && all.size() > 1 && all[0] == "ISO_IR 13")
        throw Failure{"cannot convert the text to UTF-8: 'ISO_IR 13' with code extensions (it must be 'ISO 2022 IR 13')"};
    return d;
}

/* Bytes of one multi-byte encoding (EUC-JP, Shift JIS) to UTF-8, through glibc's iconv. */
class Converter {
  public:
    explicit Converter(const char *encoding) : cd(iconv_open("UTF-8", encoding)) {
        if (cd == reinterpret_cast<iconv_t>(-1))
            throw Failure{std::string("cannot convert the text to UTF-8: this system's iconv has no ") + encoding};
    }
    ~Converter() { iconv_close(cd); }
    Converter(const Converter &) = delete;
    Converter &operator=(const Converter &) = delete;

    /* Appends `bytes` converted to `utf8`, and empties `bytes`. */
    void append(std::string &bytes, std::string &utf8) {
        char out[256];
        char *in = &bytes[0];
        size_t left = bytes.size();
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
        while (left > 0) {
            char *to = out;
            size_t room = sizeof out;
            size_t done = iconv(cd, &in, &left, &to, &room);
            utf8.append(out, size_t(to - out));
            if (done == size_t(-1) && errno != E2BIG)
                throw Failure{"cannot convert the text to UTF-8: a kanji code with no character in the Japanese sets"};
        }
        bytes.clear();
    }

  private:
    iconv_t cd;
};

/* The two conversions one dataset's values need. */
struct Converters {
    Converter eucJP{"EUC-JP"}, shiftJIS{"SHIFT_JIS"};
};

/* Bytes waiting for one converter: consecutive characters of one set are converted together. */
class Pending {
  public:
    explicit Pending(std::string &utf8) : utf8(utf8) {}
    void add(Converter &converter, std::initializer_list<unsigned char> bytes) {
        if (with != &converter) flush();
        with = &converter;
        for (unsigned char byte : bytes) pending += char(byte);
    }
    void flush() {
        if (with != nullptr) with->append(pending, utf8);
        with = nullptr;
    }

  private:
    std::string &utf8;
    std::string pending;
    Converter *with = nullptr;
};

std::string hexByte(unsigned char byte) {
    char text[8];
    snprintf(text, sizeof text, "0x%02X", byte);
    return text;
}

bool isShiftJISLead(unsigned char byte) { return (byte >= 0x81 && byte <= 0x9F) || (byte >= 0xE0 && byte <= 0xFC); }
bool isShiftJISTrail(unsigned char byte) { return byte >= 0x40 && byte <= 0xFC && byte != 0x7F; }

/* `value` (one attribute's bytes, values joined by '\') decoded to UTF-8. Each value, and in a person name
 * each component and representation, starts in the sets of value 1 (PS3.5 6.1.2.5.3). */
std::string decode(const std::string &value, const Declared &d, bool personName, Converters &converters) {
    std::string utf8;
    Pending pending(utf8);
    Set g0 = d.g0, g1 = d.g1;
    const size_t n = value.size();
    auto at = [&](size_t i) -> unsigned char { return i < n ? static_cast<unsigned char>(value[i]) : 0; };
    for (size_t i = 0; i < n; ++i) {
        const unsigned char byte = at(i);
        if (byte == 0x1B) {
            pending.flush();
            if (!d.extensions) throw Failure{"cannot convert the text to UTF-8: an escape sequence in a set without code extensions"};
            const std::string rest = value.substr(i + 1, 3);
            if (rest.compare(0, 2, "(B") == 0 || rest.compare(0, 2, "(J") == 0) { g0 = Set::ascii; i += 2; }
            else if (rest.compare(0, 2, ")I") == 0 && d.katakana) { g1 = Set::katakana; i += 2; }
            else if (rest.compare(0, 2, "$B") == 0 && d.jisX0208) { g0 = Set::jisX0208; i += 2; }
            else if (rest.compare(0, 3, "$(D") == 0 && d.jisX0212) { g0 = Set::jisX0212; i += 3; }
            else throw Failure{"cannot convert the text to UTF-8: an escape sequence for a set the Specific Character Set does not declare"};
            continue;
        }
        if ((g0 == Set::jisX0208 || g0 == Set::jisX0212) && byte >= 0x21 && byte <= 0x7E) {
            const unsigned char second = at(i + 1);
            if (second < 0x21 || second > 0x7E) throw Failure{"cannot convert the text to UTF-8: half of a two-byte kanji code"};
            if (g0 == Set::jisX0212) pending.add(converters.eucJP, {0x8F, (unsigned char)(byte | 0x80), (unsigned char)(second | 0x80)});
            else pending.add(converters.eucJP, {(unsigned char)(byte | 0x80), (unsigned char)(second | 0x80)});
            ++i;
        } else if (byte < 0x80) {
            pending.flush();
            utf8 += char(byte);
            const bool delimiter = byte == '\\' || byte == '\r' || byte == '\n' || byte == '\f' || byte == '\t' ||
                                   (personName && (byte == '^' || byte == '='));
            if (delimiter) { g0 = d.g0; g1 = d.g1; }
        } else if (g1 == Set::katakana && byte >= 0xA1 && byte <= 0xDF) {
            pending.add(converters.shiftJIS, {byte});
        } else if (g1 == Set::katakana && isShiftJISLead(byte) && isShiftJISTrail(at(i + 1))) {
            pending.add(converters.shiftJIS, {byte, at(i + 1)});
            ++i;
        } else {
            throw Failure{"cannot convert the text to UTF-8: the byte " + hexByte(byte) + " is in none of the Japanese sets declared"};
        }
    }
    pending.flush();
    return utf8;
}

bool isText(DcmEVR vr) {
    return vr == EVR_SH || vr == EVR_LO || vr == EVR_ST || vr == EVR_LT || vr == EVR_UC || vr == EVR_UT || vr == EVR_PN;
}

std::string specificCharacterSet(DcmItem *item, const std::string &inherited) {
    OFString value;
    return item->findAndGetOFStringArray(DCM_SpecificCharacterSet, value, OFFalse).good() ? std::string(value.c_str()) : inherited;
}

void convertItem(DcmItem *item, const std::string &inherited, Converters &converters) {
    const std::string charset = specificCharacterSet(item, inherited);
    const Declared d = declared(charset);
    for (DcmObject *object = item->nextInContainer(nullptr); object != nullptr; object = item->nextInContainer(object)) {
        const DcmEVR vr = object->ident();
        if (vr == EVR_SQ) {
            auto *sequence = OFstatic_cast(DcmSequenceOfItems *, object);
            for (unsigned long i = 0; i < sequence->card(); ++i) convertItem(sequence->getItem(i), charset, converters);
        } else if (isText(vr)) {
            auto *text = OFstatic_cast(DcmByteString *, object);
            char *bytes = nullptr;
            Uint32 length = 0;
            if (text->getString(bytes, length).bad() || bytes == nullptr || length == 0) continue;
            const std::string utf8 = decode(std::string(bytes, length), d, vr == EVR_PN, converters);
            if (text->putString(utf8.c_str(), Uint32(utf8.size())).bad())
                throw Failure{"cannot convert the text to UTF-8: cannot write the value of " + std::string(object->getTag().toString().c_str())};
        }
    }
    if (item->tagExists(DCM_SpecificCharacterSet) && item->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192").bad())
        throw Failure{"cannot name ISO_IR 192 as the Specific Character Set"};
}

}  // namespace

namespace cdcmtk {

bool isJapanese(const std::string &specificCharacterSet) {
    bool japanese = false;
    for (const std::string &term : terms(specificCharacterSet)) {
        if (term == "ISO_IR 13" || term == "ISO 2022 IR 13" || term == "ISO 2022 IR 87" || term == "ISO 2022 IR 159") japanese = true;
        else if (!term.empty() && term != "ISO 2022 IR 6") return false;
    }
    return japanese;
}

void convertJapaneseToUTF8(DcmDataset *dataset) {
    Converters converters;
    convertItem(dataset, "", converters);
    if (dataset->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192").bad())
        throw Failure{"cannot name ISO_IR 192 as the Specific Character Set"};
}

}  // namespace cdcmtk
