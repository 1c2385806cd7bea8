import MedPipeCore
import MedPipeFormats

/// What the DICOM de-identifier did with one file.
public enum DICOMOutcome: Sendable {
    /// De-identified and serialized in memory; the output must still pass the residual scan before
    /// it is written.
    case deidentified(DICOMDeidentified)
    /// Not de-identified, with the reason (burned-in text, text in compressed pixels, an Encapsulated Document...).
    case withheld(String)
}

/// A DICOM file de-identified by `DICOMDeidentifier`, serialized in memory and not yet written.
public struct DICOMDeidentified: Sendable {
    /// The output's SOP Instance UID (pseudonymous unless Retain UIDs), used to name the file.
    public var sopInstanceUID: String
    /// The patient's pseudonym (`P-…`), used to group outputs.
    public var patientToken: String
    public var touched: [TouchedAttribute]
    /// Every identifying value of the input, for the residual scan.
    public var identifiers: IdentifierSet
    /// The edited file; it holds the File Meta Information that was serialized, so its attributes
    /// are those of `output`.
    public var file: DICOMFile
    /// The output file's bytes.
    public var output: DICOMSerialized
}

/// Applies the PS3.15 Basic Application Level Confidentiality Profile, with options, to DICOM files
/// through DCMTK.
///
/// Every attribute of the dataset is visited depth first, inside sequences, and its action comes from
/// `ActionResolver`. UIDs (every value of every U row, at any depth) become `Pseudonymizer.uid`, so a
/// series keeps one Series Instance UID and references stay consistent; Patient ID becomes the
/// patient's token; under Retain Longitudinal Temporal Information with Modified Dates, DA and DT
/// values move by the patient's one date shift (a value that cannot be parsed is removed). Private
/// attributes go, creators included. The File Meta Information is written anew from the dataset
/// (Media Storage SOP Instance UID = the new SOP Instance UID; source AE titles and private meta
/// information are dropped). Patient Identity Removed, De-identification Method, the
/// De-identification Method Code Sequence (CID 7050) and Longitudinal Temporal Information Modified
/// are added.
public struct DICOMDeidentifier: Sendable {
    public var options: DeidentificationOptions
    public var pseudonymizer: Pseudonymizer
    public var burnedInText: BurnedInTextPolicy

    public init(options: DeidentificationOptions, pseudonymizer: Pseudonymizer, burnedInText: BurnedInTextPolicy = .init()) {
        self.options = options
        self.pseudonymizer = pseudonymizer
        self.burnedInText = burnedInText
    }

    static let patientIDTag = DICOMTag(0x0010, 0x0020)
    static let sopInstanceUIDTag = DICOMTag(0x0008, 0x0018)
    static let studyInstanceUIDTag = DICOMTag(0x0020, 0x000D)
    static let rowsTag = DICOMTag(0x0028, 0x0010)
    static let columnsTag = DICOMTag(0x0028, 0x0011)
    /// The repeating groups of overlay planes (60xx, even).
    static let overlayGroups = Set(stride(from: UInt16(0x6000), through: 0x601E, by: 2))
    static let sopClassUIDTag = DICOMTag(0x0008, 0x0016)
    static let mediaStorageSOPClassUIDTag = DICOMTag(0x0002, 0x0002)
    /// The private class DCMTK writes into a meta header when the dataset names none.
    static let dcmtkPrivateGenericClass = "1.2.276.0.7230010.3.1.0.1"
    /// Media Storage Directory Storage: a DICOMDIR.
    static let mediaStorageDirectoryClass = "1.2.840.10008.1.3.10"
    /// Encapsulated Document: a PDF, CDA, STL, OBJ or MTL document carried whole.
    static let encapsulatedDocumentTag = DICOMTag(0x0042, 0x0011)
    static let mimeTypeTag = DICOMTag(0x0042, 0x0012)

