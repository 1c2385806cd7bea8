import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

/// Two signals at 250 Hz: a float channel in millivolts and an integer one.
private func signalCache(_ directory: String) throws {
    let samples = 1000
    var values: [Float] = []
    for s in 0..<samples {
        values.append(Float(sin(Double(s) * 0.05)) * 1.7 + 0.25)
        values.append(Float(s % 50 - 25))
    }
    try makeCache(directory, items: [
        CacheItem(tensor: Tensor(shape: [samples, 2], values: values), label: "N", group: "P-groupa", geometry: .temporal(frequency: 250)),
    ], splits: ["train"])
}

@Suite struct WFDBExportTests {
    @Test func signalsComeBackWithinHalfAStepAndIntegersExactly() throws {
        let cache = temporaryDirectory("wfdb-cache"), out = temporaryDirectory("wfdb-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try signalCache(cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .wfdb, output: out, makeUID: testUIDs))
        #expect(summary.files == [out + "/train/train_00001.hea", out + "/train/train_00001.dat"])
        let source = try DatasetCache(directory: cache)
        let original = try source.tensor(for: try source.entries()[0])
        let scales = WFDBExportWriter().scales(for: original)
        #expect(scales[1].gain == 1 && scales[1].baseline == 0 && scales[1].maximumError == 0)
        #expect(scales[0].maximumError > 0 && scales[0].maximumError <= 0.5 / scales[0].gain)
        let record = try WFDBReader(options: ReadOptions(physical: true)).read(summary.files[0])
        #expect(record.geometry == .temporal(frequency: 250))
        #expect(record.tensor.shape == [1000, 2])
        let read = record.tensor.doubleValues(), want = original.doubleValues()
        for c in 0..<2 {
            let worst = stride(from: c, to: want.count, by: 2).map { abs(read[$0] - want[$0]) }.max()!
            // Float32 rounding of the original adds at most 1e-6 to the half step.
            #expect(worst <= 0.5 / scales[c].gain + 1e-6, "channel \(c): error \(worst), gain \(scales[c].gain)")
        }
        // Nothing but the pseudonymous record: no date, time or comment lines.
        let header = try String(contentsOfFile: summary.files[0], encoding: .utf8)
        #expect(header.hasPrefix("train_00001 2 250 1000\n"))
        #expect(!header.contains("#"))
    }

    @Test(.enabled(if: ReferencePython.available("wfdb", "numpy"), "needs python3 with wfdb and numpy"))
    func wfdbPythonReadsTheRecord() throws {
        let cache = temporaryDirectory("wfdb-cache"), out = temporaryDirectory("wfdb-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try signalCache(cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .wfdb, output: out, makeUID: testUIDs))
        let source = try DatasetCache(directory: cache)
        let original = try source.tensor(for: try source.entries()[0])
        let expected = out + "/expected.npy"
        try NPYWriter.write(original, to: expected)
        let result = try ReferencePython.json("""
            import json, sys, numpy, wfdb
            record = wfdb.rdrecord(sys.argv[1]); want = numpy.load(sys.argv[2]).astype(numpy.float64)
            print(json.dumps({"fs": record.fs, "shape": list(record.p_signal.shape), "units": record.units,
              "errors": numpy.abs(record.p_signal - want).max(axis=0).tolist(), "gains": [float(g) for g in record.adc_gain],
              "name": record.record_name, "comments": record.comments, "date": str(record.base_date)}))
            """, [String(summary.files[0].dropLast(4)), expected])
        #expect(result["fs"] as? Double == 250)
        #expect(result["shape"] as? [Int] == [1000, 2])
        #expect(result["name"] as? String == "train_00001")
        #expect((result["comments"] as? [String])?.isEmpty == true)
        #expect(result["date"] as? String == "None")
        let errors = try #require(result["errors"] as? [Double]), gains = try #require(result["gains"] as? [Double])
        let scales = WFDBExportWriter().scales(for: original)
        #expect(gains == scales.map(\.gain))
        #expect(errors[0] <= 0.5 / gains[0] + 1e-6 && errors[1] == 0, "errors \(errors)")
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func mitbihBeatsExportAsRecordsAtTheRecordsFrequency() async throws {
        let cache = temporaryDirectory("mitbih-cache"), out = temporaryDirectory("mitbih-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try await convert("mitbih-100.yaml", into: cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .wfdb, output: out, split: "test", limit: 5, makeUID: testUIDs))
        #expect(summary.samples.map(\.count) == [5])
        let source = try DatasetCache(directory: cache)
        for (entry, header) in zip(try source.entries(split: "test").prefix(5), summary.files.filter { $0.hasSuffix(".hea") }) {
            let record = try WFDBReader(options: ReadOptions(physical: true)).read(header)
            #expect(record.geometry == .temporal(frequency: 360))
            let original = try source.tensor(for: entry)
            #expect(record.tensor.shape == original.shape)
            let gain = WFDBExportWriter().scales(for: original)[0].gain
            let worst = zip(record.tensor.doubleValues(), original.doubleValues()).map { abs($0 - $1) }.max()!
            #expect(worst <= 0.5 / gain + 1e-6)
        }
    }

    @Test("values near the limits of Double are scaled without a trap, or refused when the baseline overflows 32 bits")
    func extremeValuesAreScaledOrRefused() throws {
        let writer = WFDBExportWriter()
        let huge = Tensor(shape: [4, 1], values: [-Double.greatestFiniteMagnitude, 0, 1, Double.greatestFiniteMagnitude])
        let scale = try #require(writer.scales(for: huge).first)
        #expect(scale.gain > 0 && scale.gain.isFinite && scale.baseline == 0)
        let close = Tensor(shape: [2, 1], values: [1e-300, 1e-300 + 1e-310])
        #expect(try #require(writer.scales(for: close).first).gain == 1e280)
        // 1e300 ± 1e284: the offset is 2^32 steps away from zero.
        let offset = Tensor(shape: [2, 1], values: [1e300, 1e300 + 1e285])
        #expect(abs(try #require(writer.scales(for: offset).first).baseline) > Int(Int32.max))
        let out = temporaryDirectory("wfdb-extreme")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let sample = ExportSample(name: "x", split: "train", label: nil, group: "g", tensor: offset, geometry: .temporal(frequency: 250), identity: "x")
        #expect(throws: MedPipeError.self) { _ = try writer.write(sample, into: out) }
        _ = try writer.write(ExportSample(name: "y", split: "train", label: nil, group: "g", tensor: huge, geometry: .temporal(frequency: 250), identity: "y"), into: out)
    }

    /// A cache written before convert checked signal descriptions can hold a patient's name or number as a lead's
    /// name, which the header's description then carried out; only plain signal names are written.
    @Test func aSignalNameThatIsNoSignalNameIsWrittenNeutral() throws {
        let cache = temporaryDirectory("wfdb-cache"), out = temporaryDirectory("wfdb-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        let names: MetadataValue = .strings(["MLII", "Quimbly Zyxwert MRN 778899", "ECG lead II"])
        try makeCache(cache, items: [
            CacheItem(tensor: Tensor(shape: [4, 3], values: (0..<12).map(Int16.init)), label: "N", group: "P-groupa",
                      geometry: .temporal(frequency: 360), metadata: ["signalNames": names]),
        ], splits: ["train"])
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .wfdb, output: out, makeUID: testUIDs))
        let header = try String(contentsOfFile: summary.files[0], encoding: .utf8)
        #expect(!header.contains("Zyxwert") && !header.contains("778899"), "\(header)")
        #expect(try WFDBHeader.read(summary.files[0]).signals.map(\.description) == ["MLII", "sig1", "ECG lead II"])
    }

    /// Units a cache carries are written only when made of known unit symbols; others (a name) become `NU`.
    @Test func unitsThatAreNoUnitsAreWrittenNeutral() throws {
        let cache = temporaryDirectory("wfdb-cache"), out = temporaryDirectory("wfdb-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try makeCache(cache, items: [
            CacheItem(tensor: Tensor(shape: [4, 3], values: (0..<12).map(Int16.init)), label: "N", group: "P-groupa",
                      geometry: .temporal(frequency: 360), metadata: ["units": .strings(["mmHg", "Zyxwert_MRN778899", ""])]),
        ], splits: ["train"])
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .wfdb, output: out, makeUID: testUIDs))
        let header = try String(contentsOfFile: summary.files[0], encoding: .utf8)
        #expect(!header.contains("Zyxwert") && !header.contains("778899"), "\(header)")
        #expect(try WFDBHeader.read(summary.files[0]).signals.map(\.units) == ["mmHg", "NU", "mV"])
    }

    @Test func imagesAreRefusedWithTheFormatsThatFit() throws {
        let cache = temporaryDirectory("wfdb-cache"), scratch = temporaryDirectory("wfdb-out"), out = scratch + "/export"
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: scratch) }
        try makeCache(cache, items: [CacheItem(tensor: Tensor(shape: [4, 4], values: [UInt8](repeating: 7, count: 16)), label: "1", group: "P-a")],
                      splits: ["train"])
        #expect {
            try Exporter(cacheDirectory: cache).run(ExportOptions(format: .wfdb, output: out, makeUID: testUIDs))
        } throws: { error in
            let message = (error as? MedPipeError)?.message ?? ""
            return message.contains("wfdb export cannot hold this cache's images") && message.contains("formats that fit: dicom, nifti, png, npz")
        }
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written when the format does not fit")
    }
}
