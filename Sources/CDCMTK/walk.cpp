#include "internal.h"

using cdcmtk::setError;

namespace {
struct Walk {
    cdcmtk_visitor visitor;
    void *context;
    E_TransferSyntax xfer;
    bool textOnly = false;
    bool skipPrivateValues = false;
    bool stopped = false;
};

/* Appends "(GGGG,EEEE)" in upper-case hexadecimal (snprintf cost more than the rest of the walk). */
void appendTagText(std::string &text, const DcmTagKey &tag) {
    static const char digits[] = "0123456789ABCDEF";
    const unsigned group = tag.getGroup(), element = tag.getElement();
    const char chars[11] = {'(', digits[group >> 12 & 15], digits[group >> 8 & 15], digits[group >> 4 & 15], digits[group & 15], ',',
                            digits[element >> 12 & 15], digits[element >> 8 & 15], digits[element >> 4 & 15], digits[element & 15], ')'};
    text.append(chars, sizeof chars);
}

/* VRs whose values are characters. */
bool isCharacter(DcmEVR vr) {
    switch (vr) {
    case EVR_AE: case EVR_AS: case EVR_CS: case EVR_DA: case EVR_DS: case EVR_DT: case EVR_IS: case EVR_LO: case EVR_LT:
    case EVR_PN: case EVR_SH: case EVR_ST: case EVR_TM: case EVR_UC: case EVR_UI: case EVR_UR: case EVR_UT:
        return true;
    default:
        return false;
    }
}

bool isBulkBinary(DcmEVR vr) {
    switch (vr) {
    case EVR_OB: case EVR_OW: case EVR_OF: case EVR_OD: case EVR_OL: case EVR_OV: case EVR_UN:
    case EVR_ox: case EVR_px: case EVR_pixelSQ: case EVR_pixelItem:
        return true;
    default:
        return false;
    }
}

void walkItem(DcmItem *item, const std::string &prefix, uint32_t depth, bool meta, Walk &walk) {
    for (DcmObject *object = item->nextInContainer(nullptr); object != nullptr && !walk.stopped;
         object = item->nextInContainer(object)) {
        auto *element = OFstatic_cast(DcmElement *, object);
        const DcmTag &tag = element->getTag();
        if (walk.skipPrivateValues && (tag.getGroup() & 1) && element->ident() != EVR_SQ) continue;
        std::string path = prefix;
        appendTagText(path, tag);
        DcmVR vr(element->ident());
        cdcmtk_attribute attribute{};
        attribute.group = tag.getGroup();
        attribute.element = tag.getElement();
        const char *vrName = element->ident() == EVR_pixelSQ ? "OB" : vr.getValidVRName();
        if (vrName == nullptr || vrName[0] == 0 || vrName[1] == 0) vrName = "UN";
        attribute.vr[0] = vrName[0];
        attribute.vr[1] = vrName[1];
        attribute.vr[2] = 0;
        attribute.depth = depth;
        attribute.is_meta = meta ? 1 : 0;
        attribute.path = path.c_str();
        OFString value;
        if (element->ident() == EVR_SQ) {
            auto *sequence = OFstatic_cast(DcmSequenceOfItems *, element);
            attribute.length = static_cast<uint32_t>(sequence->card());
            attribute.value = "";
            if (walk.visitor(&attribute, walk.context) != 0) { walk.stopped = true; return; }
            unsigned long n = 0;
            for (DcmObject *child = sequence->nextInContainer(nullptr); child != nullptr && !walk.stopped;
                 child = sequence->nextInContainer(child), ++n)
                walkItem(OFstatic_cast(DcmItem *, child), path + "[" + std::to_string(n) + "].", depth + 1, meta, walk);
            continue;
        }
        attribute.length = element->getLength(walk.xfer);
        const bool skip = walk.textOnly ? !isCharacter(element->ident())
                                        : (isBulkBinary(element->ident()) && attribute.length > 1024);
        if (!skip && element->ident() != EVR_pixelSQ)
            element->getOFStringArray(value);
        attribute.value = value.c_str();
        if (walk.visitor(&attribute, walk.context) != 0) { walk.stopped = true; return; }
    }
}
}

int cdcmtk_walk(cdcmtk_file *file, cdcmtk_visitor visitor, void *context, char *err, size_t errlen) {
    return cdcmtk_walk_flags(file, 0, visitor, context, err, errlen);
}

int cdcmtk_walk_flags(cdcmtk_file *file, uint32_t flags, cdcmtk_visitor visitor, void *context, char *err, size_t errlen) {
    try {
        Walk walk{visitor, context, file->format.getDataset()->getOriginalXfer()};
        walk.textOnly = (flags & CDCMTK_WALK_TEXT_ONLY) != 0;
        walk.skipPrivateValues = (flags & CDCMTK_WALK_SKIP_PRIVATE_VALUES) != 0;
        if (DcmMetaInfo *meta = file->format.getMetaInfo()) walkItem(meta, "", 0, true, walk);
        if (!walk.stopped) walkItem(file->format.getDataset(), "", 0, false, walk);
        return walk.stopped ? 1 : 0;
    } catch (const std::exception &e) {
        setError(err, errlen, std::string("DCMTK failed while walking attributes: ") + e.what());
    } catch (...) {
        setError(err, errlen, "DCMTK failed while walking attributes with an unknown exception");
    }
    return -1;
}
