// DCMTK's data dictionary, read from the same files into the same entries as DCMTK's own loader, in a tenth of
// the time: DCMTK parses each of the default dictionaries' 8,000 lines with up to a dozen sscanf calls (about
// 20 ms, during which no file can be parsed); the lines here are parsed by hand. A file holding any line this
// parser does not take in full is left to DCMTK's loader, so the dictionary is DCMTK's in every case
// (cdcmtk_dictionary_check compares the two).
#include "internal.h"
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace {
/* The DCMDICTPATH this loader sets, an empty file, from which DCMTK creates its global dictionary with only its
 * skeleton entries. A process started by a MedPipe process (a test's `medpipe`, an MPI rank) inherits it and
 * takes it as unset: it names no dictionary, so no one sets it for its own sake. */
const char *const emptyDictionary = "/dev/null";

/* How many of the default dictionaries' files cdcmtk_load_dictionary parsed (the others DCMTK's loader read). */
int filesReadHere = 0;

/* One dictionary line's entry, as DCMTK's loader builds it. */
struct Line {
    unsigned group = 0, upperGroup = 0, element = 0, upperElement = 0;
    DcmDictRangeRestriction groupRestriction = DcmDictRange_Unspecified, elementRestriction = DcmDictRange_Unspecified;
    std::string creator, vr, name, version = "DICOM";
    bool hasCreator = false;
    int vmMin = 1, vmMax = 1;
};

std::string withoutWhitespace(const std::string &s) {
    std::string out;
    for (unsigned char c : s) if (!isspace(c)) out += char(c);
    return out;
}

bool allHex(const std::string &s) {
    if (s.empty() || s.size() > 4) return false;
    for (unsigned char c : s) if (!isxdigit(c)) return false;
    return true;
}

/* A group or element part: `hhhh`, `hhhh-hhhh` (even values) or `hhhh-r-hhhh` (r: o, e or u). */
bool parsePart(const std::string &text, unsigned &low, unsigned &high, DcmDictRangeRestriction &restriction) {
    std::string s = withoutWhitespace(text);
    size_t dash = s.find('-');
    if (dash == std::string::npos) {
        if (!allHex(s)) return false;
        low = high = unsigned(strtoul(s.c_str(), nullptr, 16));
        restriction = DcmDictRange_Unspecified;
        return true;
    }
    std::string first = s.substr(0, dash), rest = s.substr(dash + 1);
    size_t second = rest.find('-');
    if (second == std::string::npos) {
        restriction = DcmDictRange_Even;
    } else {
        if (second != 1) return false;
        switch (rest[0]) {
        case 'o': case 'O': restriction = DcmDictRange_Odd; break;
        case 'e': case 'E': restriction = DcmDictRange_Even; break;
        case 'u': case 'U': restriction = DcmDictRange_Unspecified; break;
        default: return false;
        }
        rest = rest.substr(2);
    }
    if (!allHex(first) || !allHex(rest)) return false;
    low = unsigned(strtoul(first.c_str(), nullptr, 16));
    high = unsigned(strtoul(rest.c_str(), nullptr, 16));
    return true;
}

/* `(group,element)` or `(group,"creator",element)`. */
bool parseTag(std::string s, Line &line) {
    size_t begin = s.find_first_not_of(" \t\r\n\f\v"), end = s.find_last_not_of(" \t\r\n\f\v");
    if (begin == std::string::npos) return false;
    s = s.substr(begin, end - begin + 1);
    if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
    std::string inner = s.substr(1, s.size() - 2);
    size_t comma = inner.find(',');
    if (comma == std::string::npos || inner.find(')') != std::string::npos) return false;
    std::string group = inner.substr(0, comma), rest = inner.substr(comma + 1);
    size_t start = rest.find_first_not_of(" \t\r\n\f\v");
    if (start != std::string::npos && rest[start] == '"') {
        size_t close = rest.find('"', start + 1);
        if (close == std::string::npos) return false;
        line.creator = rest.substr(start + 1, close - start - 1);
        line.hasCreator = !line.creator.empty();
        size_t next = rest.find_first_not_of(" \t\r\n\f\v", close + 1);
        if (next == std::string::npos || rest[next] != ',') return false;
        rest = rest.substr(next + 1);
    }
    return parsePart(group, line.group, line.upperGroup, line.groupRestriction) &&
           parsePart(rest, line.element, line.upperElement, line.elementRestriction);
}

/* `n`, `3`, `1-3`, `1-n`, `2n`, `2-2n` (an open VM from the first number on, as DCMTK reads it). */
bool parseVM(const std::string &text, int &low, int &high) {
    std::string s = withoutWhitespace(text);
    if (s == "n" || s == "N") { low = 1; high = DcmVariableVM; return true; }
    size_t i = 0;
    while (i < s.size() && isdigit((unsigned char)s[i])) i++;
    if (i == 0 || i > 6) return false;
    low = atoi(s.substr(0, i).c_str());
    std::string rest = s.substr(i);
    auto open = [](const std::string &r) { return r == "n" || r == "N"; };
    if (rest.empty()) { high = low; return true; }
    if (open(rest)) { high = DcmVariableVM; return true; }
    if (rest[0] != '-') return false;
    rest = rest.substr(1);
    size_t j = 0;
    while (j < rest.size() && isdigit((unsigned char)rest[j])) j++;
    if (j == 0) { if (!open(rest)) return false; high = DcmVariableVM; return true; }
    if (j > 6) return false;
    if (j == rest.size()) { high = atoi(rest.c_str()); return true; }
    if (!open(rest.substr(j))) return false;
    high = DcmVariableVM;
    return true;
}

/* Parses one line of a dictionary file into `line`; false for a line this parser does not take in full. */
bool parseLine(const std::string &text, Line &line) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (;;) {
        size_t tab = text.find('\t', start);
        fields.push_back(text.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
    }
    if (fields.size() < 3 || fields.size() > 5) return false;
    if (fields.size() == 5) line.version = withoutWhitespace(fields[4]);
    if (fields.size() >= 4 && !parseVM(fields[3], line.vmMin, line.vmMax)) return false;
    if (!parseTag(fields[0], line)) return false;
    line.vr = withoutWhitespace(fields[1]);
    line.name = withoutWhitespace(fields[2]);
    return DcmVR(line.vr.c_str()).getEVR() != EVR_UNKNOWN;
}

/* The entries of the dictionary file at `path`, in its order; false when it cannot be read or holds a line
 * parseLine does not take (DCMTK's loader then reads it). */
bool readEntries(const char *path, std::vector<Line> &entries) {
    std::unique_ptr<FILE, int (*)(FILE *)> file(fopen(path, "r"), fclose);
    if (!file) return false;
    char buffer[DCM_MAXDICTLINESIZE + 1];
    while (fgets(buffer, sizeof buffer, file.get()) != nullptr) {
        std::string text(buffer);
        if (text.size() >= DCM_MAXDICTLINESIZE - 1) return false;  // a line DCMTK may read in pieces
        size_t last = text.find_last_not_of(" \t\r\n\f\v");
        if (last == std::string::npos) continue;  // blank
        text.resize(last + 1);
        if (text[text.find_first_not_of(" \t\r\n\f\v")] == '#') continue;  // a comment
        Line line;
        if (!parseLine(text, line)) return false;
        entries.push_back(std::move(line));
    }
    return !ferror(file.get());
}

void add(DcmDataDictionary &dictionary, const Line &line) {
    auto *entry = new DcmDictEntry(Uint16(line.group), Uint16(line.element), Uint16(line.upperGroup), Uint16(line.upperElement),
                                   DcmVR(line.vr.c_str()), line.name.c_str(), line.vmMin, line.vmMax, line.version.c_str(),
                                   OFTrue, line.hasCreator ? line.creator.c_str() : nullptr);
    entry->setGroupRangeRestriction(line.groupRestriction);
    entry->setElementRangeRestriction(line.elementRestriction);
    dictionary.addEntry(entry);
}

/* The default dictionaries' files, in DCMTK's order. */
std::vector<std::string> defaultFiles() {
    std::vector<std::string> files;
    std::string all = DCM_DICT_DEFAULT_PATH;
    size_t start = 0;
    for (;;) {
        size_t separator = all.find(ENVIRONMENT_PATH_SEPARATOR, start);
        std::string file = all.substr(start, separator == std::string::npos ? std::string::npos : separator - start);
        if (!file.empty()) files.push_back(file);
        if (separator == std::string::npos) break;
        start = separator + 1;
    }
    return files;
}

/* Reads `file` into `dictionary`: parsed here, or by DCMTK when this parser does not take every line. */
void load(DcmDataDictionary &dictionary, const std::string &file) {
    std::vector<Line> entries;
    if (!readEntries(file.c_str(), entries)) {
        dictionary.loadDictionary(file.c_str());
        return;
    }
    for (const Line &line : entries) add(dictionary, line);
    filesReadHere++;
}

/* A line describing `entry`, for a difference the check reports. */
std::string describe(const DcmDictEntry &e) {
    char text[512];
    snprintf(text, sizeof text, "(%04x-%04x,%04x-%04x) r%d/%d \"%s\" %s %s vm %d-%d %s", e.getGroup(), e.getUpperGroup(),
             e.getElement(), e.getUpperElement(), int(e.getGroupRangeRestriction()), int(e.getElementRangeRestriction()),
             e.getPrivateCreator() ? e.getPrivateCreator() : "", e.getVR().getVRName(), e.getTagName() ? e.getTagName() : "",
             e.getVMMin(), e.getVMMax(), e.getStandardVersion() ? e.getStandardVersion() : "");
    return text;
}
}  // namespace

