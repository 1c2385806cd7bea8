import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeCache

/// A folder's content hash (part of a series' unit key) covers the files a reader reads, and only those.
@Suite struct ContentHashTests {
    @Test func aFolderHashCoversWhatItsReaderReads() throws {
        let folder = temporaryDirectory("content-hash")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try Data("one".utf8).write(to: URL(fileURLWithPath: folder + "/a.dcm"))
        try Data("two".utf8).write(to: URL(fileURLWithPath: folder + "/sub/b.dcm"))
        let base = try ContentHash.ofDirectory(folder)
        // The definition: each relative path, a tab, the file's digest, a line each, in sorted order.
        let lines = "a.dcm\t\(ContentHash.of(Array("one".utf8)))\nsub/b.dcm\t\(ContentHash.of(Array("two".utf8)))\n"
        #expect(base == ContentHash.of(Array(lines.utf8)))
        #expect(try ContentHash.ofDirectory(folder + "/") == base)

        // What no reader reads leaves the key alone: a hidden file, a FIFO (never opened), a name that is not UTF-8.
        try Data("finder".utf8).write(to: URL(fileURLWithPath: folder + "/.DS_Store"))
        #expect(mkfifo(folder + "/pipe", 0o600) == 0)
        #expect(createFile(in: folder, rawName: Array("M".utf8) + [0xFC] + Array("ller.dcm".utf8)))
        #expect(try ContentHash.ofDirectory(folder) == base)

        // A changed, renamed or added file changes it.
        try Data("One".utf8).write(to: URL(fileURLWithPath: folder + "/a.dcm"))
        let changed = try ContentHash.ofDirectory(folder)
        #expect(changed != base)
        try FileManager.default.moveItem(atPath: folder + "/a.dcm", toPath: folder + "/c.dcm")
        #expect(try ContentHash.ofDirectory(folder) != changed)
    }
}
