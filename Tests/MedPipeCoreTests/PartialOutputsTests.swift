#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import MedPipeCore

/// Partial outputs move into place after the run's last output: into folders that exist, file by file (replacing
/// files of the same names, keeping the others); a folder new to the output, whole in one rename.
struct PartialOutputsTests {
    private static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    private static func inode(_ path: String) -> ino_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_ino : nil
    }

    @Test func newFoldersMoveWholeAndExistingOnesAreMerged() throws {
        let output = temporaryDirectory("partial-outputs")
        defer { try? FileManager.default.removeItem(atPath: output) }
        try Self.write(output + "/train/old.png", "kept")
        try Self.write(output + "/train/same.png", "replaced")
        let staging = PartialOutputs.folder(in: output)
        try Self.write(staging + "/train/same.png", "new")
        try Self.write(staging + "/train/added.png", "added")
        try Self.write(staging + "/test/a/1.png", "test 1")
        try Self.write(staging + "/test/b/2.png", "test 2")
        try Self.write(staging + "/index.csv", "index")
        let testFolder = try #require(Self.inode(staging + "/test"))

        try PartialOutputs.moveContents(of: staging, into: output)
        func text(_ name: String) throws -> String { try String(contentsOfFile: output + "/" + name, encoding: .utf8) }
        #expect(try text("train/old.png") == "kept" && text("train/same.png") == "new" && text("train/added.png") == "added")
        #expect(try text("test/a/1.png") == "test 1" && text("test/b/2.png") == "test 2" && text("index.csv") == "index")
        #expect(Self.inode(output + "/test") == testFolder, "the new folder moved whole, in one rename")
        #expect(!FileManager.default.fileExists(atPath: staging))
    }

    /// A folder of the output that is a symbolic link (a `train` left pointing elsewhere) had the outputs merged
    /// through it: export --format png wrote the split's images wherever it pointed, outside the output folder.
    @Test func aFolderThatIsASymbolicLinkIsRefusedBeforeAnythingMoves() throws {
        let work = temporaryDirectory("partial-link")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let output = work + "/out", elsewhere = work + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: output + "/test", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: output + "/test/train", withDestinationPath: elsewhere)
        let staging = PartialOutputs.folder(in: output)
        try Self.write(staging + "/a.csv", "a")
        try Self.write(staging + "/test/train/1.png", "image")
        #expect(throws: MedPipeError.invalidArgument(output + "/test/train", "is a symbolic link (to \(elsewhere)): the outputs would be written where it points, outside \(output); remove it")) {
            try PartialOutputs.moveContents(of: staging, into: output)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: output + "/a.csv"), "nothing moved")
    }
}