    /// De-identifies the file at `path` into memory, or withholds it. Nothing is written: the caller
    /// scans the output and writes it only when the scan passes.
    public func deidentify(_ path: String) throws -> DICOMOutcome {
        let file = try DICOMFile(wholeFileAt: path)  // every value is rewritten: read it all at once
        // Private attributes are all removed below and hold no value collected as identifying: only
        // private sequences are visited, for the values of public attributes inside them.
        var attributes = try file.attributes(textOnly: true, skipPrivateValues: true)
        var top = Self.topLevelValues(attributes)
        var touched: [TouchedAttribute] = []
        // Text in a set other than Latin-1 and UTF-8 is converted to UTF-8, so that it is read as it is and rewritten
        // text matches the set the output names (ISO_IR 192).
        let declared = String(trimmed(top[DICOMCharacterSet.tag] ?? ""))
        if DICOMCharacterSet.needsConversion(attributes, specificCharacterSet: declared) {
            do { try file.convertToUTF8() } catch let error as MedPipeError {
                return .withheld("text in the character set '\(declared)' that is not converted to UTF-8 (\(error.message)): its values cannot be read to be de-identified")
            }
            attributes = try file.attributes(textOnly: true, skipPrivateValues: true)
            top = Self.topLevelValues(attributes)
            touched.append(TouchedAttribute(tag: DICOMCharacterSet.tag, keyword: "SpecificCharacterSet", action: "text converted from \(declared) to UTF-8 (ISO_IR 192)"))
        }

        // The written file's meta header names the dataset's SOP class; without one DCMTK would claim its own
        // private class. A class given only in the input's meta header is copied into the dataset.
        var sopClassFromMeta: String?
        if trimmed(top[Self.sopClassUIDTag] ?? "").isEmpty {
            let media = attributes.first { $0.isMeta && $0.tag == Self.mediaStorageSOPClassUIDTag }.map { String(trimmed($0.value)) } ?? ""
            guard !media.isEmpty, media != Self.dcmtkPrivateGenericClass else {
                return .withheld("no SOP Class UID (0008,0016) in the dataset nor a Media Storage SOP Class UID (0002,0002) in the meta header: the output would not be valid DICOM")
            }
            sopClassFromMeta = media
        }
        let sopClass = trimmed(sopClassFromMeta ?? top[Self.sopClassUIDTag] ?? "")
        if sopClass == Self.mediaStorageDirectoryClass {
            return .withheld("a DICOMDIR: it indexes the input files by their paths (which can name patients), and the outputs are renamed; build a new one over the output folder (DCMTK's dcmmkdir)")
        }
        // The Basic Profile replaces an Encapsulated Document by a dummy (D): the object would keep nothing of its content.
        // Its text (a report's names, numbers and dates, often compressed) is neither read nor cleaned.
        if let document = attributes.first(where: { $0.tag == Self.encapsulatedDocumentTag && !$0.isMeta }) {
            // The MIME type is named only when it is one (`application/pdf`): the report holds no free text of the input.
            let given = trimmed(top[Self.mimeTypeTag] ?? "")
            let mime = given.contains("/") && given.count <= 64
                && given.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || "/.+-".contains($0) }) ? given : ""
            return .withheld("an Encapsulated Document (0042,0011)\(mime.isEmpty ? "" : " (\(mime))")\(document.depth > 0 ? " at \(document.path)" : ""), \(document.length) bytes: the document's text is not de-identified, and the profile's dummy would leave no document; de-identify the document itself")
        }
        if let risk = DICOMBurnedInText.risk(burnedInAnnotation: top[DICOMTag(0x0028, 0x0301)], modality: top[DICOMTag(0x0008, 0x0060)],
                                              sopClassUID: top[DICOMTag(0x0008, 0x0016)]) {
            guard burnedInText.allow else { return .withheld("burned-in text: \(risk); pass --allow-burned-in (with --blank x,y,w,h) to write it") }
            touched.append(TouchedAttribute(tag: DICOMTag(0x7FE0, 0x0010), keyword: "PixelData",
                                            action: burnedInText.rectangles.isEmpty ? "burned-in text allowed, not blanked" : "burned-in text allowed, blanked \(burnedInText.rectangles.map(\.description).joined(separator: " "))"))
        }

        var identifiers = IdentifierSet()
        // Meta information other than UIDs is written anew by DCMTK (its own implementation version name).
        // A value in Latin-1 is looked for as read (each 8-bit byte a U+FFFD, as the output's attributes are read) and as
        // its text, which other outputs hold in UTF-8 or Latin-1.
        let characterSet = top[DICOMCharacterSet.tag] ?? ""
        for attribute in attributes where !attribute.isMeta || attribute.vr == "UI" {
            identifiers.collect(tag: attribute.tag, vr: attribute.vr, value: attribute.value, options: options)
            if let text = attribute.undecodedValue.flatMap({ DICOMCharacterSet.decode($0, specificCharacterSet: characterSet) }) {
                identifiers.collect(tag: attribute.tag, vr: attribute.vr, value: text, options: options)
            }
        }
        // A file without a Patient ID is its study's patient (as convert groups it): the pseudonym of an empty ID made
        // every such file, whoever it shows, one pseudonymous patient.
        let patientID = DICOMPatientKey.of(patientID: top[Self.patientIDTag], studyInstanceUID: top[Self.studyInstanceUIDTag]) ?? ""
        let shift = options.contains(.retainLongitudinalModifiedDates) ? pseudonymizer.dateShift(patientID: patientID) : nil
        let cleaner = TextCleaner(identifiers: identifiers)

        var gone: [String] = []  // paths of removed or emptied sequences: their items are gone too
        for attribute in attributes where !attribute.isMeta {
            if let last = gone.last, attribute.path.hasPrefix(last + "[") { continue }
            let tag = attribute.tag
            if tag.group & 1 == 1 {  // a private sequence (removed below): its items are gone too
                gone.append(attribute.path)
                continue
            }
            let action = ActionResolver.action(for: tag, vr: attribute.vr, options: options)
            let applied: String?
            switch action {
            case .keep:
                // A kept text that repeats an identifying value (a Code Meaning copying the removed
                // Study Description) loses that value.
                applied = try cleanKeptText(attribute, in: file, characterSet: characterSet, cleaner: cleaner)
            case .remove:
                try file.remove(attribute.path)
                applied = action.name
            case .empty:
                try file.empty(attribute.path)
                applied = action.name
            case .dummy(let value):
                try file.replace(attribute.path, value)
                applied = action.name
            case .pseudonymUID:
                let values = attribute.value.split(separator: "\\", omittingEmptySubsequences: false).map { value -> String in
                    let uid = trimmed(String(value))
                    return uid.isEmpty || ActionResolver.isDICOMDefined(uid) ? String(uid) : pseudonymizer.uid(String(value))
                }
                try file.replace(attribute.path, values.joined(separator: "\\"))
                applied = action.name
            case .pseudonymID:
                // No ID stays no ID: a pseudonym would claim a patient where the file names none.
                try file.replace(attribute.path, trimmed(attribute.value).isEmpty ? "" : pseudonymizer.token(attribute.value, domain: .patient))
                applied = action.name
            case .clean:
                applied = try clean(attribute, in: file, characterSet: characterSet, shift: shift, cleaner: cleaner)
            }
            if attribute.vr == "SQ" && (action == .remove || action == .empty) { gone.append(attribute.path) }
            if let applied {
                let keyword = ActionResolver.keyword(for: tag) ?? tag.description
                touched.append(TouchedAttribute(tag: tag, keyword: attribute.depth == 0 ? keyword : "\(keyword) at \(attribute.path)", action: applied))
            }
        }
        // An overlay whose data the profile removes goes whole: its other attributes (rows, columns, type, origin, bit
        // position) described a plane that is gone, in a module left without its Type 1 Overlay Data.
        let overlayGroups = Set(attributes.filter { $0.depth == 0 && !$0.isMeta && $0.tag.element == 0x3000 && Self.overlayGroups.contains($0.tag.group) }.map(\.tag.group))
        for group in overlayGroups.sorted() where ActionResolver.action(for: DICOMTag(group, 0x3000), vr: "OW", options: options) == .remove {
            var removed = 0
            for attribute in attributes where attribute.depth == 0 && !attribute.isMeta && attribute.tag.group == group {
                if try file.remove(attribute.path) { removed += 1 }
            }
            if removed > 0 {
                touched.append(TouchedAttribute(keyword: "overlay plane \(String(format: "%04X", group)) (\(removed) more attributes, its data removed)", action: "remove"))
            }
        }
        // Private attributes, and the odd groups 0001-0007 that must not occur, at every depth left.
        let privateCount = try file.removePrivateAttributes()
        if privateCount > 0 {
            touched.append(TouchedAttribute(keyword: "private attributes (\(privateCount), creators included)", action: "remove"))
        }
        for meta in attributes where meta.isMeta {
            let tag = meta.tag
            let action = ActionResolver.action(for: tag, vr: meta.vr, options: options)
            if action != .keep { touched.append(TouchedAttribute(tag: tag, keyword: ActionResolver.keyword(for: tag) ?? tag.description, action: action.name)) }
        }

        // Bytes after the frames of native Pixel Data: no reader shows them, and the scan reads around Pixel Data.
        let dropped = try file.dropBytesAfterNativeFrames()
        if dropped > 0 {
            touched.append(TouchedAttribute(tag: DICOMTag(0x7FE0, 0x0010), keyword: "PixelData", action: "removed \(dropped) bytes after the image's frames"))
        }
        var blanked = false
        if !burnedInText.rectangles.isEmpty {
            if !touched.contains(where: { $0.keyword == "PixelData" }) {
                touched.append(TouchedAttribute(tag: DICOMTag(0x7FE0, 0x0010), keyword: "PixelData",
                                                action: "blanked \(burnedInText.rectangles.map(\.description).joined(separator: " "))"))
            }
            for rectangle in burnedInText.rectangles {
                try file.blank(x: rectangle.x, y: rectangle.y, width: rectangle.width, height: rectangle.height)
            }
            blanked = true
        }
        let overlays = try file.clearEmbeddedOverlays()
        if overlays > 0 {
            touched.append(TouchedAttribute(tag: DICOMTag(0x7FE0, 0x0010), keyword: "PixelData",
                                            action: "cleared \(overlays) overlay plane(s) kept in unused high bits; their 60xx groups removed"))
        }
        if let sopClassFromMeta {
            try file.put(Self.sopClassUIDTag.description, sopClassFromMeta, vr: "UI")
            touched.append(TouchedAttribute(tag: Self.sopClassUIDTag, keyword: "SOPClassUID", action: "copied from Media Storage SOP Class UID (0002,0002)"))
        }
        try addDeidentificationAttributes(to: file, blanked: blanked, shifted: shift != nil)
        let output = try file.serialized()
        // A segment of compressed Pixel Data that may hold text (a JPEG comment or application segment, a JPEG 2000
        // comment) is free text that cannot be cleaned without re-encoding the image: withheld, as burned-in text is.
        if let span = output.checkedPixelData {
            // RLE segments decode to a frame's rows × columns bytes each.
            let rle = file.transferSyntaxUID == "1.2.840.10008.1.2.5" ? try file.int(Self.rowsTag).flatMap { rows in try file.int(Self.columnsTag).map { rows * $0 } } : nil
            let segments = output.withUnsafeBytes {
                CompressedPixelText.find(inPixelDataElement: UnsafeRawBufferPointer(rebasing: $0[span.offset..<(span.offset + span.length)]), rleSegmentBytes: rle)
            }
            if !segments.isEmpty {
                return .withheld("text in the compressed Pixel Data: \(CompressedPixelText.describe(segments)), free text that is not cleaned without re-encoding the image")
            }
        }

        let sop = top[Self.sopInstanceUIDTag].map { options.contains(.retainUIDs) ? String(trimmed($0)) : pseudonymizer.uid($0) } ?? ""
        return .deidentified(DICOMDeidentified(sopInstanceUID: sop, patientToken: pseudonymizer.token(patientID, domain: .patient),
                                               touched: touched, identifiers: identifiers, file: file, output: output))
    }

    /// The values of the dataset's top-level attributes.
    private static func topLevelValues(_ attributes: [DICOMAttribute]) -> [DICOMTag: String] {
        var top: [DICOMTag: String] = [:]
        for attribute in attributes where attribute.depth == 0 && !attribute.isMeta { top[attribute.tag] = attribute.value }
        return top
    }

    /// Applies `.clean`: sequences are kept (their items are visited), dates move by the shift, text
    /// loses every identifying value (and is written in the dataset's `characterSet`); returns the action for the report,
    /// nil when nothing changed.
    private func clean(_ attribute: DICOMAttribute, in file: DICOMFile, characterSet: String, shift: Int?, cleaner: TextCleaner) throws -> String? {
        switch attribute.vr {
        case "SQ":
            return nil
        case "DA", "DT":
            guard !trimmed(attribute.value).isEmpty else { return nil }
            if let shift, let moved = attribute.vr == "DA" ? pseudonymizer.shiftDA(attribute.value, by: shift)
                : pseudonymizer.shiftDT(attribute.value, by: shift) {
                try file.replace(attribute.path, moved)
                return "shift"
            }
            try file.remove(attribute.path)
            return "remove"
        case "TM":
            return nil  // the shift is whole days: times of day stay
        default:
            guard ActionResolver.freeTextVRs.contains(attribute.vr) else { return nil }
            let text = DICOMCharacterSet.text(of: attribute, specificCharacterSet: characterSet)
            let cleaned = cleaner.clean(text)
            guard cleaned != text else { return "clean" }
            try file.replace(attribute.path, text: cleaned, specificCharacterSet: characterSet)
            return "clean"
        }
    }

    /// VRs of kept values that are cleaned of identifying values.
    static let keptTextVRs: Set<String> = ["AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"]

    private func cleanKeptText(_ attribute: DICOMAttribute, in file: DICOMFile, characterSet: String, cleaner: TextCleaner) throws -> String? {
        guard Self.keptTextVRs.contains(attribute.vr), !attribute.value.isEmpty else { return nil }
        let text = DICOMCharacterSet.text(of: attribute, specificCharacterSet: characterSet)
        let cleaned = cleaner.clean(text)
        guard cleaned != text else { return nil }
        // A kept text may be Type 1 (a Code Meaning): one cleaned to nothing gets a dummy instead.
        let empty = cleaned.allSatisfy { $0 == " " || $0 == "\\" }
        try file.replace(attribute.path, text: empty ? ActionResolver.dummyValue(vr: attribute.vr) : cleaned, specificCharacterSet: characterSet)
        return empty ? "clean (dummy)" : "clean"
    }

    /// Patient Identity Removed, De-identification Method (profile and options), its Code Sequence
    /// (CID 7050: 113100 and one code per option, 113101 when pixels were blanked) and Longitudinal
    /// Temporal Information Modified.
    private func addDeidentificationAttributes(to file: DICOMFile, blanked: Bool, shifted: Bool) throws {
        try file.put("(0012,0062)", "YES", vr: "CS")
        var codes = [(ProfileOption.basicProfileCode, ProfileOption.basicProfileMeaning)]
        if blanked { codes.append(("113101", "Clean Pixel Data Option")) }
        codes += options.sorted.map { ($0.code, $0.meaning) }
        let method = ["MedPipe PS3.15 \(BasicProfileTable.edition) Basic Profile"] + codes.dropFirst().map(\.1)
        try file.put("(0012,0063)", method.joined(separator: "\\"), vr: "LO")
        try file.newSequence("(0012,0064)", items: codes.count)
        for (index, code) in codes.enumerated() {
            try file.put("(0012,0064)[\(index)].(0008,0100)", code.0, vr: "SH")
            try file.put("(0012,0064)[\(index)].(0008,0102)", "DCM", vr: "SH")
            try file.put("(0012,0064)[\(index)].(0008,0104)", code.1, vr: "LO")
        }
        let temporal = options.contains(.retainLongitudinalFullDates) && !shifted ? "UNMODIFIED" : (shifted ? "MODIFIED" : "REMOVED")
        try file.put("(0028,0303)", temporal, vr: "CS")
    }
}

/// Removes every identifying value of an `IdentifierSet` from free text (the clean action on text).
struct TextCleaner {
    let scanner: ResidualScanner

    init(identifiers: IdentifierSet) { scanner = ResidualScanner(identifiers: identifiers) }

    func clean(_ text: String) -> String {
        let hits = scanner.scan(text, location: "")
        guard !hits.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var drop = [Bool](repeating: false, count: bytes.count)
        for hit in hits { for i in hit.offset..<min(hit.offset + hit.length, bytes.count) { drop[i] = true } }
        bytes = bytes.indices.filter { !drop[$0] }.map { bytes[$0] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
