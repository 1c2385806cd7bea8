import Foundation
import MedPipeCore
import MedPipeFormats

/// Where a command will write a file at the end of long work (a trained model, a report, predictions).
enum OutputPath {
    /// Makes sure a file can be written at `path` before the work starts, so that hours of training are not lost
    /// to a mistyped folder at the end: creates its folder (and the folders above) when missing, and refuses a
    /// folder this process cannot write into, or a path that is a folder, a device, a FIFO or a socket
    /// (``AtomicFile/refuseNonFile(_:)``).
    static func prepare(_ path: String) throws {
        try AtomicFile.refuseNonFile(path)
        let folder = try createFolder(of: path)
        guard access(folder, W_OK) == 0 else {
            throw MedPipeError.io(path, "cannot write into its folder \(folder): \(String(cString: strerror(errno)))")
        }
    }

    /// Creates the folder `path` will be written in (and the folders above) when missing; returns it.
    /// - Throws: ``Folder/create(_:what:subject:attributes:)``'s errors, naming `path`.
    static func createFolder(of path: String) throws -> String {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try Folder.create(folder, what: "folder \(folder)", subject: path)
        return folder
    }

    /// Something a command reads, which none of its outputs may replace: a file, or a folder, every file below which
    /// is an input too.
    struct Input {
        /// The path as given on the command line (or in the recipe).
        let path: String
        /// What the command reads there, as the error names it: "the cache", "--model", "the input".
        let role: String
        /// Whether the folder belongs whole to what the command reads (a cache, whose writer and `cache verify` own every
        /// name in it), so that no new file may be written in it either.
        let whole: Bool

        init(_ path: String, _ role: String, whole: Bool = false) {
            self.path = path
            self.role = role
            self.whole = whole
        }

        /// The dataset cache at `path`.
        static func cache(_ path: String) -> Input { Input(path, "the cache", whole: true) }
    }

    /// What reading the raw inputs `paths` reads, each as "the input": a WFDB record's header, signal files and
    /// annotations (`inspect 100.hea --array 100.dat` would replace the record's samples), any other file or folder
    /// as itself.
    static func records(_ paths: [String]) -> [Input] {
        paths.flatMap { path in
            let files = (try? FormatKind.detect(path)) == .wfdb ? (try? WFDBReader.files(of: path)) ?? [path] : [path]
            return files.map { Input($0, "the input") }
        }
    }

    /// The inputs of the options given (those whose path is not nil), each named by its option (or role).
    static func inputs(_ options: KeyValuePairs<String, String?>) -> [Input] {
        options.compactMap { option, path in path.map { Input($0, option) } }
    }

    /// Refuses, before any work, an output that would write over one of the command's own inputs (compared by their
    /// real paths, symbolic links followed): the input itself, a file inside an input folder, any path inside a folder
    /// read whole (a cache's `manifest.sqlite`, a model written among its shards), or, when `output` is a folder the
    /// command writes into (`isFolder`), a folder that holds one read whole. An input that does not exist is passed
    /// over: the command says so when it reads it.
    /// - Throws: `.invalidArgument` naming `output`: "is also an input (...)", with the input.
    static func refuseOverwriting(_ output: String, inputs: [Input], isFolder: Bool = false) throws {
        let target = FileBytes.canonicalPathOfNew(output)
        for input in inputs {
            guard let source = FileBytes.canonicalPath(input.path) else { continue }
            let which = "\(input.role) \(input.path)"
            if target == source {
                throw MedPipeError.invalidArgument(output, "is also an input (\(which)); give the output another path")
            }
            if FileBytes.canonical(target, isWithin: source), input.whole || FileBytes.isRegularFile(target) {
                throw MedPipeError.invalidArgument(output, "is also an input (it lies in \(which)); write it outside")
            }
            if isFolder, input.whole, FileBytes.canonical(source, isWithin: target) {
                throw MedPipeError.invalidArgument(output, "is also an input (it holds \(which)); give an output folder outside it")
            }
        }
    }

    /// Refuses two outputs of one command given the same path (`train --metrics` = `--out`: the model would
    /// replace the metrics, or the metrics be appended to the model); `outputs` pairs each option with its path, nil
    /// when the option is absent.
    /// - Throws: `.invalidArgument` naming the path and both options.
    static func refuseSharing(_ outputs: [(option: String, path: String?)]) throws {
        var seen: [String: String] = [:]
        for case let (option, path?) in outputs {
            let target = FileBytes.canonicalPathOfNew(path)
            if let earlier = seen[target] {
                throw MedPipeError.invalidArgument(path, "is given to both \(earlier) and \(option); give each its own path")
            }
            seen[target] = option
        }
    }
}
