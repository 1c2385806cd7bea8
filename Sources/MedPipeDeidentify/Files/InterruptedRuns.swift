import Foundation
import MedPipeCore
#if canImport(Glibc)
import Glibc
#endif

/// The hidden folders of partial outputs that a killed `anonymize` run leaves in its output folder.
///
/// A run writes each output into `.medpipe-partial-PID-THREAD/` and moves it to its final name only after the
/// batch's residual scan passed; the folders are removed at the end of the run. A run killed on the way (SIGKILL,
/// power loss) leaves them behind, holding files that never passed that scan: a copy of the output folder
/// (`cp -r`, `rsync`) would carry them along. The next run into the same folder removes them first.
enum InterruptedRuns {
    /// The name prefix of a run's folder of partial outputs.
    static let prefix = ".medpipe-partial-"

    /// The folder of partial outputs of the calling thread of this process, in `output`.
    static func folder(in output: String) -> String {
        output + "/" + prefix + "\(getpid())-\(pthread_self())"
    }

    /// Removes from `output` the folders of partial outputs of processes that no longer run; returns how many runs
    /// (processes) left them. A folder of a process that still runs (another `anonymize` into the same folder) is
    /// left alone.
    static func removeLeftovers(in output: String) throws -> Int {
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
}
