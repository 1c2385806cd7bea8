import Foundation
import MedPipeCore

/// Reads a WFDB record (header, signal files, `.atr` annotations) into a ``Record``.
///
/// The tensor is `(frames, signals)`: int32 digital values equal to wfdb-python's
/// `rdrecord(physical=False).d_signal` (which is int64; every WFDB format fits in 32 bits), or
/// float64 physical values equal to `rdrecord().p_signal` when ``ReadOptions/physical`` is set.
/// Signals with several samples per frame are smoothed to one value per frame exactly as
/// wfdb-python's default `smooth_frames=True` (see ``WFDBSignalReader``); physical values are
/// computed from the smoothed digital values, as wfdb-python does.
///
/// The patient key is the record name (the MIT-BIH convention: one record per patient).
public struct WFDBReader: Sendable {
    public var options: ReadOptions

    public init(options: ReadOptions = ReadOptions()) {
        self.options = options
    }

    /// Reads the record whose header is `path` (`.../100.hea`) or whose record path is `path` (`.../100`).
    public func read(_ path: String) throws -> Record {
        let (header, headerPath, directory) = try Self.header(path)
        var warnings = header.warnings
        let tensor: Tensor
        let signals: [WFDBHeader.Signal]
        if header.isMultiSegment {
            let output = try WFDBMultiSegmentReader(header: header, directory: directory).read(physical: options.physical)
            warnings += output.warnings
            signals = output.signals
            let shape = [output.frames, signals.count]
            if let values = output.physical {
                tensor = Tensor(shape: shape, values: values)
            } else {
                tensor = Self.digitalTensor(shape: shape, values: output.digital ?? [], sentinels: output.invalidSamples, mark: options.markInvalidSamples)
            }
        } else {
            let digital = try WFDBSignalReader(header: header, directory: directory).read()
            signals = header.signals
            let shape = [digital.frames, digital.channels]
            if options.physical {
                tensor = Tensor(shape: shape, dtype: .float64, bytes: WFDBPhysical(signals, sentinels: digital.invalidSamples).convert(digital))
            } else if options.markInvalidSamples, digital.withValues(WFDBPhysical(markingInvalid: digital.invalidSamples).anyInvalid) {
                tensor = Tensor(shape: shape, dtype: .float64, bytes: WFDBPhysical(markingInvalid: digital.invalidSamples).convert(digital))
            } else {
                tensor = Tensor(shape: shape, dtype: .int32, bytes: digital.bytes)
            }
        }
        return try record(header, headerPath: headerPath, signals: signals, tensor: tensor, frames: tensor.shape[0], warnings: warnings)
    }

