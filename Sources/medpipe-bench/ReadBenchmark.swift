import Foundation
import MedPipeCore
import MedPipeFormats

/// `medpipe-bench read PATH [--repeat N] [--physical] [--float]`: times MedPipe's reader in process
/// and prints one JSON line with the median and minimum seconds, for tools/bench/readers.
enum ReadBenchmark {
    static let usage = "read PATH [--repeat N] [--physical] [--float]"

    /// `arguments`: what follows `read`.
    static func run(_ arguments: [String]) throws {
        var arguments = arguments
        guard !arguments.isEmpty else { Benchmarks.fail(usage: usage) }
        let path = arguments.removeFirst()
        var repeats = 10, physical = false, asFloat = false
        while let flag = arguments.first {
            arguments.removeFirst()
            switch flag {
            case "--repeat": repeats = Int(arguments.removeFirst()) ?? 10
            case "--physical": physical = true
            case "--float": asFloat = true
            default:
                StandardError.write("unknown option \(flag)\n")
                exit(2)
            }
        }
        var times: [Double] = []
        var checksum = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let records = try RecordReading.read(path, options: ReadOptions(physical: physical))
            // "--float": the array as float64, as nibabel's get_fdata returns it.
            if asFloat { checksum += records[0].tensor.doubleValues().first ?? 0 }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            checksum += Double(records[0].tensor.count)
        }
        times.sort()
        print("{\"median\": \(times[times.count / 2]), \"min\": \(times[0]), \"repeats\": \(repeats), \"checksum\": \(checksum)}")
    }
}
