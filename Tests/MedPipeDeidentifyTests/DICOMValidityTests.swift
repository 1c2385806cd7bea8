import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport
@testable import MedPipeDeidentify

/// De-identified DICOM stays valid DICOM: David Clunie's `dciodvfy` (Debian `dicom3tools`, the validator used
/// for collections published after de-identification) finds no error in an output that it did not find in
/// its input.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct DICOMValidityTests {
    static let validator = "/usr/bin/dciodvfy"
    static let pseudonymizer = Pseudonymizer(key: try! ProjectKey(bytes: Array(repeating: 3, count: 32)))

    /// dciodvfy's error lines for a file, values cut off (they differ between input and output by design).
    static func errors(_ path: String) throws -> Set<String> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: validator)
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Set(text.split(separator: "\n").filter { $0.hasPrefix("Error") }.map { line in
            String(line.components(separatedBy: " = ").first ?? String(line))
        })
    }

    /// Every readable DICOM file of the shared data, but deflated ones, which dciodvfy cannot parse (it would
    /// see errors in the re-encoded output that were always there).
    static func inputs() throws -> [String] {
        try Anonymizer.inputs([SharedData.path("dicom")]).filter { $0.format == .dicom }.map(\.path).filter { path in
            guard let syntax = try? DICOMFile(path: path).attributes().first(where: { $0.tag == DICOMTag(0x0002, 0x0010) })?.value else { return true }
            return !syntax.hasPrefix("1.2.840.10008.1.2.1.99")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: validator) || ReferencePython.isRequired,
                   "needs dciodvfy (Debian dicom3tools, installed by tools/setup)"))
    func anonymizedFilesHaveNoNewValidatorErrors() async throws {
        let inputs = try Self.inputs().filter { !$0.contains("/mr_series/") } + [SharedData.path("dicom/mr_series/In/00001.dcm")]
        #expect(inputs.count >= 25)
        var checked = 0
        for input in inputs {
            let out = temporaryDirectory("dciodvfy")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let settings = AnonymizeSettings(output: out, burnedInText: BurnedInTextPolicy(allow: true), jobs: 1)
            let report = try await Anonymizer(settings: settings, pseudonymizer: Self.pseudonymizer).run([input])
            guard let output = report.files.first?.output else { continue }  // refused inputs are tested elsewhere
            let new = try Self.errors(out + "/" + output).subtracting(Self.errors(input))
            #expect(new.isEmpty, "\(input): \(new.sorted().joined(separator: "; "))")
            checked += 1
        }
        #expect(checked >= 25)
    }

    /// An input whose dataset names no SOP class: the class of its meta header is copied into the dataset;
    /// with none there either, the file is withheld rather than written under DCMTK's private class.
    @Test(.enabled(if: ReferencePython.available("pydicom"), "needs python3 with pydicom (tools/setup --python)"))
    func aMissingSOPClassIsTakenFromTheMetaHeaderOrWithheld() async throws {
        let folder = temporaryDirectory("nosop")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try ReferencePython.run("""
            import sys, pydicom
            ds = pydicom.dcmread(sys.argv[1])
            del ds.SOPClassUID
            ds.save_as(sys.argv[2] + "/meta-only.dcm", enforce_file_format=False)
            del ds.file_meta.MediaStorageSOPClassUID
            ds.save_as(sys.argv[2] + "/neither.dcm", enforce_file_format=False)
            """, [SharedData.path("dicom/mr_series/In/00001.dcm"), folder])
        try #require(run.status == 0, "\(run.output)")
        for (name, written) in [("meta-only", true), ("neither", false)] {
            let out = folder + "/out-" + name
            let settings = AnonymizeSettings(output: out, jobs: 1)
            let report = try await Anonymizer(settings: settings, pseudonymizer: Self.pseudonymizer).run([folder + "/\(name).dcm"])
            #expect(report.files.count == (written ? 1 : 0), "\(name)")
            if let output = report.files.first?.output {
                let file = try DICOMFile(path: out + "/" + output)
                #expect(try file.string(DICOMTag(0x0008, 0x0016)) == "1.2.840.10008.5.1.4.1.1.4")
                let meta = try file.attributes().first { $0.tag == DICOMTag(0x0002, 0x0002) }?.value
                #expect(meta.map { String(trimmed($0)) } == "1.2.840.10008.5.1.4.1.1.4")
            } else {
                #expect(report.withheld.first?.reason.contains("SOP Class UID") == true, "\(report.withheld)")
            }
        }
    }
}
