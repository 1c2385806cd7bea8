import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport
@testable import MedPipeDeidentify

/// End-to-end de-identification of real files: DICOM (deid_data, mr_series, a planted corpus), WFDB,
/// CSV and NIfTI, checked by re-reading the outputs with our readers and, when present, pydicom and
/// wfdb-python.
@Suite("Anonymize files", .enabled(if: SharedData.isAvailable))
struct AnonymizerTests {
    static let pseudonymizer = Pseudonymizer(key: try! ProjectKey(bytes: Array(repeating: 7, count: 32)))

    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "medpipe-anon-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func run(_ inputs: [String], options: DeidentificationOptions = [], allow: Bool = false, rectangles: [PixelRectangle] = [],
             csv: [String: ColumnPolicy] = [:]) async throws -> (report: DeidentificationReport, out: String) {
        let out = try temporaryFolder()
        let settings = AnonymizeSettings(output: out, options: options, burnedInText: BurnedInTextPolicy(allow: allow, rectangles: rectangles),
                                         csvPolicies: csv, jobs: 2)
        let report = try await Anonymizer(settings: settings, pseudonymizer: Self.pseudonymizer).run(inputs)
        return (report, out)
    }

    func outputs(_ folder: String, suffix: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: folder)!
        var found: [String] = []
        while let entry = walker.nextObject() as? String { if entry.hasSuffix(suffix) { found.append(folder + "/" + entry) } }
        return found.sorted()
    }

    /// Runs a Python checker and decodes its JSON; the test ends as skipped (or fails, where the reference
    /// stack is required) when Python or the module is missing.
    func python(needs module: String, _ run: () throws -> (status: Int32, output: String)) throws -> [String: Any] {
        try ReferencePython.require(module)
        let (status, output) = try run()
        guard status == 0 else { throw ReferencePython.Failure(status: status, output: output) }
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw ReferencePython.Failure(status: status, output: "not a JSON object: " + output)
        }
        return object
    }

    @Test func deidDataLeavesNoIdentifier() async throws {
        let input = SharedData.path("dicom/deid_data")
        let (report, out) = try await run([input], allow: true)
        #expect(report.residual.hits.isEmpty)
        #expect(report.failures == 0)
        let written = outputs(out, suffix: ".dcm")
        #expect(written.count == 10)  // 13 files: 2 are not DICOM, ctbrain2 repeats ctbrain1's SOP Instance UID
        #expect(report.withheld.contains { $0.reason.contains("duplicate") })
        for path in written {
            let attributes = try DICOMFile(path: path).attributes()
            #expect(!attributes.contains { $0.tag.group % 2 == 1 }, "private attribute left in \(path)")
            #expect(attributes.contains { $0.tag == DICOMTag(0x0012, 0x0062) && $0.value.hasPrefix("YES") })
            #expect(attributes.contains { $0.path == "(0012,0064)[0].(0008,0100)" && $0.value.hasPrefix("113100") })
        }
        // Pixels equal the input's, file by file (outputs are named by the keyed SOP Instance UID).
        let inputs = try Anonymizer.inputs([input]).filter { $0.format == .dicom }
        var compared = 0
        for file in inputs {
            let header = try DICOMFile(path: file.path)
            guard let sop = try header.string(DICOMTag(0x0008, 0x0018)) else { continue }
            let patient = try header.string(DICOMTag(0x0010, 0x0020)) ?? ""
            let output = out + "/" + Self.pseudonymizer.token(patient, domain: .patient) + "/" + Self.pseudonymizer.uid(sop) + ".dcm"
            guard FileManager.default.fileExists(atPath: output) else { continue }
            #expect(try DICOMFileReader().read(output).tensor == DICOMFileReader().read(file.path).tensor, "pixels differ for \(file.path)")
            compared += 1
        }
        #expect(compared >= 9)
        let check = try python(needs: "pydicom", { try ReferencePython.runFile("tools/reference/deid_check.py", [input, out]) })
        #expect((check["found"] as? [String]) == [], "identifiers pydicom sees in the inputs are in the outputs")
        #expect((check["unreadable"] as? [String]) == [])
        #expect((check["private"] as? Int) == 0)
        #expect((check["read"] as? Int) == 10)
        #expect((check["identifiers"] as? Int ?? 0) > 50)
    }

    /// The other files of a WFDB record (`rec.dat`, `rec_0001.dat`) belong to its header; other files stay inputs.
    @Test func filesOfARecordAreNotInputsOfTheirOwn() throws {
        let work = temporaryDirectory("record-files")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for name in ["rec.hea", "rec.dat", "rec_0001.dat", "record.csv", "other_rec.csv"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: work + "/" + name))
        }
        #expect(try Anonymizer.inputs([work]).map(\.path) == ["other_rec.csv", "rec.hea", "record.csv"].map { work + "/" + $0 })
        // Spelt relative to the working folder, as typed at a prompt: rec.dat was listed as an input of its own
        // ("withheld: skipped: not a format MedPipe reads").
        let relative = String(repeating: "../", count: FileManager.default.currentDirectoryPath.split(separator: "/").count) + work.dropFirst()
        #expect(try Anonymizer.inputs([relative]).map(\.path) == ["other_rec.csv", "rec.hea", "record.csv"].map { relative + "/" + $0 })
    }

    @Test func burnedInTextIsWithheldUnlessAllowed() async throws {
        let ultrasound = SharedData.path("dicom/deid_data/ultrasounds")
        let (withheld, out) = try await run([ultrasound])
        #expect(withheld.files.isEmpty)
        #expect(withheld.withheld.count == 2)
        #expect(withheld.withheld.allSatisfy { $0.reason.hasPrefix("burned-in text") })
        #expect(outputs(out, suffix: ".dcm").isEmpty)

        let (allowed, written) = try await run([ultrasound], allow: true, rectangles: [PixelRectangle(x: 0, y: 0, width: 64, height: 32)])
        #expect(allowed.files.count == 2)
        #expect(allowed.passed)
        for path in outputs(written, suffix: ".dcm") {
            let record = try DICOMFileReader().read(path)
            let columns = record.tensor.shape[1], samples = record.tensor.shape.count > 2 ? record.tensor.shape[2] : 1
            let values = record.tensor.doubleValues()
            #expect(values[0..<(64 * samples)].allSatisfy { $0 == 0 })  // first row of the blanked corner (RGB / MONOCHROME)
            #expect(values.count == record.tensor.shape[0] * columns * samples)
            let codes = try DICOMFile(path: path).attributes().filter { $0.tag == DICOMTag(0x0008, 0x0100) }.map(\.value)
            #expect(codes.contains { $0.hasPrefix("113101") })  // Clean Pixel Data Option
        }
    }

    /// `--blank` applies to every image, flagged or not, and a rectangle that does not lie inside the image
    /// (or whose x + w overflows) fails the file rather than blank nothing and claim Clean Pixel Data.
    /// A CT whose Burned In Annotation held `YES\\NO`, or a value neither YES nor NO, was written as if it were NO.
    @Test func everyValueOfTheBurnedInFlagCounts() {
        let ct = "1.2.840.10008.5.1.4.1.1.2"
        for flag in ["YES\\NO", "NO\\YES", " yes ", "Y", "TRUE", "\0YES"] {
            #expect(DICOMBurnedInText.risk(burnedInAnnotation: flag, modality: "CT", sopClassUID: ct) != nil, "\(flag)")
        }
        for flag in ["NO", "NO\\NO", "no ", nil, ""] {
            #expect(DICOMBurnedInText.risk(burnedInAnnotation: flag, modality: "CT", sopClassUID: ct) == nil, "\(flag ?? "absent")")
        }
        #expect(DICOMBurnedInText.risk(burnedInAnnotation: "", modality: "US", sopClassUID: nil) != nil)
    }

    /// A JPEG comment in compressed Pixel Data ("Patient ... MRN ...") was copied with the pixels, which the scan skips.
    /// The file is withheld as burned-in text is, not counted as failed (the run passes; the summary says 'withheld').
    @Test func aJPEGCommentInCompressedPixelsWithholdsTheFile() async throws {
        let work = temporaryDirectory("jpeg-comment")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plain = SharedData.path("dicom/pydicom_subset/JPEG-lossy.dcm")
        var bytes = try FileBytes.read(plain)
        let soi = try #require((8..<(bytes.count - 2)).first { (i: Int) -> Bool in bytes[i] == 0xFF && bytes[i + 1] == 0xD8 && bytes[i + 2] == 0xFF })
        #expect(Array(bytes[(soi - 8)..<(soi - 4)]) == [0xFE, 0xFF, 0x00, 0xE0])  // the frame's item, its length before SOI
        let text = Array("Patient Quimbly Zyxwert MRN 778899".utf8)  // an even length: the item stays even
        let segment: [UInt8] = [0xFF, 0xFE, 0, UInt8(text.count + 2)] + text
        let length = (0..<4).reduce(0) { $0 | Int(bytes[soi - 4 + $1]) << (8 * $1) } + segment.count
        for k in 0..<4 { bytes[soi - 4 + k] = UInt8((length >> (8 * k)) & 0xFF) }
        bytes.insert(contentsOf: segment, at: soi + 2)
        try Data(bytes).write(to: URL(fileURLWithPath: work + "/commented.dcm"))
        #expect(try DICOMFileReader().read(work + "/commented.dcm").tensor == DICOMFileReader().read(plain).tensor)

        // A Secondary Capture: written only with burned-in text allowed.
        let (withheld, out) = try await run([work + "/commented.dcm"], allow: true)
        #expect(withheld.files.isEmpty && outputs(out, suffix: ".dcm").isEmpty)
        #expect(withheld.withheld.first?.reason.contains("1 JPEG comment(s)") == true, "\(withheld.withheld)")
        #expect(withheld.withheld.first?.failed == false && withheld.failures == 0 && withheld.passed, "\(withheld.withheld)")
        let (written, _) = try await run([plain], allow: true)  // the same stream without the comment
        #expect(written.files.count == 1 && written.passed)
    }

    /// Where `pattern` first occurs in `bytes` at or after `start`.
    func position(of pattern: [UInt8], in bytes: [UInt8], from start: Int = 0) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        return (start..<(bytes.count - pattern.count + 1)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }

    /// `plain` with `segment` inserted into its one compressed frame at `offset` bytes after the frame's first byte, the
    /// frame's item length grown to match (the Pixel Data element's length is undefined), written as `work/name`.
    func inserting(_ segment: [UInt8], into plain: String, at offset: Int, start marker: [UInt8], as name: String, in work: String) throws -> String {
        var bytes = try FileBytes.read(plain)
        let start = try #require(position(of: marker, in: bytes, from: 8))
        #expect(Array(bytes[(start - 8)..<(start - 4)]) == [0xFE, 0xFF, 0x00, 0xE0])  // the frame's item, its length before it
        let length = (0..<4).reduce(0) { $0 | Int(bytes[start - 4 + $1]) << (8 * $1) } + segment.count
        for k in 0..<4 { bytes[start - 4 + k] = UInt8((length >> (8 * k)) & 0xFF) }
        bytes.insert(contentsOf: segment, at: start + offset)
        try Data(bytes).write(to: URL(fileURLWithPath: work + "/" + name))
        return work + "/" + name
    }

    /// APPn segments other than JFIF's and Adobe's (Exif and XMP in APP1, IPTC in APP13, a vendor's) were copied with
    /// the pixels as JPEG comments were: text never scanned.
    @Test func aJPEGApplicationSegmentInCompressedPixelsWithholdsTheFile() async throws {
        let work = temporaryDirectory("jpeg-app")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plain = SharedData.path("dicom/pydicom_subset/JPEG-lossy.dcm")
        let text = Array("Exif\0\0Artist=Quimbly Zyxwert MRN 778899".utf8)  // an even length: the item stays even
        for (marker, name) in [(UInt8(0xE1), "APP1"), (0xED, "APP13"), (0xE0, "APP0")] {
            let path = try inserting([0xFF, marker, 0, UInt8(text.count + 2)] + text, into: plain, at: 2, start: [0xFF, 0xD8, 0xFF], as: name + ".dcm", in: work)
            #expect(try DICOMFileReader().read(path).tensor == DICOMFileReader().read(plain).tensor)
            let (withheld, out) = try await run([path], allow: true)  // a Secondary Capture
            #expect(withheld.files.isEmpty && outputs(out, suffix: ".dcm").isEmpty)
            #expect(withheld.withheld.first?.reason.contains("1 JPEG \(name) segment(s) (\(text.count) bytes)") == true, "\(withheld.withheld)")
            #expect(withheld.withheld.first?.failed == false && withheld.failures == 0, "\(withheld.withheld)")
        }
        // DCMTK's JPEG stream opens with a JFIF APP0 (no thumbnail): it says how the pixels are coded and is written. So
        // are an Adobe APP14 as short as pydicom's SC_rgb_jpeg.dcm has it, and a SPIFF header and its end of directory
        // (APP8), as in pydicom's JPEG-LS SC_rgb_jls_lossy_line.dcm.
        let adobe: [UInt8] = [0xFF, 0xEE, 0, 12] + Array("Adobe".utf8) + [0, 0, 0, 0, 0]
        let spiff: [UInt8] = [0xFF, 0xE8, 0, 32] + Array("SPIFF\0".utf8) + [2, 0, 0, 3, 0, 0, 0, 100, 0, 0, 0, 100, 10, 8, 6, 2, 0, 0, 0, 37, 0, 0, 0, 37]
            + [0xFF, 0xE8, 0, 8, 0, 0, 0, 1, 0xFF, 0xD8]
        let coding = try [(adobe, "adobe"), (spiff, "spiff")].map {
            try inserting($0.0, into: plain, at: 2, start: [0xFF, 0xD8, 0xFF], as: $0.1 + ".dcm", in: work)
        }
        for path in [SharedData.path("dicom/pydicom_subset/SC_rgb_jpeg_dcmtk.dcm")] + coding {  // one run each: two are one image
            let (written, _) = try await run([path], allow: true)
            #expect(written.files.count == 1 && written.passed, "\(written.withheld)")
        }
    }

    /// A JPEG 2000 comment (COM, 0xFF64) in the codestream's main or tile-part header was copied with the pixels; an
    /// encoder's signature, which real files carry, is no text about anyone.
    @Test func aJPEG2000CommentInCompressedPixelsWithholdsTheFile() async throws {
        let work = temporaryDirectory("j2k-comment")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plain = SharedData.path("dicom/pydicom_subset/MR_small_jp2klossless.dcm")
        var bytes = try FileBytes.read(plain)
        let signature = Array("Created by GDCM/OpenJPEG version 2.0".utf8), hostile = Array("Patient Quimbly Zyxwert MRN 77889900".utf8)
        let at = try #require(position(of: signature, in: bytes))
        #expect(Array(bytes[(at - 6)..<(at - 2)]) == [0xFF, 0x64, 0, UInt8(signature.count + 4)] && hostile.count == signature.count)
        bytes.replaceSubrange(at..<(at + signature.count), with: hostile)
        try Data(bytes).write(to: URL(fileURLWithPath: work + "/main.dcm"))
        let (main, out) = try await run([work + "/main.dcm"])
        #expect(main.files.isEmpty && outputs(out, suffix: ".dcm").isEmpty)
        #expect(main.withheld.first?.reason.contains("1 JPEG 2000 comment(s) (\(hostile.count + 2) bytes)") == true, "\(main.withheld)")
        #expect(main.withheld.first?.failed == false && main.failures == 0 && main.passed, "\(main.withheld)")

        // In the first tile-part's header, after its SOT (whose Psot, the tile-part's length, grows with it).
        let text = Array("\0\u{1}Quimbly Zyxwert.".utf8)  // an even length: the item stays even
        let comment: [UInt8] = [0xFF, 0x64, 0, UInt8(text.count + 2)] + text
        var tiled = try FileBytes.read(plain)
        let soc = try #require(position(of: [0xFF, 0x4F, 0xFF, 0x51], in: tiled))
        let sot = try #require(position(of: [0xFF, 0x90, 0, 10], in: tiled, from: soc))
        tiled.insert(contentsOf: comment, at: sot + 12)
        for (at, bigEndian) in [(sot + 6, true), (soc - 4, false)] {  // Psot, and the frame's item length before SOC
            let old = (0..<4).reduce(0) { $0 | Int(tiled[at + $1]) << (8 * (bigEndian ? 3 - $1 : $1)) }
            for k in 0..<4 { tiled[at + k] = UInt8(((old + comment.count) >> (8 * (bigEndian ? 3 - k : k))) & 0xFF) }
        }
        try Data(tiled).write(to: URL(fileURLWithPath: work + "/tile.dcm"))
        #expect(try DICOMFileReader().read(work + "/tile.dcm").tensor == DICOMFileReader().read(plain).tensor)
        let (tile, _) = try await run([work + "/tile.dcm"])
        #expect(tile.withheld.first?.reason.contains("1 JPEG 2000 comment(s) (\(text.count) bytes)") == true, "\(tile.withheld)")

        // JasPer's signature (pydicom's J2K_pixelrep_mismatch.dcm), NUL-padded to the length of the one it replaces.
        let jasper = Array("Creator: JasPer Version 1.701.0".utf8)
        bytes = try FileBytes.read(plain)
        bytes.replaceSubrange(at..<(at + signature.count), with: jasper + [UInt8](repeating: 0, count: signature.count - jasper.count))
        try Data(bytes).write(to: URL(fileURLWithPath: work + "/jasper.dcm"))
        for path in [plain, SharedData.path("dicom/pydicom_subset/JPEG2000.dcm"), work + "/jasper.dcm"] {  // GDCM/OpenJPEG's, Kakadu's, JasPer's
            let (written, _) = try await run([path], allow: true)
            #expect(written.files.count == 1 && written.passed, "\(written.withheld)")
        }
    }

    /// Text after the image data was copied with the pixels, and the scan, which reads around Pixel Data, never saw it: after
    /// the frames of native Pixel Data (dropped: no reader shows those bytes), after a JPEG's end of image, a JPEG 2000
    /// codestream's end or an RLE frame's last run (withheld: the fragment cannot be cut without checking the codestream
    /// was whole).
    @Test func textAfterTheImageDataIsDroppedOrWithheld() async throws {
        let work = temporaryDirectory("pixel-trailer")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let text = Array("Patient Quimbly Zyxwert MRN 778899".utf8)  // an even length: items and values stay even
        let native = SharedData.path("dicom/pydicom_subset/MR_small.dcm")
        var bytes = try FileBytes.read(native)
        let tag = try #require(position(of: [0xE0, 0x7F, 0x10, 0x00, UInt8(ascii: "O"), UInt8(ascii: "W")], in: bytes))
        let length = (0..<4).reduce(0) { $0 | Int(bytes[tag + 8 + $1]) << (8 * $1) }
        #expect(length == 64 * 64 * 2)
        for k in 0..<4 { bytes[tag + 8 + k] = UInt8(((length + text.count) >> (8 * k)) & 0xFF) }
        bytes.insert(contentsOf: text, at: tag + 12 + length)
        try Data(bytes).write(to: URL(fileURLWithPath: work + "/native.dcm"))
        let (dropped, out) = try await run([work + "/native.dcm"])
        #expect(dropped.passed && dropped.files.count == 1)
        let droppedFile = try #require(dropped.files.first)
        #expect(droppedFile.attributes.contains { $0.keyword == "PixelData" && $0.action == "removed \(text.count) bytes after the image's frames" })
        let written = try #require(outputs(out, suffix: ".dcm").first)
        #expect(!String(decoding: try FileBytes.read(written), as: UTF8.self).contains("Zyxwert"))
        #expect(try DICOMFileReader().read(written).tensor == DICOMFileReader().read(native).tensor)
        let (plain, _) = try await run([native])
        let plainFile = try #require(plain.files.first)
        #expect(plain.passed && !plainFile.attributes.contains { $0.keyword == "PixelData" })

        for (name, plain, start) in [("jpeg", "dicom/pydicom_subset/JPEG-lossy.dcm", [UInt8(0xFF), 0xD8, 0xFF]), ("j2k", "dicom/pydicom_subset/MR_small_jp2klossless.dcm", [0xFF, 0x4F, 0xFF, 0x51]),
                                     ("rle", "dicom/pydicom_subset/MR_small_RLE.dcm", [2, 0, 0, 0, 0x40, 0, 0, 0])] {
            let source = try FileBytes.read(SharedData.path(plain))
            let first = try #require(position(of: start, in: source, from: 8))
            let frame = (0..<4).reduce(0) { $0 | Int(source[first - 4 + $1]) << (8 * $1) }
            let path = try inserting(text, into: SharedData.path(plain), at: frame, start: start, as: name + ".dcm", in: work)
            #expect(try DICOMFileReader().read(path).tensor == DICOMFileReader().read(SharedData.path(plain)).tensor)
            let (withheld, out) = try await run([path], allow: true)
            #expect(withheld.files.isEmpty && outputs(out, suffix: ".dcm").isEmpty)
            let kind = ["jpeg": "JPEG trailer", "j2k": "JPEG 2000 trailer", "rle": "RLE trailer"][name]!
            #expect(withheld.withheld.first?.reason.contains("1 \(kind)(s) (\(text.count) bytes)") == true, "\(withheld.withheld)")
        }
    }

    /// A Patient ID and a Study Instance UID stored with VR UN were not read as what they are: the ID became the
    /// pseudonym of an empty ID, and the UID was removed (a Type 1 attribute gone). They are edited as their dictionary's
    /// LO and UI, as the same file with its VRs given is.
    @Test func standardAttributesStoredAsUNAreDeidentifiedAsWhatTheyAre() async throws {
        let work = temporaryDirectory("un-attributes")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let source = SharedData.path("dicom/pydicom_subset/MR_small.dcm")
        let file = try DICOMFile(wholeFileAt: source)
        let id = "JP-8877665", study = "1.2.826.0.1.3680043.9.9999.55.1"
        try file.save(to: work + "/typed.dcm")
        for (tag, value) in [("(0010,0020)", id), ("(0020,000D)", study + "\0")] {
            #expect(try file.remove(tag))
            try file.put(tag, Array(value.utf8).map { String(format: "%02x", $0) }.joined(separator: "\\"), vr: "UN")
        }
        try file.save(to: work + "/un.dcm")
        let typed = try DICOMFile(wholeFileAt: work + "/typed.dcm")
        try typed.put("(0010,0020)", id)
        try typed.put("(0020,000D)", study)
        try typed.save(to: work + "/typed.dcm")
        let stored = try FileBytes.read(work + "/un.dcm")
        for tag: [UInt8] in [[0x10, 0x00, 0x20, 0x00], [0x20, 0x00, 0x0D, 0x00]] { #expect(position(of: tag + Array("UN".utf8), in: stored) != nil) }
        var written: [[String: String]] = []
        for name in ["un", "typed"] {
            let (report, out) = try await run([work + "/\(name).dcm"])
            #expect(report.passed && report.files.count == 1, "\(report.withheld)")
            let output = try #require(outputs(out, suffix: ".dcm").first)
            let attributes = try DICOMFile(path: output).attributes().filter { $0.depth == 0 }
            written.append(Dictionary(attributes.map { ($0.tag.description, $0.vr + " " + $0.value) }, uniquingKeysWith: { a, _ in a }))
        }
        let patient = try #require(written[0]["(0010,0020)"]), uid = try #require(written[0]["(0020,000D)"])
        #expect(patient == written[1]["(0010,0020)"] && uid == written[1]["(0020,000D)"], "\(written[0]) \(written[1])")
        #expect(patient.hasPrefix("LO P-") && patient != "LO " + Self.pseudonymizer.token("", domain: .patient) && uid.hasPrefix("UI 2.25."))
    }

    /// Files without a Patient ID were all given the pseudonym of an empty ID, one pseudonymous patient for every
    /// patient they show. Each study is now its own patient (its folder), and the ID stays empty.
    @Test func filesWithoutAPatientIDAreNotMadeOnePatient() async throws {
        let work = temporaryDirectory("no-patient-id")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for name in ["MR_small.dcm", "CT_small.dcm"] {
            let file = try DICOMFile(wholeFileAt: SharedData.path("dicom/pydicom_subset/" + name))
            try file.put("(0010,0020)", "")
            try file.save(to: work + "/" + name)
            let record = try DICOMFileReader().read(work + "/" + name)
            #expect(record.patientKey?.hasPrefix("study:") == true && record.warnings.contains { $0.hasPrefix("no Patient ID (0010,0020)") })
        }
        let (report, out) = try await run([work + "/MR_small.dcm", work + "/CT_small.dcm"])
        #expect(report.passed && report.files.count == 2)
        let written = outputs(out, suffix: ".dcm")
        #expect(Set(written.map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent }).count == 2, "\(written)")
        for path in written {
            #expect(try DICOMFile(path: path).attributes().first { $0.tag == DICOMTag(0x0010, 0x0020) }?.value == "")
        }
    }

    /// An Encapsulated Document (0042,0011), a PDF or CDA report, was neither read nor cleaned: the Basic Profile's dummy
    /// leaves no document, so the file is withheld with the reason.
    @Test func anEncapsulatedDocumentWithholdsTheFile() async throws {
        let work = temporaryDirectory("encapsulated-document")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = try DICOMFile(wholeFileAt: SharedData.path("dicom/pydicom_subset/CT_small.dcm"))
        let pdf = Array("%PDF-1.4\n(Report for Quimbly Zyxwert, MRN 778899)\n%%EOF\n".utf8)  // an even length, as OB is stored
        try file.put("(0042,0011)", pdf.map { String(format: "%02x", $0) }.joined(separator: "\\"), vr: "OB")
        try file.put("(0042,0012)", "application/pdf")
        _ = try file.save(to: work + "/report.dcm")
        #expect(try DICOMFile(wholeFileAt: work + "/report.dcm").attributes().contains { $0.tag == DICOMTag(0x0042, 0x0011) && $0.length >= pdf.count })
        let (report, out) = try await run([work + "/report.dcm"])
        #expect(report.files.isEmpty && outputs(out, suffix: ".dcm").isEmpty)
        let reason = try #require(report.withheld.first?.reason)
        #expect(reason.contains("Encapsulated Document (0042,0011) (application/pdf), \(pdf.count) bytes"), "\(reason)")
        #expect(!reason.contains("Zyxwert"))
    }

    @Test func blankRectanglesMustLieInsideTheImage() async throws {
        let mr = SharedData.path("dicom/mr_series/In/00001.dcm")  // 256 × 256, no burned-in text risk
        let (blanked, out) = try await run([mr], rectangles: [PixelRectangle(x: 125, y: 128, width: 6, height: 2)])
        #expect(blanked.passed && blanked.files.count == 1)
        let path = try #require(outputs(out, suffix: ".dcm").first)
        let values = try DICOMFileReader().read(path).tensor.doubleValues()
        let original = try DICOMFileReader().read(mr).tensor.doubleValues()
        #expect(values.count == 256 * 256)
        let inside = Set((128..<130).flatMap { row in (125..<131).map { row * 256 + $0 } })
        #expect(inside.allSatisfy { values[$0] == 0 })
        #expect(inside.contains { original[$0] != 0 }, "the rectangle was already black: it proves nothing")
        #expect(values.indices.allSatisfy { inside.contains($0) || values[$0] == original[$0] })
        let codes = try DICOMFile(path: path).attributes().filter { $0.tag == DICOMTag(0x0008, 0x0100) }.map(\.value)
        #expect(codes.contains { $0.hasPrefix("113101") })

        for rectangle in [PixelRectangle(x: 250, y: 0, width: 7, height: 2), PixelRectangle(x: 300, y: 300, width: 5, height: 5),
                          PixelRectangle(x: 10, y: 10, width: Int(UInt32.max), height: 5)] {
            let (refused, refusedOut) = try await run([mr], rectangles: [rectangle])
            #expect(!refused.passed && refused.failures == 1, "\(rectangle) was accepted")
            #expect(outputs(refusedOut, suffix: ".dcm").isEmpty)
        }
    }

    @Test func mrSeriesKeepsOneStudyAndSeries() async throws {
        let input = SharedData.path("dicom/mr_series/In")
        let (report, out) = try await run([input])
        #expect(report.passed)
        #expect(report.files.count == 196)
        let first = try DICOMFile(path: input + "/00001.dcm")
        let study = try #require(try first.string(DICOMTag(0x0020, 0x000D)))
        let series = try #require(try first.string(DICOMTag(0x0020, 0x000E)))
        var studies = Set<String>(), seriesUIDs = Set<String>()
        for path in outputs(out, suffix: ".dcm") {
            let file = try DICOMFile(path: path)
            studies.insert(try file.string(DICOMTag(0x0020, 0x000D)) ?? "")
            seriesUIDs.insert(try file.string(DICOMTag(0x0020, 0x000E)) ?? "")
            let attributes = try file.attributes()
            #expect(!attributes.contains { $0.tag.group % 2 == 1 })
            #expect(try file.string(DICOMTag(0x0002, 0x0003)) == file.string(DICOMTag(0x0008, 0x0018)))
        }
        #expect(studies == [Self.pseudonymizer.uid(study)])
        #expect(seriesUIDs == [Self.pseudonymizer.uid(series)])
        let private0 = try first.attributes().filter { $0.tag.group % 2 == 1 && $0.depth == 0 }.count
        #expect(private0 >= 156)
        let check = try python(needs: "pydicom", { try ReferencePython.runFile("tools/reference/deid_check.py", [input, out]) })
        #expect((check["found"] as? [String]) == [])
        #expect((check["read"] as? Int) == 196)
    }

    /// UIDs that Table E.1-1 does not list (Creator-Version UID with a manufacturer's root, here at the top and
    /// inside a sequence) get their keyed pseudonym, the same in every file; class UIDs and DICOM-defined
    /// values stay, and so does everything under Retain UIDs.
    @Test func unlistedUIDsArePseudonymizedConsistently() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let creator = "1.2.840.113619.6.283.4.985.11"
        for (index, name) in ["00001.dcm", "00002.dcm"].enumerated() {
            let source = folder + "/in\(index).dcm"
            try FileManager.default.copyItem(atPath: SharedData.path("dicom/mr_series/In/" + name), toPath: source)
            let file = try DICOMFile(path: source)
            try file.put("(0008,9123)", creator, vr: "UI")
            try file.newSequence("(0008,1140)", items: 1)
            try file.put("(0008,1140)[0].(0008,1150)", "1.2.840.10008.5.1.4.1.1.4")
            try file.put("(0008,1140)[0].(0008,1155)", "1.2.826.0.1.3680043.9.7777.5")
            try file.put("(0008,1140)[0].(0008,9123)", creator, vr: "UI")
            try file.save(to: source)
        }
        let (report, out) = try await run([folder])
        #expect(report.passed, "\(report.residual.hits) \(report.withheld)")
        let written = outputs(out, suffix: ".dcm")
        #expect(written.count == 2)
        let replacement = Self.pseudonymizer.uid(creator)
        for path in written {
            let file = try DICOMFile(path: path)
            #expect(try file.string(DICOMTag(0x0008, 0x9123)) == replacement)
            let attributes = try file.attributes()
            #expect(attributes.first { $0.path == "(0008,1140)[0].(0008,9123)" }?.value == replacement)
            #expect(attributes.first { $0.path == "(0008,1140)[0].(0008,1150)" }?.value == "1.2.840.10008.5.1.4.1.1.4")
            #expect(try file.string(DICOMTag(0x0008, 0x0016)) == "1.2.840.10008.5.1.4.1.1.4")
            #expect(!attributes.contains { $0.value.contains("113619") }, "the manufacturer's UID root survived")
        }
        let (kept, keptOut) = try await run([folder], options: [.retainUIDs])
        #expect(kept.passed)
        for path in outputs(keptOut, suffix: ".dcm") { #expect(try DICOMFile(path: path).string(DICOMTag(0x0008, 0x9123)) == creator) }
    }

    /// The residual scan also looks in every output for the identifying values of every other input: a patient's
    /// name from one file, found in a kept attribute of another patient's file, withholds that file.
    @Test func residualScanSpansTheWholeBatch() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (index, name) in ["00001.dcm", "00002.dcm"].enumerated() {
            let file = try DICOMFile(path: SharedData.path("dicom/mr_series/In/" + name))
            try file.put("(0010,0020)", "PATIENT-\(index)")
            if index == 0 { try file.put("(0010,0010)", "Okonkwo^Adaeze") } else { try file.put("(0008,0070)", "Okonkwo Imaging") }
            _ = try file.save(to: folder + "/\(index).dcm")
        }
        let (report, out) = try await run([folder])
        #expect(report.files.count == 1 && report.withheld.count == 1 && !report.passed)
        #expect(report.withheld.first?.reason.contains("across the batch") == true, "\(report.withheld)")
        #expect(report.residual.hits.contains { $0.kind == .name })
        let written = outputs(out, suffix: ".dcm")
        #expect(written.count == 1)
        #expect(try DICOMFile(path: try #require(written.first)).string(DICOMTag(0x0008, 0x0070)) != "Okonkwo Imaging")
        // Nothing is left under a temporary name either.
        #expect(FileManager.default.subpaths(atPath: out)?.contains { $0.contains(".medpipe-partial") || $0.hasSuffix(".dcm") && !written.contains(out + "/" + $0) } == false)
    }

    /// A name in Latin-1 (ISO_IR 100, as mr_series is) was looked for as its bytes read as UTF-8, each 8-bit byte a
    /// U+FFFD: another output holding it in UTF-8 was written. A name in UTF-8 (ISO_IR 192) was not looked for in
    /// Latin-1. Both spellings are looked for now.
    @Test func aNameIsFoundInLatin1AndInUTF8() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let latin1 = { (text: String) in text.unicodeScalars.map { UInt8($0.value) } }
        // Each file: its attributes, then ASCII stand-ins replaced by Latin-1 bytes (as many) in the saved file.
        let files: [(values: [(String, String)], latin1: [(String, String)])] = [
            ([("(0010,0010)", "Zyxwort^Quimbly")], [("Zyxwort", "Zyxwört")]),
            ([("(0008,0005)", "ISO_IR 192"), ("(0008,0070)", "Zyxwört Imaging")], []),
            ([("(0008,0005)", "ISO_IR 192"), ("(0010,0010)", "Ångström^Quimbly")], []),
            ([("(0008,0070)", "Xngstrom Imaging")], [("Xngstrom", "Ångström")]),
        ]
        for (index, spec) in files.enumerated() {
            let file = try DICOMFile(path: SharedData.path("dicom/mr_series/In/0000\(index + 1).dcm"))
            #expect(try file.string(DICOMTag(0x0008, 0x0005)) == "ISO_IR 100")
            try file.put("(0010,0020)", "PATIENT-\(index)")
            for (path, value) in spec.values { try file.put(path, value) }
            let saved = folder + "/\(index).dcm"
            _ = try file.save(to: saved)
            var bytes = try FileBytes.read(saved)
            for (standIn, text) in spec.latin1 {
                let from = Array(standIn.utf8), to = latin1(text)
                let at = try #require(position(of: from, in: bytes))
                bytes.replaceSubrange(at..<(at + from.count), with: to)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: saved))
        }
        #expect(try DICOMFile(path: folder + "/0.dcm").attributes().first { $0.tag == DICOMTag(0x0010, 0x0010) }?.undecodedValue.map { Array($0.prefix(7)) } == latin1("Zyxwört"))
        let (report, out) = try await run([folder])
        #expect(report.files.count == 2 && report.withheld.count == 2 && !report.passed, "\(report.withheld)")
        #expect(report.withheld.allSatisfy { $0.reason.contains("across the batch") }, "\(report.withheld)")
        let makers = try outputs(out, suffix: ".dcm").map { try DICOMFile(path: $0).string(DICOMTag(0x0008, 0x0070)) ?? "" }
        #expect(makers.count == 2 && !makers.contains { $0.contains("Imaging") }, "\(makers)")
    }

    /// Text anonymize rewrites (a kept Manufacturer, a Series Description under Clean Descriptors, each cleaned of the
    /// patient's name) went out in UTF-8 into a Latin-1 dataset, its 8-bit letters as U+FFFD (pydicom read
    /// 'SociÃ¯Â¿Â½tÃ¯Â¿Â½'); a Cyrillic dataset's name was never read, and stayed. Rewritten text is now in the dataset's
    /// character set: Latin-1 as it was, and a Cyrillic (ISO_IR 144) dataset converted to UTF-8 (ISO_IR 192).
    @Test func rewrittenTextIsInTheDatasetsCharacterSet() async throws {
        try ReferencePython.require("pydicom")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // mr_series (ISO_IR 100) with names and texts pydicom encodes in each file's set.
        let make = try ReferencePython.run("""
            import sys, pydicom
            for name, charset, patient, maker, series in [
                    ('latin1', 'ISO_IR 100', 'Buc^Jérôme', 'Société Buc Médicale', 'CRÂNE DE JÉRÔME'),
                    ('cyrillic', 'ISO_IR 144', 'Иванов^Пётр', 'Клиника Иванов', 'Череп ПЁТР')]:
                ds = pydicom.dcmread(sys.argv[1])
                ds.SpecificCharacterSet = charset
                ds.PatientID = name.upper()
                ds.PatientName, ds.Manufacturer, ds.SeriesDescription = patient, maker, series
                ds.save_as(sys.argv[2] + '/' + name + '.dcm')
            """, [SharedData.path("dicom/mr_series/In/00001.dcm"), folder])
        try #require(make.status == 0, "\(make.output)")
        let (report, out) = try await run([folder], options: [.cleanDescriptors])
        #expect(report.withheld.isEmpty && report.failures == 0 && report.passed, "\(report.withheld)")
        let check = try ReferencePython.json("""
            import sys, json, glob, pydicom
            found = {}
            for path in glob.glob(sys.argv[1] + '/**/*.dcm', recursive=True):
                ds = pydicom.dcmread(path)
                found[ds.SpecificCharacterSet] = [ds.Manufacturer, ds.SeriesDescription]
            print(json.dumps(found))
            """, [out])
        // A name in another case is the same name (СИДОРОВ in a description of Сидоров's study was kept).
        #expect(check["ISO_IR 100"] as? [String] == ["Société  Médicale", "CRÂNE DE"], "\(check)")
        #expect(check["ISO_IR 192"] as? [String] == ["Клиника", "Череп"], "\(check)")
        #expect(report.files.filter { $0.attributes.contains(TouchedAttribute(tag: DICOMTag(0x0008, 0x0005), keyword: "SpecificCharacterSet",
                                                                              action: "text converted from ISO_IR 144 to UTF-8 (ISO_IR 192)")) }.count == 1)
    }

    /// Japanese text was withheld (katakana: DCMTK names JIS X 0201 to iconv by a name glibc lacks) or kept unread
    /// (7-bit kanji between ISO 2022 escapes looked like ASCII, so a kept Manufacturer repeating the patient's name went
    /// out). Both are now converted to UTF-8 and cleaned of the name; pydicom reads the outputs.
    @Test func japaneseTextIsConvertedAndCleaned() async throws {
        try ReferencePython.require("pydicom")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let make = try ReferencePython.run("""
            import sys, pydicom
            for name, charset, patient, maker in [
                    ('katakana', ['ISO 2022 IR 13', 'ISO 2022 IR 87'], 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎', 'ﾔﾏﾀﾞ ｸﾘﾆｯｸ 山田医院'),
                    ('kanji', ['', 'ISO 2022 IR 87'], 'Yamada^Tarou=山田^太郎', 'クリニック 山田')]:
                ds = pydicom.dcmread(sys.argv[1])
                ds.SpecificCharacterSet = charset
                ds.PatientID = name.upper()
                ds.PatientName, ds.Manufacturer = patient, maker
                ds.save_as(sys.argv[2] + '/' + name + '.dcm')
            """, [SharedData.path("dicom/mr_series/In/00001.dcm"), folder])
        try #require(make.status == 0, "\(make.output)")
        let (report, out) = try await run([folder])
        #expect(report.withheld.isEmpty && report.failures == 0 && report.passed, "\(report.withheld)")
        let check = try ReferencePython.json("""
            import sys, json, glob, pydicom
            outputs = [pydicom.dcmread(p) for p in glob.glob(sys.argv[1] + '/**/*.dcm', recursive=True)]
            print(json.dumps({'rows': sorted([ds.SpecificCharacterSet, ds.Manufacturer] for ds in outputs)}))
            """, [out])
        #expect(check["rows"] as? [[String]] == [["ISO_IR 192", " ｸﾘﾆｯｸ 医院"], ["ISO_IR 192", "クリニック"]], "\(check)")
    }

    /// Text in a set that cannot be converted (a misspelt defined term, `ISO_IR100`, which neither DCMTK nor MedPipe
    /// knows) cannot be read to be cleaned: the file is withheld with the reason, not written with names unread.
    @Test func textInASetThatCannotBeConvertedWithholdsTheFile() async throws {
        try ReferencePython.require("pydicom")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let make = try ReferencePython.run("""
            import sys, pydicom
            ds = pydicom.dcmread(sys.argv[1])
            ds.SpecificCharacterSet = 'ISO_IR100'
            ds.add_new(0x00100010, 'PN', b'Zyxw\\xf6rt^J\\xfcrgen')
            ds.add_new(0x00080070, 'LO', b'Soci\\xe9t\\xe9 Zyxw\\xf6rt')
            ds.save_as(sys.argv[2] + '/misspelt.dcm')
            """, [SharedData.path("dicom/mr_series/In/00001.dcm"), folder])
        try #require(make.status == 0, "\(make.output)")
        let (report, out) = try await run([folder])
        #expect(report.files.isEmpty && outputs(out, suffix: ".dcm").isEmpty)
        #expect(report.withheld.first?.reason.contains("character set 'ISO_IR100' that is not converted to UTF-8") == true,
                "\(report.withheld)")
    }

    /// An overlay plane kept in the unused high bits of Pixel Data (bit 12 of 12-bit MR samples, Overlay Bit
    /// Position 12) can draw text; it is cleared, its group removed, and the report says so. pydicom reads the
    /// output's stored words as the input's with that bit cleared.
    @Test func overlaysInUnusedHighBitsAreCleared() async throws {
        try ReferencePython.require("pydicom", "numpy")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let make = try ReferencePython.run("""
            import sys, pydicom, numpy as np
            ds = pydicom.dcmread(sys.argv[1])
            assert ds.BitsStored == 12 and ds.HighBit == 11
            a = ds.pixel_array.copy()
            a[10:14, 5:60] |= 1 << 12
            ds.PixelData = a.astype(np.uint16).tobytes()
            ds.add_new(0x60000010, "US", ds.Rows); ds.add_new(0x60000011, "US", ds.Columns)
            ds.add_new(0x60000040, "CS", "G"); ds.add_new(0x60000050, "SS", [1, 1])
            ds.add_new(0x60000100, "US", 16); ds.add_new(0x60000102, "US", 12)
            ds.save_as(sys.argv[2])
            """, [SharedData.path("dicom/dcm_qa_ts/In/1.dcm"), folder + "/overlay.dcm"])
        try #require(make.status == 0, "\(make.output)")
        let (report, out) = try await run([folder + "/overlay.dcm"])
        #expect(report.passed)
        #expect(try #require(report.files.first).attributes.contains { $0.keyword == "PixelData" && $0.action.contains("overlay") })
        let written = try #require(outputs(out, suffix: ".dcm").first)
        let check = try ReferencePython.json("""
            import sys, json, pydicom, numpy as np
            a, b = pydicom.dcmread(sys.argv[1]), pydicom.dcmread(sys.argv[2])
            # The stored words as written (pixel_array masks the unused bits away, hiding what a viewer may draw).
            x, y = (np.frombuffer(d.PixelData, "<u2").astype(np.int64) for d in (a, b))
            print(json.dumps({"overlayBitsIn": int(((x >> 12) & 1).sum()), "overlayBitsOut": int(((y >> 12) & 1).sum()),
                              "equalBelow": bool(((x & 0xFFF) == y).all()), "groups": sorted({e.tag.group for e in b if e.tag.group >> 8 == 0x60})}))
            """, [folder + "/overlay.dcm", written])
        #expect(check["overlayBitsIn"] as? Int == 4 * 55)
        #expect(check["overlayBitsOut"] as? Int == 0)
        #expect(check["equalBelow"] as? Bool == true)
        #expect((check["groups"] as? [Int])?.isEmpty == true)
    }

    /// An overlay plane with its own Overlay Data (60xx,3000), which the profile removes, kept its rows, columns, type,
    /// origin and bit position: a plane described without its data, a module missing a Type 1 attribute that dciodvfy
    /// reports. The plane's group goes whole, and the pixels are untouched.
    @Test func anOverlayWhoseDataIsRemovedGoesWhole() async throws {
        try ReferencePython.require("pydicom", "numpy")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let make = try ReferencePython.run("""
            import sys, pydicom, numpy as np
            ds = pydicom.dcmread(sys.argv[1])
            for group in (0x6000, 0x6002):
                ds.add_new(group << 16 | 0x0010, "US", ds.Rows); ds.add_new(group << 16 | 0x0011, "US", ds.Columns)
                ds.add_new(group << 16 | 0x0040, "CS", "G"); ds.add_new(group << 16 | 0x0050, "SS", [1, 1])
                ds.add_new(group << 16 | 0x0100, "US", 1); ds.add_new(group << 16 | 0x0102, "US", 0)
                ds.add_new(group << 16 | 0x3000, "OW", np.packbits(np.ones(ds.Rows * ds.Columns, np.uint8), bitorder="little").tobytes())
            ds.save_as(sys.argv[2])
            """, [SharedData.path("dicom/pydicom_subset/MR_small.dcm"), folder + "/overlay.dcm"])
        try #require(make.status == 0, "\(make.output)")
        let (report, out) = try await run([folder + "/overlay.dcm"])
        #expect(report.passed)
        let touched = try #require(report.files.first).attributes.map(\.keyword)
        #expect(touched.contains("overlay plane 6000 (6 more attributes, its data removed)") && touched.contains("overlay plane 6002 (6 more attributes, its data removed)"), "\(touched)")
        let written = try #require(outputs(out, suffix: ".dcm").first)
        #expect(try DICOMFile(path: written).attributes().allSatisfy { !(0x6000...0x601E).contains($0.tag.group) })
        #expect(try DICOMFileReader().read(written).tensor == DICOMFileReader().read(SharedData.path("dicom/pydicom_subset/MR_small.dcm")).tensor)
    }

    /// A value planted in every Table E.1-1 attribute with a string VR, in a nested sequence and in
    /// private attributes: none survives, and the residual scan agrees.
    @Test func plantedCorpusLeavesNothing() async throws {
        let folder = try temporaryFolder()
        let source = folder + "/planted.dcm"
        try FileManager.default.copyItem(atPath: SharedData.path("dicom/mr_series/In/00001.dcm"), toPath: source)
        let file = try DICOMFile(path: source)
        var planted = 0
        for (index, row) in BasicProfileTable.rows.enumerated() where row.pattern.isExact && row.pattern.value >> 16 != 0x0002 {
            let tag = DICOMTag(rawValue: row.pattern.value)
            let path = tag.description
            guard (try? file.put(path, "PLANTQX\(index)")) != nil else { continue }  // numeric VRs refuse text
            guard let attribute = try file.attributes().first(where: { $0.path == path }) else { continue }
            switch attribute.vr {
            case "PN": try file.put(path, "PLANTQXFAMILY\(index)^PLANTQXGIVEN")
            case "UI": try file.put(path, "1.2.826.0.1.3680043.9.7777.\(index)")
            case "DA": try file.put(path, "19710203")
            case "DT": try file.put(path, "19710203101112")
            case "AE", "AS", "CS", "LO", "LT", "SH", "ST", "UC", "UR", "UT": break
            default: try file.remove(path); continue
            }
            planted += 1
        }
        #expect(planted > 250)
        // A nested sequence two levels deep, and private attributes.
        try file.newSequence("(0008,1032)", items: 1)
        try file.put("(0008,1032)[0].(0008,0080)", "PLANTQXNESTEDINSTITUTION")
        try file.newSequence("(0008,1032)[0].(0040,A043)", items: 1)
        try file.put("(0008,1032)[0].(0040,A043)[0].(0010,0010)", "PLANTQXDEEP^NAME")
        try file.put("(0008,1032)[0].(0040,A043)[0].(0008,1155)", "1.2.826.0.1.3680043.9.7777.99999")
        try file.put("(0009,0010)", "PLANTQX CREATOR", vr: "LO")
        try file.put("(0009,1001)", "PLANTQXPRIVATE", vr: "LO")
        try file.put("(0010,0010)", "PLANTQXFAMILY^PLANTQXGIVEN")
        try file.save(to: source)

        let (report, out) = try await run([source])
        #expect(report.residual.hits.isEmpty)
        #expect(report.passed)
        let written = try #require(outputs(out, suffix: ".dcm").first)
        let bytes = try FileBytes.read(written)
        let span = try #require(try DICOMFile(path: written).pixelDataSpan())
        let header = String(decoding: bytes[0..<span.offset] + bytes[(span.offset + span.length)...], as: UTF8.self).uppercased()
        let left = header.components(separatedBy: "PLANTQX").dropFirst().map { String($0.prefix { $0.isLetter || $0.isNumber }) }
        #expect(left.isEmpty, "planted values left: \(left.map { Int($0).map { BasicProfileTable.rows[$0].keyword } ?? $0 })")
        #expect(!header.contains("19710203"))
        #expect(!header.contains("3680043.9.7777"))
    }

    /// The in-memory scan of a DICOM output sees the File Meta Information that is written (created
    /// anew from the dataset) and values inside nested sequences, in the attributes and in the bytes.
    @Test func outputScanCoversMetaAndNestedSequences() throws {
        let file = try DICOMFile(path: SharedData.path("dicom/mr_series/In/00001.dcm"))
        let sop = "1.2.826.0.1.3680043.9.7777.4242"  // the meta header read from the input holds the old one
        try file.put("(0008,0018)", sop)
        try file.newSequence("(0028,3010)", items: 1)
        try file.newSequence("(0028,3010)[0].(0040,A043)", items: 1)
        try file.put("(0028,3010)[0].(0040,A043)[0].(0008,0104)", "PLANTQXDEEP")
        var identifiers = IdentifierSet()
        identifiers.addUID(sop)
        identifiers.addName("PLANTQXDEEP")
        let output = try file.serialized()
        let scan = try OutputScan.dicom(file, output: output, name: "out.dcm", scanner: ResidualScanner(identifiers: identifiers))
        let locations = Set(scan.hits.map(\.location))
        #expect(locations.contains("out.dcm (0002,0003)"))  // Media Storage SOP Instance UID, made from the dataset's
        #expect(locations.contains("out.dcm (0008,0018)"))
        #expect(locations.contains("out.dcm (0028,3010)[0].(0040,A043)[0].(0008,0104)"))
        #expect(scan.hits.filter { $0.location == "out.dcm bytes" }.count == 3)  // both UIDs and the nested name
        #expect(!scan.passed)
    }

    /// A name inside a private sequence is an identifying value of the input even though the sequence
    /// is removed: a kept text repeating it is cleaned of it.
    @Test func namesInPrivateSequencesAreCollected() async throws {
        let folder = try temporaryFolder()
        let source = folder + "/private-sequence.dcm"
        try FileManager.default.copyItem(atPath: SharedData.path("dicom/mr_series/In/00001.dcm"), toPath: source)
        let file = try DICOMFile(path: source)
        try file.put("(0029,0010)", "ACME CREATOR", vr: "LO")
        try file.newSequence("(0029,1010)", items: 1)
        try file.put("(0029,1010)[0].(0010,0010)", "PLANTQXHIDDEN^PERSON")
        try file.put("(0008,0070)", "ACME PLANTQXHIDDEN")  // Manufacturer: kept, cleaned of identifying values
        try file.save(to: source)

        let (report, out) = try await run([source])
        #expect(report.passed)
        let written = try #require(outputs(out, suffix: ".dcm").first)
        let bytes = try FileBytes.read(written)
        #expect(!String(decoding: bytes, as: UTF8.self).uppercased().contains("PLANTQXHIDDEN"))
        #expect(try DICOMFile(path: written).string(DICOMTag(0x0008, 0x0070)) == "ACME")
    }

    /// A patient ID left in a kept numeric attribute inside a sequence survives the profile: the scan
    /// catches it, nothing is written, and the run fails.
    @Test func residualHitWithholdsTheOutput() async throws {
        let folder = try temporaryFolder()
        let source = folder + "/leaky.dcm"
        try FileManager.default.copyItem(atPath: SharedData.path("dicom/mr_series/In/00001.dcm"), toPath: source)
        let file = try DICOMFile(path: source)
        try file.put("(0010,0020)", "31415926")
        try file.newSequence("(0028,3010)", items: 1)  // VOI LUT Sequence: kept, its items visited
        try file.put("(0028,3010)[0].(0028,1050)", "31415926")  // Window Center (DS): kept as is
        try file.save(to: source)

        let (report, out) = try await run([source])
        #expect(!report.passed)
        #expect(report.failures == 1)
        #expect(report.files.isEmpty)
        #expect(report.residual.hits.contains { $0.location.hasSuffix("(0028,3010)[0].(0028,1050)") && $0.kind == .id })
        let reason = try #require(report.withheld.first?.reason)
        #expect(reason.hasPrefix("residual scan:"))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: out).isEmpty, "nothing written, not even a temporary file")
    }

    @Test func optionsChangeTheResult() async throws {
        let input = SharedData.path("dicom/deid_data/humans/ctbrain1.dcm")  // Secondary Capture: needs allow
        let original = try DICOMFile(path: input)
        let sex = try #require(try original.string(DICOMTag(0x0010, 0x0040)))
        let age = try #require(try original.string(DICOMTag(0x0010, 0x1010)))
        let studyDate = try #require(try original.string(DICOMTag(0x0008, 0x0020)))
        let patient = try original.string(DICOMTag(0x0010, 0x0020)) ?? ""

        let (_, basicOut) = try await run([input], allow: true)
        let basic = try DICOMFile(path: try #require(outputs(basicOut, suffix: ".dcm").first))
        #expect(try basic.string(DICOMTag(0x0010, 0x0040)) == nil)  // Patient's Sex: Z
        #expect(try !basic.has(DICOMTag(0x0010, 0x1010)))  // Patient's Age: X
        #expect(try basic.string(DICOMTag(0x0008, 0x0020)) == nil)  // Study Date: Z
        #expect(try basic.string(DICOMTag(0x0010, 0x0020)) == Self.pseudonymizer.token(patient, domain: .patient))
        #expect(try basic.string(DICOMTag(0x0028, 0x0303)) == "REMOVED")

        let (report, retainedOut) = try await run([input], options: [.retainPatientCharacteristics, .retainLongitudinalModifiedDates], allow: true)
        #expect(report.passed)
        let retained = try DICOMFile(path: try #require(outputs(retainedOut, suffix: ".dcm").first))
        #expect(try retained.string(DICOMTag(0x0010, 0x0040)) == sex)
        #expect(try retained.string(DICOMTag(0x0010, 0x1010)) == age)
        let shift = Self.pseudonymizer.dateShift(patientID: patient)
        #expect(try retained.string(DICOMTag(0x0008, 0x0020)) == Self.pseudonymizer.shiftDA(studyDate, by: shift))
        #expect(try retained.string(DICOMTag(0x0028, 0x0303)) == "MODIFIED")
        let codes = try retained.attributes().filter { $0.tag == DICOMTag(0x0008, 0x0100) && $0.path.hasPrefix("(0012,0064)") }
            .map { $0.value.trimmingCharacters(in: .whitespaces) }
        #expect(codes == ["113100", "113108", "113107"])  // table column order
    }

    @Test func wfdbRecordIsScrubbedAndReadable() async throws {
        let (report, out) = try await run([SharedData.path("wfdb/test01_00s.hea")])
        #expect(report.passed)
        let header = try #require(outputs(out, suffix: ".hea").first)
        let text = String(decoding: try FileBytes.read(header), as: UTF8.self)
        #expect(!text.contains("#"))
        #expect(!text.contains("test01"))
        let scrubbed = try WFDBReader().read(header)
        let original = try WFDBReader().read(SharedData.path("wfdb/test01_00s.hea"))
        #expect(scrubbed.tensor == original.tensor)
        let check = try python(needs: "wfdb", { try ReferencePython.run("import wfdb, json, sys; r = wfdb.rdrecord(sys.argv[1][:-4]); print(json.dumps({'shape': list(r.d_signal.shape) if r.d_signal is not None else list(r.p_signal.shape), 'comments': r.comments}))", [header]) })
        #expect((check["shape"] as? [Int]) == original.tensor.shape)
        #expect((check["comments"] as? [String]) == [])
    }

    @Test func aNameInAWFDBCommentIsLookedForInTheRecordsOutputs() async throws {
        let work = temporaryDirectory("wfdb-comment-name")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100.dat"), toPath: work + "/100.dat")
        let header = try String(contentsOfFile: SharedData.path("wfdb/100.hea"), encoding: .utf8)
        try (header + "# name: Quimbly Zyxwert\n").write(toFile: work + "/100.hea", atomically: true, encoding: .utf8)
        // Kept under Retain Patient Characteristics, the name field was written as it was.
        let (kept, keptOut) = try await run([work + "/100.hea"], options: [.retainPatientCharacteristics])
        #expect(kept.passed)
        let text = try String(contentsOfFile: try #require(outputs(keptOut, suffix: ".hea").first), encoding: .utf8)
        #expect(text.contains("# 69 M") && !text.contains("Quimbly") && !text.contains("Zyxwert"), "\(text)")
        // A table of the batch keeping it withholds the table: the comment's name was no identifying value. (The header
        // itself keeps no text that could repeat it: signal descriptions and units are checked.)
        try "site,age\nZyxwert Clinic,61\n".write(toFile: work + "/visits.csv", atomically: true, encoding: .utf8)
        let (withheld, out) = try await run([work + "/100.hea", work + "/visits.csv"], csv: ["site": .keep, "age": .keep])
        #expect(withheld.withheld.count == 1 && outputs(out, suffix: ".csv").isEmpty && outputs(out, suffix: ".hea").count == 1)
        #expect(withheld.withheld.first?.reason.hasPrefix("residual scan across the batch") == true, "\(withheld.withheld)")
    }

    /// A signal description is free text: a name or a record number in it was written as it was, though no comment
    /// named the patient. Only plain signal names are kept; others become `sig` and the signal's index.
    @Test func aSignalDescriptionThatIsNoSignalNameIsReplaced() async throws {
        let work = temporaryDirectory("wfdb-description")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100.dat"), toPath: work + "/100.dat")
        let header = try String(contentsOfFile: SharedData.path("wfdb/100.hea"), encoding: .utf8)
        #expect(header.contains(" 0 MLII\n") && header.contains(" 0 V5"))
        try header.replacingOccurrences(of: " 0 MLII\n", with: " 0 Quimbly Zyxwert  MRN 778899\n")
            .write(toFile: work + "/100.hea", atomically: true, encoding: .utf8)
        let (report, out) = try await run([work + "/100.hea"])
        #expect(report.passed && report.files.count == 1)
        let written = try #require(outputs(out, suffix: ".hea").first)
        let text = try String(contentsOfFile: written, encoding: .utf8)
        #expect(!text.contains("Quimbly") && !text.contains("Zyxwert") && !text.contains("778899"), "\(text)")
        #expect(try WFDBHeader.read(written).signals.map(\.description) == ["sig0", "V5"])
        #expect(try #require(report.files.first).attributes.contains(TouchedAttribute(keyword: "signal description", action: "replace by a neutral name")))
    }

    /// A signal's units (after the gain's `/`) take any text without blanks, and anonymize copied them: a patient's
    /// name there left de-identification. Units not written with known unit symbols become `NU`, and the report says so;
    /// the other signal's units stay as written.
    @Test func signalUnitsThatAreNoUnitsAreReplaced() async throws {
        let work = temporaryDirectory("wfdb-units")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100.dat"), toPath: work + "/100.dat")
        let header = try String(contentsOfFile: SharedData.path("wfdb/100.hea"), encoding: .utf8)
        #expect(header.contains("212 200 11 1024 995") && header.contains("212 200 11 1024 1011"))
        try header.replacingOccurrences(of: "212 200 11 1024 995", with: "212 200(0)/Zyxwert_MRN778899 11 1024 995")
            .replacingOccurrences(of: "212 200 11 1024 1011", with: "212 200/uV 11 1024 1011")
            .write(toFile: work + "/100.hea", atomically: true, encoding: .utf8)
        let (report, out) = try await run([work + "/100.hea"])
        #expect(report.passed && report.files.count == 1)
        let written = try #require(outputs(out, suffix: ".hea").first)
        let text = try String(contentsOfFile: written, encoding: .utf8)
        #expect(!text.contains("Zyxwert") && !text.contains("778899"), "\(text)")
        #expect(try WFDBHeader.read(written).signals.map(\.units) == ["NU", "uV"])
        let touched = try #require(report.files.first).attributes
        #expect(touched.filter { $0.keyword == "signal units" } == [TouchedAttribute(keyword: "signal units", action: "replace by NU")])
        let check = try python(needs: "wfdb", { try ReferencePython.run("import wfdb, json, sys; r = wfdb.rdheader(sys.argv[1][:-4]); print(json.dumps({'units': r.units, 'baseline': r.baseline}))", [written]) })
        #expect(check["units"] as? [String] == ["NU", "uV"] && check["baseline"] as? [Int] == [0, 1024], "\(check)")
    }

    @Test func onlyAnnotationFilesOfARecordAreWrittenBesideIt() async throws {
        let work = temporaryDirectory("wfdb-other-files")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for file in ["100.hea", "100.dat", "100.atr"] { try FileManager.default.copyItem(atPath: SharedData.path("wfdb/" + file), toPath: work + "/" + file) }
        // Named after the record, they read as annotation words and were copied as they were, the note's name and all.
        try "Patient Quimbly Zyxwert, MRN 778899, admitted with chest pain\n".write(toFile: work + "/100.txt", atomically: true, encoding: .utf8)
        try "age,name\n61,Zyxwert\n".write(toFile: work + "/100.csv", atomically: true, encoding: .utf8)
        let (report, out) = try await run([work])
        #expect(report.passed && report.files.count == 1)
        let written = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.map { String($0.split(separator: ".").last!) }
        #expect(written.sorted() == ["atr", "dat", "hea"], "\(written)")
        let attributes = try #require(report.files.first).attributes
        #expect(attributes.contains(TouchedAttribute(keyword: "other files named after the record (2)", action: "not written: neither signal nor annotation files")))
        #expect(attributes.contains { $0.keyword == "annotations .atr" })
    }

    @Test func aRecordFileThatCannotBeReadIsNamedByItsOutputName() async throws {
        let work = temporaryDirectory("record-file-errors")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let folder = work + "/Doe_John"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for record in ["mrn778899", "mrn445566"] {
            try "\(record) 1 360 1000\n\(record).dat 16 200 16 0 0 0 0 MLII\n".write(toFile: "\(folder)/\(record).hea", atomically: true, encoding: .utf8)
        }
        // mrn778899.dat is missing; mrn445566.dat is a FIFO, which copying waited on for a writer: one comes after 10 s,
        // so that the old code fails this test instead of hanging it.
        let fifo = folder + "/mrn445566.dat"
        #expect(mkfifo(fifo, 0o600) == 0)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 10)
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        let (report, _) = try await run([folder])
        #expect(report.failures == 2)
        // The report named the missing file by its path (the folder and the record's name, which can name the patient),
        // in a Foundation error's dump.
        let reasons = report.withheld.map(\.reason).joined(separator: "\n")
        #expect(!reasons.contains("Doe") && !reasons.contains("778899") && !reasons.contains("445566") && !reasons.contains("Error Domain"), "\(reasons)")
        // Named by its role, not by its copy's pseudonymous name either (a user read "P-q2nen723ncn3.dat: no such file").
        #expect(reasons.contains("its signal file (the record's name + .dat): no such file") && reasons.contains("its signal file (the record's name + .dat): is not a regular file"), "\(reasons)")
    }

    @Test func annotationAuxTextIsRemoved() throws {
        // NORMAL at 10 with AUX "(N", NORMAL at 20 with AUX "John Doe", end marker.
        func word(_ code: Int, _ low: Int) -> [UInt8] { let w = code << 10 | low; return [UInt8(w & 0xFF), UInt8(w >> 8)] }
        let bytes = word(1, 10) + word(63, 2) + Array("(N".utf8) + word(1, 10) + word(63, 8) + Array("John Doe".utf8) + [0, 0]
        let filtered = try MITAnnotationFilter.scrubAux(bytes, source: "test")
        #expect(filtered.removed == 1)
        #expect(filtered.bytes == word(1, 10) + word(63, 2) + Array("(N".utf8) + word(1, 10) + [0, 0])
    }

    /// The filter walks the file with the reader's tokens: an AUX word whose unused bits 8-9 are set
    /// (length 4 in its low byte, 260 in its 10 bits) shifts neither, so the name in the next AUX
    /// string is found and removed, and the filtered file reads as the original without that string.
    @Test func annotationFilterAndReaderAgreeOnHostileAuxLengths() throws {
        func word(_ code: Int, _ low: Int) -> [UInt8] { let w = code << 10 | low; return [UInt8(w & 0xFF), UInt8(w >> 8)] }
        let name = Array("Jane Roe".utf8)
        let bytes = word(1, 10) + word(63, 0x100 | 4) + Array("(AB)".utf8)
            + word(5, 20) + word(63, name.count) + name + word(1, 30) + [0, 0]
        let filtered = try MITAnnotationFilter.scrubAux(bytes, source: "test")
        #expect(filtered.removed == 1)
        #expect(filtered.bytes.firstRange(of: Array("Jane".utf8)) == nil)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/a.atr"))
        try Data(filtered.bytes).write(to: URL(fileURLWithPath: folder + "/b.atr"))
        let original = try WFDBAnnotationReader().read(folder + "/a.atr").annotations
        let scrubbed = try WFDBAnnotationReader().read(folder + "/b.atr").annotations
        #expect(original.map(\.sample) == [10, 30, 60] && original.map(\.symbol) == ["N", "V", "N"])
        #expect(original.map(\.aux) == ["(AB)", "Jane Roe", ""])
        #expect(scrubbed.map(\.sample) == original.map(\.sample) && scrubbed.map(\.symbol) == original.map(\.symbol))
        #expect(scrubbed.map(\.aux) == ["(AB)", "", ""])
    }

    @Test func csvColumnsFollowTheirPolicies() async throws {
        let (report, out) = try await run([SharedData.path("tabular/heart.csv")],
                                          csv: ["age": .generalizeAge, "trestbps": .keep, "target": .keep, "chol": .drop])
        #expect(report.passed)
        let path = try #require(outputs(out, suffix: ".csv").first)
        let rows = try CSVRecords.parse(try FileBytes.read(path), source: path)
        // Only the named columns are written, in the table's order; every other column is dropped and reported.
        #expect(rows[0] == ["age", "trestbps", "target"])
        #expect(rows.dropFirst().allSatisfy { $0[0].contains("-") || $0[0] == "90+" })
        #expect(rows.count == 304)
        let dropped = Set(try #require(report.files.first).attributes.filter { $0.action == "drop" }.map(\.keyword))
        #expect(dropped == ["sex", "cp", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal"])
    }

    /// Columns whose names do not look identifying (surname, notes, physician, zip, hospital) are dropped
    /// unless named; a name found in a dropped identifying column is caught in a kept free-text column.
    @Test func csvDropsUnnamedColumnsAndScansKeptOnes() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let table = folder + "/visits.csv"
        try """
            patient_id,surname,notes,physician,zip,hospital,visit_date,chol
            MRN-88231,Okonkwo,stable,Dr Hale,02139,St Mary,2021-03-04,233
            MRN-99120,Lindqvist,follow up,Dr Hale,02140,St Mary,2021-05-11,250
            """.write(toFile: table, atomically: true, encoding: .utf8)
        let (report, out) = try await run([table], csv: ["chol": .keep, "visit_date": .shiftDates])
        #expect(report.passed)
        let path = try #require(outputs(out, suffix: ".csv").first)
        let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
        #expect(text.hasPrefix("visit_date,chol\n"))
        for leaked in ["Okonkwo", "Lindqvist", "Hale", "02139", "St Mary", "MRN-88231", "2021-03-04", "stable"] {
            #expect(!text.contains(leaked), "\(leaked) survived")
        }
        let dropped = Set(try #require(report.files.first).attributes.filter { $0.action == "drop" }.map(\.keyword))
        #expect(dropped == ["patient_id", "surname", "notes", "physician", "zip", "hospital"])

        // A semicolon table (a spreadsheet saved where the decimal mark is a comma) is de-identified column by column
        // too, and keeps its separator.
        try """
            patient_id;surname;visit_date;chol
            MRN-88231;Okonkwo;2021-03-04;233
            """.write(toFile: table, atomically: true, encoding: .utf8)
        let (semicolons, semicolonOut) = try await run([table], csv: ["chol": .keep])
        #expect(semicolons.passed)
        let kept = String(decoding: try FileBytes.read(try #require(outputs(semicolonOut, suffix: ".csv").first)), as: UTF8.self)
        #expect(kept == "chol\n233\n")

        // Keeping the notes column: a surname typed into it is a residual hit, and the file is withheld.
        try """
            patient_id,surname,notes
            MRN-1,Okonkwo,seen with Okonkwo family
            """.write(toFile: table, atomically: true, encoding: .utf8)
        let (leaky, _) = try await run([table], csv: ["notes": .keep])
        #expect(!leaky.passed)
        #expect(leaky.residual.hits.contains { $0.kind == .name }, "\(leaky.residual.hits)")

        // Nothing named: nothing would be written, which is refused with the reason.
        let (empty, _) = try await run([table])
        #expect(!empty.passed)
    }

    @Test func niftiHeaderTextAndExtensionsAreCleared() async throws {
        let input = SharedData.path("nifti/nibabel_repo_docs/someones_epi.nii.gz")
        let (report, out) = try await run([input, SharedData.path("nifti/nibabel_subset/anatomical.nii")])
        #expect(report.passed)
        #expect(report.files.count == 2)
        let written = try #require(outputs(out, suffix: ".nii.gz").first)
        let before = try NIfTIReader().readHeader(input), after = try NIfTIReader().readHeader(written)
        #expect(after.descrip.isEmpty && after.auxFile.isEmpty && after.intentName.isEmpty && after.extensions.isEmpty)
        #expect(after.qformCode == before.qformCode && after.sformCode == before.sformCode)
        #expect(try NIfTIReader().read(written).tensor == NIfTIReader().read(input).tensor)
    }

    /// NIfTI-1 keeps ANALYZE's `data_type` (bytes 4-13) and `db_name` (14-31), free text that can name a
    /// patient or a study, and the unused `extents`, `session_error` (32-37), `glmax` and `glmin` (140-147), where a
    /// tool can hide a name as well: all are zeroed, and the name is caught nowhere else.
    @Test func niftiDataTypeDatabaseNameAndUnusedFieldsAreCleared() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var bytes = CraftedNIfTI.bytes(dims: [4, 4, 2])
        bytes.replaceSubrange(4..<38, with: Array("MRI_DATA\0\0OKONKWO^ADAEZE^SCAN MRN 7".utf8.prefix(34)))
        bytes.replaceSubrange(140..<148, with: Array("ID 55443".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/named.nii"))
        let (report, out) = try await run([folder + "/named.nii"])
        #expect(report.passed)
        let written = try #require(outputs(out, suffix: ".nii").first)
        let header = try FileBytes.read(written)
        #expect(header[4..<38].allSatisfy { $0 == 0 } && header[140..<148].allSatisfy { $0 == 0 })
        #expect(Set(try #require(report.files.first).attributes.map(\.keyword))
            .isSuperset(of: ["data_type", "db_name", "extents", "session_error", "glmax", "glmin"]))
        #expect(try NIfTIReader().read(written).tensor == NIfTIReader().read(folder + "/named.nii").tensor)
    }

    /// NIfTI-2's last header field, `unused_str` (bytes 525-539), was copied: a name there left with the file.
    @Test func niftiTwoUnusedTextIsCleared() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(CraftedNIfTI.version2Bytes(dims: [4, 4, 2], unused: "OKAFOR 66778899")).write(to: URL(fileURLWithPath: folder + "/named.nii"))
        #expect(try NIfTIReader().readHeader(folder + "/named.nii").version == 2)
        let (report, out) = try await run([folder + "/named.nii"])
        #expect(report.passed)
        let written = try #require(outputs(out, suffix: ".nii").first)
        let bytes = try FileBytes.read(written)
        #expect(bytes.count == 544 + 32 && bytes[525..<540].allSatisfy { $0 == 0 } && !String(decoding: bytes, as: UTF8.self).contains("OKAFOR"))
        #expect(try #require(report.files.first).attributes.map(\.keyword).contains("unused_str"))
        #expect(try NIfTIReader().read(written).tensor == NIfTIReader().read(folder + "/named.nii").tensor)
    }

    /// The header is parsed by the reader's `NIfTIHeader`: every text field is zeroed whole (bytes hidden
    /// after a NUL too), extensions go, `vox_offset` becomes 352, and every other header byte is kept, in
    /// either byte order.
    @Test func niftiHeaderBytesOtherThanTextAndOffsetAreKept() async throws {
        let inputs = ["nifti/nibabel_subset/example4d.nii.gz", "nifti/nibabel_subset/anatomical.nii"].map(SharedData.path)
        let (report, out) = try await run(inputs)
        #expect(report.passed && report.files.count == 2)
        for (input, suffix) in zip(inputs, [".nii.gz", ".nii"]) {
            let written = try #require(outputs(out, suffix: suffix).first)
            let before = try NIfTIReader().readHeader(input), after = try NIfTIReader().readHeader(written)
            #expect(after.isBigEndian == before.isBigEndian && after.dataOffset == 352 && after.extensions.isEmpty)
            let cleared = Set(before.textFields.flatMap { Array($0.range) } + Array(108..<112))
            for i in 0..<348 {
                if cleared.contains(i) {
                    if !(108..<112).contains(i) { #expect(after.rawHeader[i] == 0, "\(input): text byte \(i)") }
                } else {
                    #expect(after.rawHeader[i] == before.rawHeader[i], "\(input): header byte \(i)")
                }
            }
            #expect(try NIfTIReader().read(written).tensor == NIfTIReader().read(input).tensor)
        }
        // example4d hides " v2.25 NIfTI-1 Single file format" after the NUL of descrip, and has an extension.
        let hidden = try NIfTIReader().readHeader(inputs[0])
        #expect(hidden.rawHeader[148..<228].contains(UInt8(ascii: "v")) && !hidden.extensions.isEmpty)
    }

    /// Bytes appended after the voxels were copied as they were, and the scan, of the header only, never read them.
    @Test func bytesAfterTheVoxelsAreDropped() async throws {
        let work = temporaryDirectory("nifti-trailer")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let input = work + "/anatomical.nii", original = try FileBytes.read(SharedData.path("nifti/nibabel_subset/anatomical.nii"))
        try Data(original + Array("Patient Quimbly Zyxwert, MRN 778899".utf8)).write(to: URL(fileURLWithPath: input))
        let (report, out) = try await run([input])
        #expect(report.passed && report.files.count == 1)
        let output = try #require(outputs(out, suffix: ".nii").first), written = try FileBytes.read(output)
        #expect(!String(decoding: written, as: UTF8.self).contains("Zyxwert"))
        #expect(written.count == original.count)
        #expect(try NIfTIReader().read(output).tensor == NIfTIReader().read(input).tensor)
        #expect(try #require(report.files.first).attributes.contains(TouchedAttribute(keyword: "bytes after the voxels (35)", action: "remove")))
    }

    /// A run killed on the way leaves hidden folders of outputs that never passed the batch's residual scan; the next
    /// run into the same folder removes them (a copy of the folder would carry them along), and says so. A folder of
    /// a process that still runs is another run's, and is left alone.
    @Test func partialOutputsOfAKilledRunAreRemovedByTheNext() async throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = out + "/.medpipe-partial-\(ended.processIdentifier)-140000", live = out + "/.medpipe-partial-1-140000"
        for folder in [dead, dead + "1", live] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: SharedData.path("dicom/pydicom_subset/CT_small.dcm"), toPath: folder + "/7.dcm")
        }
        let settings = AnonymizeSettings(output: out, options: [], burnedInText: BurnedInTextPolicy(allow: false, rectangles: []), csvPolicies: [:], jobs: 2)
        let report = try await Anonymizer(settings: settings, pseudonymizer: Self.pseudonymizer).run([SharedData.path("dicom/pydicom_subset/MR_small.dcm")])
        #expect(report.files.count == 1 && report.passed)
        #expect(report.interruptedRunsRemoved == 1, "one killed run (two of its threads' folders)")
        let left = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") }
        #expect(left == [".medpipe-partial-1-140000"], "the folder of a running process stays")
        let again = try await Anonymizer(settings: settings, pseudonymizer: Self.pseudonymizer).run([SharedData.path("dicom/pydicom_subset/MR_small.dcm")])
        #expect(again.interruptedRunsRemoved == nil)
        #expect(try String(data: again.json(), encoding: .utf8)?.contains("interrupted") == false, "the report's fields stay as they were")
    }

    /// An output folder inside the input folder (`anonymize scans --out scans/anon`) is not read as input on the
    /// next run: the second run read the first one's outputs as new inputs (pseudonyms of pseudonyms) and, as
    /// their values then appeared in every other output, withheld every real input. The input folder itself as
    /// the output folder is refused.
    @Test func anOutputFolderInsideTheInputsIsNotAnInput() async throws {
        let scans = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: scans) }
        for name in ["00001.dcm", "00002.dcm"] {
            try FileManager.default.copyItem(atPath: SharedData.path("dicom/mr_series/In/" + name), toPath: scans + "/" + name)
        }
        let settings = AnonymizeSettings(output: scans + "/anon", options: [], burnedInText: BurnedInTextPolicy(allow: false, rectangles: []),
                                         csvPolicies: [:], jobs: 2)
        let first = try await Anonymizer(settings: settings, pseudonymizer: Self.pseudonymizer).run([scans])
        #expect(first.files.count == 2 && first.passed)
        let outputs = outputs(scans + "/anon", suffix: ".dcm")
        #expect(outputs.count == 2)
        // The same folder spelt another way, with its outputs from the first run in it.
        let again = try await Anonymizer(settings: settings, pseudonymizer: Self.pseudonymizer).run([scans + "/../" + URL(fileURLWithPath: scans).lastPathComponent])
        #expect(again.files.count == 2 && again.passed, "\(again.withheld.map(\.reason))")
        #expect(self.outputs(scans + "/anon", suffix: ".dcm") == outputs, "the same two outputs, none of an output")
        let mixed = AnonymizeSettings(output: scans + "/", options: [], burnedInText: BurnedInTextPolicy(allow: false, rectangles: []), csvPolicies: [:], jobs: 2)
        await #expect(throws: MedPipeError.self) { try await Anonymizer(settings: mixed, pseudonymizer: Self.pseudonymizer).run([scans]) }
    }
}
