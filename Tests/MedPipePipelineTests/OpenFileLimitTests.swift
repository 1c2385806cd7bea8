import Foundation
import Testing
import TestSupport

/// `medpipe` raises its soft limit on open files to the hard one at start: a cache grown by `mpirun` conversions
/// holds shards of every rank of every run, each read through a descriptor of its own, past the soft limit of 1,024
/// that many systems set.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct OpenFileLimitTests {
    /// The soft and hard "Max open files" of process `pid`, from /proc.
    private func openFiles(_ pid: Int32) -> (soft: String, hard: String)? {
        guard let text = try? procFileText("/proc/\(pid)/limits"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        let fields = line.split(separator: " ")
        return fields.count >= 5 ? (String(fields[3]), String(fields[4])) : nil
    }

    @Test func theSoftLimitIsRaisedToTheHardOne() throws {
        let hard = try #require(openFiles(getpid())?.hard)
        try #require(hard == "unlimited" || (Int(hard) ?? 0) > 64, "the hard limit (\(hard)) leaves nothing to raise")
        // A shell lowers the soft limit, then becomes medpipe reading the 196-file MR series (long enough to be seen).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -Sn 64 && exec \"$0\" \"$@\"", SharedData.medpipeBinary!, "inspect", SharedData.path("dicom/mr_series")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen: [String] = []   // each change of the soft limit, in order
        while process.isRunning {
            if let soft = openFiles(process.processIdentifier)?.soft, soft != seen.last { seen.append(soft) }
            usleep(2_000)
        }
        #expect(process.terminationStatus == 0)
        // Lowered by the shell, then raised by medpipe (the parent's limit may show before the shell lowers it).
        let lowered = try #require(seen.firstIndex(of: "64"), "never saw the lowered limit: \(seen)")
        let expected = hard == "unlimited" ? String(1 << 20) : hard
        #expect(seen[(lowered + 1)...].contains(expected), "\(seen)")
    }
}
