import Foundation
import MedPipeCore

/// The folder a process writes its fuzz files into (in memory when /dev/shm exists).
let workFolder: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let folder = base + "/medpipe-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}()

#if FUZZING
/// The target `tools/fuzz` chose, from `MEDPIPE_FUZZ_TARGET`.
let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MEDPIPE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("MEDPIPE_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
    }
    return target
}()

/// libFuzzer's entry point (built by `tools/fuzz` with `-sanitize=fuzzer,address -D FUZZING`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    fuzzTarget.run(bytes, in: workFolder)
    return 0
}

/// libFuzzer's own mutation (bit flips, dictionary tokens, cross-over...): `size_t LLVMFuzzerMutate(uint8_t *, size_t, size_t)`.
@_silgen_name("LLVMFuzzerMutate")
private func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// libFuzzer's mutation hook: for `wfdb` and `wfdb-stages`, one mutation in four changes a header field (``WFDBHeaderMutation``);
/// every other mutation, and every one of the other targets, is libFuzzer's own.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutate(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: CUnsignedInt) -> Int {
    guard let data else { return 0 }
    if fuzzTarget == .wfdb || fuzzTarget == .wfdbStages {
        var generator = SeededGenerator(seed: UInt64(seed))
        if generator.below(4) == 0, let mutated = WFDBHeaderMutation.mutate(Array(UnsafeBufferPointer(start: data, count: size)), using: &generator),
           !mutated.isEmpty, mutated.count <= maxSize {
            mutated.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: mutated.count) }
            return mutated.count
        }
    }
    return libFuzzerMutate(data, size, maxSize)
}

/// libFuzzer's driver (`int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*)(const uint8_t *, size_t))`).
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The program's entry: SwiftPM links an executable's `main` to `<module>_main`, so libFuzzer's own
/// `main` is not used and its driver is started here.
@_cdecl("medpipe_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc, arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
#else
/// `medpipe-fuzz TARGET FILE...`: replays files (crashes a fuzzer found, a corpus) through one fuzz
/// target without the fuzzer, e.g. under a debugger. `tools/fuzz` builds the fuzzing binary.
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            print("usage: medpipe-fuzz TARGET FILE...   (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(2)
        }
        for file in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else {
                print("\(file): cannot be read")
                exit(1)
            }
            target.run([UInt8](data), in: workFolder)
            print("\(file): no crash")
        }
        try? FileManager.default.removeItem(atPath: workFolder)
    }
}
#endif
