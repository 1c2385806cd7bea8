import Foundation

/// The whole text of a file under `/proc`. Such files report a size of 0 and may come in several reads (a process's
/// `maps`, while other threads map memory, can end its first read after a page); this reads to the end.
public func procFileText(_ path: String) throws -> String {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
}