    /// Reads the record at `path` as ``read(_:)`` does, but writes its array to the `.npy` file `array` as it decodes it,
    /// when its samples decode in place (one raw signal file, one sample per frame, no skew: most records), a
    /// megabyte's piece per core at a time: the whole array is never in memory. A long record's array is written in
    /// about half the time: the kernel neither zeroes fresh pages for the whole array nor copies it out again from
    /// beyond the processor's caches. Returns nil, having written nothing, for any other record: read it whole.
    /// On an error nothing is written and a file at `array` is left as it was.
    public func read(_ path: String, arrayTo array: String) throws -> StreamedRecord? {
        let (header, headerPath, directory) = try Self.header(path)
        guard !header.isMultiSegment,
              let samples = try WFDBSignalReader(header: header, directory: directory).contiguousSamples() else { return nil }
        let physical = options.physical ? WFDBPhysical(header.signals, sentinels: samples.invalidSamples) : nil
        let dtype: DType = physical == nil ? .int32 : .float64
        let writer = try NPYRowWriter(path: array, shape: [samples.frames, samples.channels], dtype: dtype)
        let pieceFrames = samples.framesPerPiece(bytesPerValue: dtype.size)
        try samples.forEachPiece(of: pieceFrames, scratchBytes: physical == nil ? 0 : pieceFrames * samples.channels * 8) { frames, values, scratch in
            guard let physical else { return try writer.write(rows: frames, bytes: UnsafeRawBufferPointer(values)) }
            let converted = scratch.bindMemory(to: Double.self)
            physical.convert(values, into: converted.baseAddress!)
            try writer.write(rows: frames, bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(converted)[..<(values.count * 8)]))
        }
        let described = try record(header, headerPath: headerPath, signals: header.signals,
                                   tensor: Tensor(shape: [0, samples.channels], dtype: dtype, bytes: []), frames: samples.frames,
                                   warnings: header.warnings)
        try writer.commit()
        return StreamedRecord(record: described, shape: writer.shape, dtype: dtype)
    }

    /// Digital values `(frames, signals)`: int32, or with `mark` and some value its signal's sentinel, float64 with NaN
    /// in its place (``ReadOptions/markInvalidSamples``).
    private static func digitalTensor(shape: [Int], values: [Int32], sentinels: [Int32?], mark: Bool) -> Tensor {
        let marking = WFDBPhysical(markingInvalid: sentinels)
        return values.withUnsafeBufferPointer { d in
            guard mark, marking.anyInvalid(d) else { return Tensor(shape: shape, values: values) }
            var out = [Double](repeating: 0, count: d.count)
            out.withUnsafeMutableBufferPointer { marking.convert(d, into: $0.baseAddress!) }
            return Tensor(shape: shape, values: out)
        }
    }

    /// The header at `path` (a `.hea` file or a record path), the header's path and its folder.
    private static func header(_ path: String) throws -> (WFDBHeader, String, String) {
        let headerPath = path.hasSuffix(".hea") ? path : path + ".hea"
        let folder = (headerPath as NSString).deletingLastPathComponent
        return (try WFDBHeader.read(headerPath), headerPath, folder.isEmpty ? "." : folder)
    }

    /// The record of `tensor` (`frames` long), read by `header` from `headerPath`: its metadata, annotations and warnings.
    private func record(_ header: WFDBHeader, headerPath: String, signals: [WFDBHeader.Signal], tensor: Tensor, frames: Int,
                        warnings: [String]) throws -> Record {
        var warnings = warnings
        if !header.isMultiSegment, header.sampleCount == nil {
            warnings.append("\(headerPath): record line states no number of samples; derived from the signal file size")
        }
        // A signal recorded faster than the frame rate is read averaged down to it: said, since a model or stage given
        // the record then sees that signal at a fraction of its rate without a word (an ECG of 250 Hz as 62.5 Hz).
        let averaged = signals.filter { $0.samplesPerFrame > 1 }
        if let most = averaged.map(\.samplesPerFrame).max() {
            let names = averaged.map(\.description).joined(separator: ", ")
            warnings.append("\(headerPath): \(averaged.count == 1 ? "signal \(names) holds" : "signals \(names) hold") up to \(most) samples per frame, averaged to one per frame: read at the frame rate, \(header.frequency) Hz, as wfdb-python reads them by default")
        }

        var annotations: [Annotation] = []
        let recordPath = String(headerPath.dropLast(4))
        if FileManager.default.fileExists(atPath: recordPath + ".atr") {
            let read = try WFDBAnnotationReader().read(recordPath + ".atr")
            annotations = read.annotations
            warnings += read.warnings
        }
        return Record(source: headerPath, format: "wfdb", tensor: tensor, geometry: .temporal(frequency: header.frequency),
                      metadata: metadata(header, signals: signals, frames: frames),
                      patientKey: header.recordName, annotations: annotations, warnings: warnings)
    }

    /// The files reading the record at `path` opens: its header, the signal files the header names (for a
    /// multi-segment record, each segment's header and signal files) and its `.atr` annotations, those that exist
    /// (the reader reports the missing ones), in that order without repeats. What a record source's content hash
    /// covers, so that an edited signal or annotation file is read again.
    public static func files(of path: String) throws -> [String] {
        let (header, headerPath, directory) = try Self.header(path)
        func signalFiles(_ header: WFDBHeader) -> [String] {
            header.signals.map(\.fileName).filter { $0 != "~" && !$0.isEmpty }.map { directory + "/" + $0 }
        }
        var files = [headerPath]
        if header.isMultiSegment {
            for segment in header.segments where !segment.isNull {
                let segmentHeader = directory + "/" + segment.name + ".hea"
                guard let parsed = try? WFDBHeader.read(segmentHeader) else { continue }
                files += [segmentHeader] + signalFiles(parsed)
            }
        } else {
            files += signalFiles(header)
        }
        files.append(String(headerPath.dropLast(4)) + ".atr")
        var seen: Set<String> = []
        return files.filter { FileBytes.isRegularFile($0) && seen.insert($0).inserted }
    }

    private func metadata(_ header: WFDBHeader, signals: [WFDBHeader.Signal], frames: Int) -> [String: MetadataValue] {
        var m: [String: MetadataValue] = [
            "record": .string(header.recordName),
            "fs": .double(header.frequency),
            "nsamp": .int(frames),
            "signalNames": .strings(signals.map(\.description)),
            "units": .strings(signals.map(\.units)),
            "gains": .doubles(signals.map(\.gain)),
            "baselines": .doubles(signals.map { Double($0.baseline) }),
            "formats": .strings(signals.map { String($0.format) }),
            "samplesPerFrame": .doubles(signals.map { Double($0.samplesPerFrame) }),
            "comments": .strings(header.comments),
            "physical": .int(options.physical ? 1 : 0),
        ]
        if let segments = header.segmentCount { m["segments"] = .int(segments) }
        if let t = header.baseTime { m["baseTime"] = .string(t) }
        if let d = header.baseDate { m["baseDate"] = .string(d) }
        if let c = header.counterFrequency { m["counterFrequency"] = .double(c) }
        return m
    }
}
