import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

/// Sequences nested thousands deep (6,000 in a 120 KB file) crashed `inspect`, `anonymize` and `convert` (DCMTK's reader
/// recurses once per level and ran out of stack): one error line now, naming the file, whether the sequences and items
/// have defined lengths or delimiters, in explicit or implicit VR. Files nested less deep than the limit are read as
/// before.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct DICOMNestingTests {
    /// `levels` Referenced Image Sequences (0008,1140) nested one in the other's item, encoded as the dataset is.
    static func nested(_ levels: Int, explicitVR: Bool, definedLengths: Bool, closed: Bool = true) -> [UInt8] {
        let tag: [UInt8] = [0x08, 0x00, 0x40, 0x11]
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func sequenceHeader(_ length: Int) -> [UInt8] { tag + (explicitVR ? Array("SQ".utf8) + [0, 0] : []) + le32(length) }
        let item: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0]
        if definedLengths {
            var content: [UInt8] = []
            for _ in 0..<levels {
                let wrapped = item + le32(content.count) + content
                content = sequenceHeader(wrapped.count) + wrapped
            }
            return content
        }
        let open = sequenceHeader(-1 & 0xFFFF_FFFF) + item + le32(0xFFFF_FFFF)
        let close: [UInt8] = [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
        return Array([[UInt8]](repeating: open, count: levels).joined()) + (closed ? Array([[UInt8]](repeating: close, count: levels).joined()) : [])
    }

    /// The file `name` of pydicom's subset with `nesting` inserted at the start of its dataset, written in `work`.
    static func file(_ name: String, with nesting: [UInt8], in work: String, as output: String) throws -> String {
        var bytes = try FileBytes.read(SharedData.path("dicom/pydicom_subset/" + name))
        let groupLength = Int(bytes[140]) | Int(bytes[141]) << 8 | Int(bytes[142]) << 16 | Int(bytes[143]) << 24
        bytes.insert(contentsOf: nesting, at: 144 + groupLength)
        let path = work + "/" + output
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [("MR_small.dcm", true), ("MR_small_implicit.dcm", false)])
    func nestingDeeperThanTheLimitIsOneError(_ name: String, _ explicitVR: Bool) throws {
        let work = temporaryDirectory("dicom-nesting")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let original = try DICOMFileReader().read(SharedData.path("dicom/pydicom_subset/" + name))
        for defined in [false, true] {
            let shallow = try Self.file(name, with: Self.nested(400, explicitVR: explicitVR, definedLengths: defined), in: work, as: "shallow.dcm")
            #expect(try DICOMFileReader().read(shallow).tensor == original.tensor, "400 levels, defined lengths \(defined)")
            #expect(try DICOMFile(wholeFileAt: shallow).attributes().count > 400)
            var cases = [("deep.dcm", Self.nested(501, explicitVR: explicitVR, definedLengths: defined))]
            if !defined { cases.append(("unclosed.dcm", Self.nested(6000, explicitVR: explicitVR, definedLengths: false, closed: false))) }
            for (output, nesting) in cases {
                let path = try Self.file(name, with: nesting, in: work, as: output)
                let problem = "sequences nested more than 500 deep: not read (DCMTK's reader recurses once per level, and would run out of stack)"
                #expect(throws: MedPipeError.malformed(path, problem), "\(output), defined lengths \(defined)") { try DICOMFileReader().read(path) }
                #expect(throws: (any Error).self) { try DICOMFile(wholeFileAt: path) }
                let run = try SharedData.runMedpipe(["inspect", path])
                #expect(run.status == 1 && run.error == "medpipe: error: \(path): \(problem)\n", "\(run.error)")
            }
        }
    }
}
