import ArgumentParser
import Foundation
import MedPipeCore

/// `--inputs-from FILE` and `--null`, shared by the commands that take input paths as positional arguments
/// (`anonymize`, `inspect`, `predict`): the paths of a file list (`tar -T`, `rsync --files-from`), for lists that
/// a shell glob cannot pass (past the kernel's ARG_MAX) or that the argument parser takes too long over (its time grows
/// with the square of the number of positional arguments: 7 s for 16,000).
///
/// The rules, as `--help` states them: one path a line, after the positional inputs, in order; `-` reads standard
/// input; blank lines are skipped and a line's final `\r` dropped, nothing else (a path may begin or end with a space,
/// or begin with `#`: no comments); with `--null`, paths end at NUL bytes instead (`find -print0`), empty ones skipped
/// and nothing dropped. A relative path is taken from the current folder, as a positional one is. Every listed path
/// must exist: the first that does not stops the command before any work, naming the list, the line and the path.
struct InputList: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Also read input paths from FILE ('-': standard input), one a line, after any INPUT given. Blank lines are \
        skipped and a line's final \\r dropped; nothing else is trimmed, and # starts no comment (a path may begin \
        with #). Relative paths are taken from the current folder. A listed path that does not exist stops the \
        command before any work, naming FILE, the line and the path. FILE may be a pipe: <(find DIR -name '*.dcm').
        """, valueName: "FILE"))
    var inputsFrom: String?

    @Flag(help: "With --inputs-from: the paths end at NUL bytes (find -print0), not at line breaks; empty ones are skipped, nothing is dropped.")
    var null = false

    func validate() throws {
        if null, inputsFrom == nil { throw ValidationError("--null applies to the paths of --inputs-from FILE: give that too") }
    }

    /// True when the command is given inputs: `positional` paths or a list (read later, by ``paths(after:)``).
    func isGiven(with positional: [String]) -> Bool {
        !positional.isEmpty || inputsFrom != nil
    }

    /// Refuses a command line that gives no input: neither `positional` paths nor a list.
    func requireInputs(_ positional: [String]) throws {
        guard isGiven(with: positional) else { throw ValidationError("give at least one INPUT, or --inputs-from FILE") }
    }

    /// The list file as an input of the command, which no output may replace (none for standard input).
    var listFile: [OutputPath.Input] {
        inputsFrom.flatMap { $0 == "-" ? nil : [OutputPath.Input($0, "--inputs-from")] } ?? []
    }

    /// `positional`, then the paths `--inputs-from` lists, in their order.
    /// - Throws: ``MedPipeError`` naming the list (or "standard input") when it cannot be read, when an entry is not
    ///   UTF-8 or holds a NUL byte, or names a path that does not exist (with the line or entry), or when it lists no
    ///   path and no positional input is given.
    func paths(after positional: [String]) throws -> [String] {
        guard let inputsFrom else { return positional }
        let paths = try Self.read(inputsFrom, separator: null ? 0 : UInt8(ascii: "\n"), after: positional)
        guard !paths.isEmpty else {
            throw MedPipeError.invalidArgument(Self.name(inputsFrom), "lists no input path (it holds only blank \(null ? "entries" : "lines"), or nothing), and no INPUT is given")
        }
        return paths
    }

    /// How errors name the list `file`.
    private static func name(_ file: String) -> String { file == "-" ? "standard input" : file }

    /// `positional`, then the paths listed in `file` (`-`: standard input), each ending at `separator` (a line break, or
    /// NUL), read 64 KiB at a time: only the paths are kept, never the whole list.
    private static func read(_ file: String, separator: UInt8, after positional: [String]) throws -> [String] {
        let subject = name(file)
        let fd = file == "-" ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MedPipeError.io(subject, errno == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { throw MedPipeError.io(subject, "is a directory, expected a file of paths") }
        var paths = positional
        var number = 0
        var pending: [UInt8] = []   // an entry the last chunk ended inside
        func take(_ entry: UnsafeBufferPointer<UInt8>) throws {
            number += 1
            if let path = try entryPath(entry, separator: separator, subject: subject, number: number) { paths.append(path) }
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try FileBytes.read(fd, at: nil, into: $0, path: subject) }
            if count == 0 { break }
            try chunk.withUnsafeBufferPointer { buffer in
                var start = 0
                while let end = buffer[start..<count].firstIndex(of: separator) {
                    if pending.isEmpty {
                        try take(UnsafeBufferPointer(rebasing: buffer[start..<end]))
                    } else {
                        pending += buffer[start..<end]
                        try pending.withUnsafeBufferPointer { try take($0) }
                        pending.removeAll(keepingCapacity: true)
                    }
                    start = end + 1
                }
                pending += buffer[start..<count]
            }
        }
        if !pending.isEmpty { try pending.withUnsafeBufferPointer { try take($0) } }
        return paths
    }

    /// The path of entry `number` of the list (nil for a blank one), checked.
    private static func entryPath(_ entry: UnsafeBufferPointer<UInt8>, separator: UInt8, subject: String, number: Int) throws -> String? {
        var bytes = entry[...]
        func place() -> String { separator == 0 ? "entry \(number)" : "line \(number)" }
        if separator != 0, bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        if bytes.isEmpty { return nil }
        if bytes.contains(0) {
            throw MedPipeError.malformed(subject, "\(place()) holds a NUL byte, which no path holds (for a list of paths ending at NUL bytes, as find -print0 writes, add --null)")
        }
        guard let path = String(validating: bytes, as: UTF8.self) else {
            throw MedPipeError.malformed(subject, "\(place()) is not UTF-8 text")
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            let reason = errno == ENOENT || errno == ENOTDIR ? "no such file or directory" : "cannot be read: \(String(cString: strerror(errno)))"
            throw MedPipeError.io(subject, "\(place()): \(path): \(reason)")
        }
        return path
    }
}