int cdcmtk_claim_dictionary_path(void) {
    const char *path = getenv("DCMDICTPATH");
    if (path != nullptr && strcmp(path, emptyDictionary) == 0) return 1;
    if (path != nullptr && *path != '\0') return 0;  // the user's dictionaries: DCMTK reads them
    return setenv("DCMDICTPATH", emptyDictionary, 1) == 0 ? 1 : 0;
}

void cdcmtk_load_dictionary(void) {
    static std::once_flag once;
    std::call_once(once, [] {
        try {
            // DCMTK reads DCMDICTPATH when its global dictionary is first locked, which is here: every function of
            // the shim that parses calls this first.
            bool defaults = cdcmtk_claim_dictionary_path() == 1;
            DcmDataDictionary &dictionary = dcmDataDict.wrlock();  // created now, from DCMDICTPATH's files
            // Only into an empty dictionary (not one something locked before and so filled from the default files).
            if (defaults && dictionary.numberOfEntries() == 0) {
                for (const std::string &file : defaultFiles()) load(dictionary, file);
            }
            dcmDataDict.wrunlock();
        } catch (...) {
            // A dictionary that cannot load surfaces later as a parse error naming the file.
        }
    });
}

int cdcmtk_dictionary_check(int *files_read_here, char *err, size_t errlen) {
    return cdcmtk::guarded(err, errlen, -1, [&]() -> int {
        cdcmtk_load_dictionary();
        DcmDataDictionary reference(OFTrue, OFFalse);  // skeleton entries only
        for (const std::string &file : defaultFiles()) {
            if (!reference.loadDictionary(file.c_str())) throw cdcmtk::Failure{"DCMTK cannot load " + file};
        }
        std::vector<std::string> ours, theirs;
        DcmDataDictionary &global = dcmDataDict.wrlock();
        for (auto it = global.normalBegin(); it != global.normalEnd(); ++it) ours.push_back(describe(**it));
        for (auto it = global.repeatingBegin(); it != global.repeatingEnd(); ++it) ours.push_back("repeating " + describe(**it));
        dcmDataDict.wrunlock();
        for (auto it = reference.normalBegin(); it != reference.normalEnd(); ++it) theirs.push_back(describe(**it));
        for (auto it = reference.repeatingBegin(); it != reference.repeatingEnd(); ++it) theirs.push_back("repeating " + describe(**it));
        if (ours.size() != theirs.size()) {
            throw cdcmtk::Failure{std::to_string(ours.size()) + " entries, DCMTK's loader made " + std::to_string(theirs.size())};
        }
        for (size_t i = 0; i < ours.size(); i++) {
            if (ours[i] != theirs[i]) throw cdcmtk::Failure{"entry " + std::to_string(i) + ": " + ours[i] + ", DCMTK's: " + theirs[i]};
        }
        *files_read_here = filesReadHere;
        return int(ours.size());
    });
}
