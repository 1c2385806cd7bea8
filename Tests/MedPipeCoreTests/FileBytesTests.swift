import Foundation
import Testing
import MedPipeCore

@Suite struct FileBytesTests {
    /// `read(_:outside:)` returns the bytes around a range without the range itself, clamped to the file.
    @Test func bytesOutsideARange() throws {
        let path = NSTemporaryDirectory() + "/medpipe-filebytes-\(getpid()).bin"
        let bytes = (0..<100).map { UInt8($0) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let middle = try FileBytes.read(path, outside: 10..<90)
        #expect(middle.before == Array(bytes[0..<10]) && middle.after == Array(bytes[90...]))
        let pastTheEnd = try FileBytes.read(path, outside: 95..<1_000)
        #expect(pastTheEnd.before == Array(bytes[0..<95]) && pastTheEnd.after.isEmpty)
        let beyond = try FileBytes.read(path, outside: 200..<300)
        #expect(beyond.before == bytes && beyond.after.isEmpty)
        #expect(throws: MedPipeError.self) { try FileBytes.read(path + ".missing", outside: 0..<1) }
    }
}
