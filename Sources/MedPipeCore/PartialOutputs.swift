import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The hidden folders of partial outputs that a run keeps in its output folder until its outputs are whole.
///
/// `anonymize` writes each output into `.medpipe-partial-PID-THREAD/` and moves it to its final name only after the
/// batch's residual scan passed; `export` writes every file into one such folder and moves them all into place only
/// once the last sample is written. The folders are removed at the end of the run, also when it fails or is
/// interrupted (``Interruption``). A run killed on the way (SIGKILL, power loss) leaves them behind, holding files that never passed that scan or that make no whole
/// export: a copy of the output folder (`cp -r`, `rsync`) would carry them along. The next run into the same folder
/// removes them first.
public enum PartialOutputs {
    /// The name prefix of a run's folder of partial outputs.
    public static let prefix = ".medpipe-partial-"

    /// The folder of partial outputs of the calling thread of this process, in `output`.
    public static func folder(in output: String) -> String {
        output + "/" + prefix + "\(getpid())-\(pthread_self())"
    }

    /// Removes from `output` the folders of partial outputs of processes that no longer run; returns how many runs
    /// (processes) left them. A folder of a process that still runs (another run into the same folder) is left alone.
    public static func removeLeftovers(in output: String) throws -> Int {
        var runs: Set<pid_t> = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0, pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            do {
                try FileManager.default.removeItem(atPath: output + "/" + name)
            } catch {
                throw MedPipeError.io(output + "/" + name, "cannot remove the partial outputs of an interrupted run: \(error.localizedDescription)")
            }
            runs.insert(pid)
        }
        return runs.count
    }

    /// Moves every file under `folder` (a folder of partial outputs) to the same relative path under `output`, making
    /// the folders on the way and replacing files of the same names, then removes `folder`. A folder whose name is
    /// free under `output` moves whole, in one rename: into a new output folder, an export's split folders appear
    /// each at once, with all their files.
    /// - Throws: `.invalidArgument`, before anything moves, where a folder would be merged into a symbolic link under
    ///   `output`: its files would land wherever the link points, outside `output`.
    public static func moveContents(of folder: String, into output: String) throws {
        try refuseLinkedFolders(of: folder, into: output, top: output)
        try move(folder, into: output)
    }

    private static func refuseLinkedFolders(of folder: String, into output: String, top: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let source = folder + "/" + name, destination = output + "/" + name
            var isFolder: ObjCBool = false, existing = stat()
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder), isFolder.boolValue, lstat(destination, &existing) == 0 else { continue }
            if existing.st_mode & S_IFMT == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: destination)) ?? "?"
                throw MedPipeError.invalidArgument(destination, "is a symbolic link (to \(target)): the outputs would be written where it points, outside \(top); remove it")
            }
            try refuseLinkedFolders(of: source, into: destination, top: top)
        }
    }

    private static func move(_ folder: String, into output: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            let source = folder + "/" + name, destination = output + "/" + name
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: source, isDirectory: &isFolder), isFolder.boolValue {
                var existing = stat()
                if lstat(destination, &existing) != 0, errno == ENOENT, rename(source, destination) == 0 { continue }
                try Folder.create(destination, what: "output folder")
                try move(source, into: destination)
            } else if rename(source, destination) != 0 {
                throw MedPipeError.io(destination, "cannot move \(source) into place: \(String(cString: strerror(errno)))")
            }
        }
        guard rmdir(folder) == 0 else { throw MedPipeError.io(folder, "cannot remove: \(String(cString: strerror(errno)))") }
    }
}
