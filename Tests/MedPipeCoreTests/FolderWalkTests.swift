import Foundation
import Testing
import MedPipeCore
import TestSupport

@Suite struct FolderWalkTests {
    /// A folder as archives hold them: regular files (one in a subfolder, one reached through a link), a hidden
    /// file, a FIFO, a link back to the folder (a loop), and a Latin-1 name. The walk lists the regular files,
    /// never opens the FIFO nor follows the loop, and returns the Latin-1 name as a problem instead of losing it.
    @Test func regularFilesAndProblems() throws {
        let root = NSTemporaryDirectory() + "medpipe-walk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["a.dcm", "sub/b.dcm", ".hidden.dcm"] { try Data([1]).write(to: URL(fileURLWithPath: root + "/" + name)) }
        #expect(mkfifo(root + "/sub/pipe.dcm", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/loop", withDestinationPath: root)
        try FileManager.default.createSymbolicLink(atPath: root + "/link.dcm", withDestinationPath: root + "/a.dcm")
        #expect(createFile(in: root, rawName: Array("M".utf8) + [0xFC] + Array("ller.dcm".utf8)))

        let walk = try FolderWalk(root + "/")
        #expect(walk.files == [root + "/a.dcm", root + "/link.dcm", root + "/sub/b.dcm"])
        #expect(walk.problems.map(\.path) == [root + "/M\u{FFFD}ller.dcm"])
        #expect(walk.problems.first?.reason.contains("not UTF-8") == true)
        #expect(throws: MedPipeError.self) { try FolderWalk(root + "/missing") }
    }
}
