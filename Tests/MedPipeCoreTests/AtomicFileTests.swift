import Foundation
import Testing
import TestSupport
@testable import MedPipeCore

struct AtomicFileTests {
    /// A file name of 230 to 255 bytes is valid, but its temporary name, 25 bytes longer, was not: predict --out,
    /// report --out and every other file written whole failed with 'cannot create .NAME.PID.RANDOM.tmp: File name too
    /// long'. The temporary name is cut short instead, at a character's boundary.
    @Test func aNameOfTheLongestLengthIsWritten() throws {
        let folder = temporaryDirectory("atomic-long")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in [String(repeating: "x", count: 251) + ".csv", String(repeating: "é", count: 125) + ".csv"] {
            try AtomicFile.write(folder + "/" + name, text: "a,b\n")
            #expect(try String(contentsOfFile: folder + "/" + name, encoding: .utf8) == "a,b\n")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 2, "no temporary file left")
    }

    /// A file written in place (gradcam's overlays, straight into --out) was written through a symbolic link left at its
    /// name: the file the link pointed to, outside the output folder, was replaced by a PNG. The link is replaced now.
    @Test func aSymbolicLinkWhereAFileIsWrittenInPlaceIsReplacedNotFollowed() throws {
        let folder = temporaryDirectory("atomic-link")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
        try "precious".write(toFile: folder + "/target.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/out/overlay.png", withDestinationPath: folder + "/target.txt")
        try Array("png".utf8).withUnsafeBytes { try AtomicFile.writeInPlace(folder + "/out/overlay.png", parts: [$0]) }
        #expect(try String(contentsOfFile: folder + "/target.txt", encoding: .utf8) == "precious")
        #expect(try FileManager.default.attributesOfItem(atPath: folder + "/out/overlay.png")[.type] as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOfFile: folder + "/out/overlay.png", encoding: .utf8) == "png")
    }

    /// An output given as a device (`--array /dev/null`) was renamed over: as root, /dev/null became a regular file holding
    /// the array. Every way of writing a file refuses a FIFO (what a test can make without root; devices and sockets
    /// take the same path), a folder, a symbolic link to either (`/dev/stdout`), an empty path and one ending in '/', and
    /// leaves them as they were; a file and a symbolic link to a file or to nothing are written as before.
    @Test func aFIFOOrAFolderWhereAFileIsWrittenIsRefusedAndKept() throws {
        let folder = temporaryDirectory("atomic-special")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/folder", withIntermediateDirectories: true)
        #expect(mkfifo(folder + "/fifo", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: folder + "/to-fifo", withDestinationPath: folder + "/fifo")
        try FileManager.default.createSymbolicLink(atPath: folder + "/to-folder", withDestinationPath: folder + "/folder")
        let writes: [(String) throws -> Void] = [
            { try AtomicFile.write($0, text: "x") },
            { path in try Array("x".utf8).withUnsafeBytes { try AtomicFile.writeInPlace(path, parts: [$0]) } },
            { _ = try AtomicFile.Staged($0) },
        ]
        for (name, what) in [("fifo", "is a FIFO, not a file: "), ("folder", "is a folder; give the path of the file to write"),
                             ("to-fifo", "is a FIFO (through a symbolic link), not a file: "), ("to-folder", "is a folder (through a symbolic link); "),
                             ("folder/", "ends in '/', as a folder does; "), ("", "is an empty path; ")] {
            let path = name.isEmpty ? "" : folder + "/" + name
            for write in writes {
                let error = #expect(throws: MedPipeError.self) { try write(path) }
                #expect(error?.subject == (path.isEmpty ? "''" : path) && error?.message.hasPrefix(what) == true, "\(String(describing: error))")
            }
        }
        var status = stat()
        #expect(lstat(folder + "/fifo", &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["fifo", "folder", "to-fifo", "to-folder"], "nothing else written")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/folder").isEmpty)
        try "old".write(toFile: folder + "/file", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/file")
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling", withDestinationPath: folder + "/nothing")
        for name in ["file", "link", "dangling"] { try AtomicFile.write(folder + "/" + name, text: name) }
        #expect(try String(contentsOfFile: folder + "/file", encoding: .utf8) == "file")
        #expect(try FileManager.default.attributesOfItem(atPath: folder + "/link")[.type] as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOfFile: folder + "/dangling", encoding: .utf8) == "dangling" && !FileManager.default.fileExists(atPath: folder + "/nothing"))
    }
}

