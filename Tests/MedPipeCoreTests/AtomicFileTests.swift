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
}
