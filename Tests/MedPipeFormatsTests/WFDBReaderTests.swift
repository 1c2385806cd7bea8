import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport

@Suite("WFDB reader against wfdb-python", .enabled(if: SharedData.isAvailable))
struct WFDBReaderTests {
    /// `sum((i + 1) * value)` over the row-major int64 values, wrapping at 2^64 (as the reference computes it).
    static func weightedChecksum(_ values: [Int32]) -> UInt64 {
        var sum: UInt64 = 0
        for (i, v) in values.enumerated() {
            sum = sum &+ UInt64(bitPattern: Int64(v)) &* UInt64(i + 1)
        }
        return sum
    }

    static func close(_ a: Double, _ b: Double, relative: Double) -> Bool {
        abs(a - b) <= relative * max(1, abs(a), abs(b))
    }

    @Test("digital samples equal wfdb-python d_signal", arguments: WFDBReference.recordKeys)
    func digital(key: String) throws {
        let expected = WFDBReference.record(key)
        let record = try WFDBReader().read(try WFDBReference.path(key))
        #expect(record.tensor.shape == expected.shape)
        #expect(record.tensor.dtype == .int32)
        #expect(record.geometry == .temporal(frequency: expected.fs))
        guard expected.digital else { return }
        let values = record.tensor.values(as: Int32.self)
        let channels = expected.shape[1]
        var sums = [Int64](repeating: 0, count: channels)
        var mins = [Int64](repeating: .max, count: channels)
        var maxs = [Int64](repeating: .min, count: channels)
        for (i, v) in values.enumerated() {
            let c = i % channels
            sums[c] += Int64(v)
            mins[c] = min(mins[c], Int64(v))
            maxs[c] = max(maxs[c], Int64(v))
        }
        #expect(sums == expected.digital_sum)
        #expect(mins == expected.digital_min)
        #expect(maxs == expected.digital_max)
        #expect(String(Self.weightedChecksum(values)) == expected.digital_checksum)
        for (row, expectedRow) in zip(expected.rows, expected.digital_rows) {
            #expect(values[(row * channels)..<((row + 1) * channels)].map(Int64.init) == expectedRow, "row \(row)")
        }
    }

