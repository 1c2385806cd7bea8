import Foundation
import Testing
import MedPipeCore
import TestSupport

/// The peak memory of `inspect` and `convert` of a CSV table four times longer: the UCI heart table's rows repeated to
/// 20,000, then 80,000 rows (0.7 and 2.9 MB, 14 short numbers a row).
@Suite(.serialized, .enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe"))
struct TableMemoryTests {
    static let counts = (small: 20_000, large: 80_000)

    /// A table read into columns was parsed into strings first, every row's fields held until the last row was split:
    /// `inspect` of the table took about 510 bytes per row (131 MB for 200,000 rows of 36 bytes). The rows are now typed
    /// as they are split, straight into the float64 values of the record's tensor (112 bytes a row), beside the file's
    /// bytes: the larger may peak at most 250 bytes per extra row above the smaller (it is now about 145).
    @Test func inspectHoldsTheTableAsNumbers() throws {
        let folder = temporaryDirectory("table-memory-inspect")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var peaks: [Int] = []
        for count in [Self.counts.small, Self.counts.large] {
            let table = try Self.heartTable(count, in: folder)
            let run = try PeakMemory.run(SharedData.medpipeBinary!, ["inspect", table], in: folder)
            try #require(run.status == 0, "inspect \(count) rows: \(run.error)")
            #expect(run.output.contains("shape:    \(count) × 14\n") && run.output.contains("rows: \(count)\n"), "\(run.output)")
            peaks.append(run.peak)
        }
        let extra = Self.counts.large - Self.counts.small
        print("inspect CSV peak RSS: \(Self.counts.small) rows \(peaks[0] >> 10) KiB, \(Self.counts.large) rows \(peaks[1] >> 10) KiB: \((peaks[1] - peaks[0]) / extra) bytes per extra row")
        #expect(peaks[1] - peaks[0] < extra * 250, "inspect grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `convert` of a table (one unit, one cache entry a row) held its fields as strings too, a copy of its values as the
    /// rows were cut, each row's shape apart, and, at the split step, each entry's list of column names apart and the
    /// entries twice (grown by doubling, then sorted into a copy); and the split step, on another thread than the rows'
    /// (another glibc arena), took fresh pages beside the rows' freed ones, or not, as the threads fell: about 1.6 KB per
    /// row. The larger may peak at most 1.25 KB per extra row above the smaller (it is now about 0.87 KB).
    @Test func convertOfATableHoldsLessPerRow() throws {
        let folder = temporaryDirectory("table-memory-convert")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var peaks: [Int] = []
        for count in [Self.counts.small, Self.counts.large] {
            let work = folder + "/\(count)"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            _ = try Self.heartTable(count, in: work)
            try """
                name: heart-rows
                cache: cache
                sources:
                  - path: heart-\(count).csv
                    format: csv
                    label: { column: target }
                split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
                """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
            let run = try PeakMemory.run("/usr/bin/env", ["MEDPIPE_KEY=" + folder + "/project.key", SharedData.medpipeBinary!,
                                                          "convert", work + "/recipe.yaml"], in: work)
            try #require(run.status == 0, "convert \(count) rows: \(run.error)")
            #expect(run.output.contains("entries: \(count)\n"), "\(run.output)")
            peaks.append(run.peak)
        }
        let extra = Self.counts.large - Self.counts.small
        print("convert CSV peak RSS: \(Self.counts.small) rows \(peaks[0] >> 10) KiB, \(Self.counts.large) rows \(peaks[1] >> 10) KiB: \((peaks[1] - peaks[0]) / extra) bytes per extra row")
        #expect(peaks[1] - peaks[0] < extra * 1_250, "convert grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// The heart table's header and its rows repeated to `count` rows, written as `heart-COUNT.csv` in `folder`.
    private static func heartTable(_ count: Int, in folder: String) throws -> String {
        let lines = try String(contentsOfFile: SharedData.path("tabular/heart.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let path = folder + "/heart-\(count).csv"
        try ([String(lines[0])] + (0..<count).map { String(lines[1 + $0 % (lines.count - 1)]) }).joined(separator: "\n")
            .appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
