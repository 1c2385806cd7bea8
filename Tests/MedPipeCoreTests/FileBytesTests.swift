import Foundation
import Testing
import MedPipeCore
import TestSupport

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

    /// A FIFO where a file is read (a model, a recipe, an input replaced by `mkfifo`) is refused at once, naming it:
    /// opening it for reading waited for a writer forever.
    @Test func aFIFOIsRefusedWithoutWaiting() throws {
        let folder = temporaryDirectory("filebytes-fifo")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/model.safetensors"
        try makeWaitingFIFO(fifo)
        let refusal = MedPipeError.io(fifo, "is not a regular file (a FIFO, socket or device)")
        #expect(throws: refusal) { try FileBytes.read(fifo) }
        #expect(throws: refusal) { try FileBytes.head(fifo, count: 8) }
        #expect(throws: refusal) { try FileBytes.read(fifo, outside: 0..<1) }
        #expect(throws: MedPipeError.io(folder, "is a directory, expected a file")) { try FileBytes.read(folder) }
    }
}