    @Test("physical samples equal wfdb-python p_signal", arguments: WFDBReference.recordKeys)
    func physical(key: String) throws {
        let expected = WFDBReference.record(key)
        let record = try WFDBReader(options: ReadOptions(physical: true)).read(try WFDBReference.path(key))
        #expect(record.tensor.shape == expected.shape)
        #expect(record.tensor.dtype == .float64)
        let values = record.tensor.values(as: Double.self)
        let channels = expected.shape[1]
        var nans = [Int](repeating: 0, count: channels)
        var sums = [Double](repeating: 0, count: channels)
        var mins = [Double](repeating: .infinity, count: channels)
        var maxs = [Double](repeating: -.infinity, count: channels)
        for (i, v) in values.enumerated() {
            let c = i % channels
            if v.isNaN { nans[c] += 1; continue }
            sums[c] += v
            mins[c] = min(mins[c], v)
            maxs[c] = max(maxs[c], v)
        }
        #expect(nans == expected.physical_nan)
        for c in 0..<channels {
            #expect(Self.close(sums[c], expected.physical_sum[c], relative: 1e-9), "channel \(c) sum \(sums[c]) vs \(expected.physical_sum[c])")
            if let m = expected.physical_min[c] { #expect(mins[c] == m, "channel \(c) min") }
            if let m = expected.physical_max[c] { #expect(maxs[c] == m, "channel \(c) max") }
        }
        for (row, expectedRow) in zip(expected.rows, expected.physical_rows) {
            for c in 0..<channels {
                let v = values[row * channels + c]
                if let e = expectedRow[c] { #expect(v == e, "row \(row) channel \(c): \(v) vs \(e)") } else { #expect(v.isNaN, "row \(row) channel \(c) should be NaN") }
            }
        }
    }

    @Test("header metadata equals wfdb-python's", arguments: WFDBReference.recordKeys)
    func metadata(key: String) throws {
        let expected = WFDBReference.record(key)
        let record = try WFDBReader().read(try WFDBReference.path(key))
        #expect(record.metadata["signalNames"] == .strings(expected.sig_name))
        #expect(record.metadata["samplesPerFrame"] == .doubles(expected.samps_per_frame.map(Double.init)))
        #expect(record.metadata["comments"] == .strings(expected.comments))
        #expect(record.metadata["fs"] == .double(expected.fs))
        guard case .doubles(let gains)? = record.metadata["gains"], case .doubles(let baselines)? = record.metadata["baselines"],
              case .strings(let units)? = record.metadata["units"], case .strings(let formats)? = record.metadata["formats"] else {
            Issue.record("metadata lacks gains, baselines, units or formats")
            return
        }
        for c in 0..<expected.shape[1] {
            if let g = expected.adc_gain[c] { #expect(gains[c] == g, "channel \(c) gain") }
            if let b = expected.baseline[c] { #expect(baselines[c] == Double(b), "channel \(c) baseline") }
            if let u = expected.units[c] { #expect(units[c] == u, "channel \(c) units") }
            if let f = expected.fmt[c] { #expect(formats[c] == f, "channel \(c) format") }
        }
        #expect(record.patientKey == (key == "p878head" ? "p878head" : (key as NSString).lastPathComponent))
        #expect(record.format == "wfdb")
    }

    @Test("record 100: 650000 × 2 format 212, .atr loaded, header comments kept")
    func record100() throws {
        let record = try WFDBReader().read(SharedData.path("wfdb/100.hea"))
        #expect(record.tensor.shape == [650000, 2])
        #expect(record.annotations.count == 2274)
        let counts = Dictionary(grouping: record.annotations, by: \.symbol).mapValues(\.count)
        #expect(counts == ["N": 2239, "A": 33, "V": 1, "+": 1])
        #expect(record.annotations.first { $0.symbol == "+" }?.aux == "(N\0")
        #expect(record.metadata["comments"] == .strings(["unnecessary comment", "69 M 1085 1629 x1", "Aldomet, Inderal"]))
        #expect(record.warnings.contains { $0.contains("blank line") })
        #expect(!record.warnings.contains { $0.contains("per frame") })
    }

    /// A multi-frequency record's faster signals are read averaged to the frame rate (wfdb-python's default): said in a
    /// warning, which `inspect`, `convert` and `predict` pass on. `predict` gave a model trained on 360 Hz beats the
    /// 250 Hz ECG of `mixedsignals` at 62.47 Hz without a word.
    @Test func signalsAveragedToTheFrameRateAreToldOf() throws {
        let path = SharedData.path("wfdb/mixedsignals.hea")
        let record = try WFDBReader().read(path)
        #expect(record.geometry == .temporal(frequency: 62.4725))
        #expect(record.warnings.contains("\(path): signals II, III, V, ABP, Pleth hold up to 4 samples per frame, averaged to one per frame: read at the frame rate, 62.4725 Hz, as wfdb-python reads them by default"), "\(record.warnings)")
    }

    @Test("a long record (record 100 tiled, one frame short of 3 copies) decodes over several threads to wfdb-python's values")
    func longRecordDecodedConcurrently() throws {
        // 3.9 M samples: split into ranges across cores, whose boundaries fall inside a copy.
        let expected = WFDBReference.record("100")
        let directory = temporaryDirectory("wfdb-tiled")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let values = try WFDBReader().read(try WFDBReference.writeTiledRecord100(in: directory)).tensor.values(as: Int32.self)
        #expect(values.count == WFDBReference.tiledFrames * 2)
        let copy = 650000 * 2
        for start in [0, copy] {
            let part = Array(values[start..<(start + copy)])
            #expect(String(Self.weightedChecksum(part)) == expected.digital_checksum, "copy from sample \(start)")
        }
        let thirdCopyRepeatsFirst = values[(2 * copy)...].elementsEqual(values[..<(copy - 2)])
        #expect(thirdCopyRepeatsFirst)
    }

    @Test("RecordReading dispatches .hea to the WFDB reader and honours physical")
    func dispatch() throws {
        let records = try RecordReading.read(SharedData.path("wfdb/test01_00s.hea"), options: ReadOptions(physical: true))
        #expect(records.count == 1)
        #expect(records[0].tensor.dtype == .float64)
        #expect(records[0].tensor.shape == [4000, 4])
        #expect(records[0].metadata["comments"] == .strings(["<age>: 25  <sex>: M  <diagnoses>: (none)  <medications>: (none)"]))
    }

    @Test("variable layout: digital null frames hold the format's invalid sentinel where physical is NaN")
    func variableLayoutDigital() throws {
        let path = try WFDBReference.makeP878Head()
        let digital = try WFDBReader().read(path)
        let physical = try WFDBReader(options: ReadOptions(physical: true)).read(path)
        let d = digital.tensor.values(as: Int32.self), p = physical.tensor.values(as: Double.self)
        // PLETH and II are format 80 (sentinel -128); V and ABP appear in no segment (WFDB's -32768).
        let sentinels: [Int32] = [-128, -128, -32768, -32768]
        let gains = [255.0, 127.0], baselines = [-128.0, -64.0]
        for i in d.indices {
            let c = i % 4
            #expect(p[i].isNaN == (d[i] == sentinels[c]), "sample \(i)")
            if c < 2, !p[i].isNaN { #expect(p[i] == (Double(d[i]) - baselines[c]) / gains[c]) }
        }
    }
}
