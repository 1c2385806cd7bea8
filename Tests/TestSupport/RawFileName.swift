import Foundation

/// Creates an empty file in `folder` whose name is the raw `bytes` (which need not be UTF-8: a Latin-1 `Müller.dcm`
/// is `M`, `0xFC`, `ller.dcm`), as no Swift `String` path can name it. Returns whether it was created.
@discardableResult
public func createFile(in folder: String, rawName bytes: [UInt8]) -> Bool {
    let path = Array((folder + "/").utf8) + bytes + [0]
    let descriptor = path.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o600) }
    guard descriptor >= 0 else { return false }
    close(descriptor)
    return true
}
