import Foundation
import MedPipeCore

/// Reads a multi-segment record (header(5)) into one signal matrix, as wfdb-python's
/// `rdrecord` does with `m2s=True`.
///
/// - Fixed layout (first segment length > 0): every segment has the same signals; they are
///   concatenated. Signal metadata is that of the first segment.
/// - Variable layout (first segment is a layout header of length 0): the layout header names the
///   record's signals; each segment's signals are placed by name, and frames of null (`~`) segments
///   or of signals a segment lacks are filled with NaN (physical) or with the channel format's
///   invalid sentinel (digital; WFDB's generic -32768 for a signal no segment carries, where
///   wfdb-python fails). As in wfdb-python, a digital read requires every segment to store a
///   signal with the same format, gain, baseline and units; otherwise read physical values.
///
/// Every segment header must exist: a missing one is reported before any sample is read.
struct WFDBMultiSegmentReader {
    let header: WFDBHeader
    let directory: String

    struct Output {
        var digital: [Int32]?
        var physical: [Double]?
        /// Per signal, the digital value that marks an invalid sample (and fills a segment without the signal).
        var invalidSamples: [Int32?]
        var frames: Int
        var signals: [WFDBHeader.Signal]
        var warnings: [String]
    }

    func read(physical: Bool) throws -> Output {
        var warnings: [String] = []
        // Load every segment header first so a missing segment fails early and clearly.
        let missing = header.segments.filter { !$0.isNull && !FileManager.default.fileExists(atPath: headerPath($0.name)) }
        if let first = missing.first {
            throw MedPipeError.io(headerPath(first.name),
                "segment '\(first.name)' of multi-segment record \(header.path) is missing (\(missing.count) of \(header.segments.filter { !$0.isNull }.count) segment headers not found)")
        }
        let segmentHeaders: [WFDBHeader?] = try header.segments.map { $0.isNull ? nil : try WFDBHeader.read(headerPath($0.name)) }
        for h in segmentHeaders.compactMap({ $0 }) { warnings += h.warnings }
        if let nested = segmentHeaders.compactMap({ $0 }).first(where: { $0.isMultiSegment }) {
            throw MedPipeError.unsupported(nested.path, "a segment that is itself a multi-segment record is not supported")
        }
        let variable = header.segments.first?.length == 0
        let layout: [WFDBHeader.Signal]
        let firstData: Int
        if variable {
            guard let layoutHeader = segmentHeaders[0] else { throw MedPipeError.malformed(header.path, "the layout segment of a variable-layout record cannot be null") }
            layout = layoutHeader.signals
            firstData = 1
        } else {
            guard let first = segmentHeaders[0] else { throw MedPipeError.malformed(header.path, "a fixed-layout record cannot start with a null segment") }
            layout = first.signals
            firstData = 0
        }
        let nch = layout.count
        let names = layout.map(\.description)
        let lengths = header.segments.map(\.length)
        let frames = try CheckedSize.sum(lengths, limit: WFDBSignalReader.maximumSamples, source: header.path, "segment lengths")
        if let stated = header.sampleCount, stated != frames {
            warnings.append("\(header.path): record line states \(stated) samples, the segments add up to \(frames); using \(frames)")
        }

        // Reference signal description per channel: the first segment that carries it.
        var reference: [WFDBHeader.Signal?] = variable ? Array(repeating: nil, count: nch) : layout.map { $0 }
        var columnMaps: [[Int?]] = Array(repeating: [], count: header.segments.count)
        for s in firstData..<header.segments.count {
            guard let h = segmentHeaders[s] else { continue }
            if variable {
                columnMaps[s] = names.map { name in h.signals.firstIndex { $0.description == name } }
            } else {
                guard h.signals.count == nch else {
                    throw MedPipeError.malformed(h.path, "fixed-layout segment has \(h.signals.count) signals, the first segment has \(nch)")
                }
                columnMaps[s] = (0..<nch).map { $0 }
            }
            guard h.sampleCount == nil || h.sampleCount! >= lengths[s] else {
                throw MedPipeError.malformed(h.path, "segment holds \(h.sampleCount!) frames, \(header.path) assigns it \(lengths[s])")
            }
            for (c, source) in columnMaps[s].enumerated() {
                guard let source else { continue }
                let signal = h.signals[source]
                guard let ref = reference[c] else { reference[c] = signal; continue }
                if ref.samplesPerFrame != signal.samplesPerFrame {
                    throw MedPipeError.malformed(h.path, "signal '\(names[c])' has \(signal.samplesPerFrame) samples per frame, earlier segments \(ref.samplesPerFrame)")
                }
                if variable, !physical,
                   ref.format != signal.format || ref.gain != signal.gain || ref.baseline != signal.baseline || ref.units != signal.units {
                    throw MedPipeError.unsupported(h.path, "signal '\(names[c])' changes format, gain, baseline or units between segments; read physical values instead of digital")
                }
            }
        }
        let signals = (0..<nch).map { reference[$0] ?? layout[$0] }
        let fills: [Int32] = signals.map { signal in
            (try? WFDBSignalFormat(number: signal.format, file: header.path))?.invalidSample ?? -32768
        }

        // Null segments are not backed by any file: bound what the header alone can make us allocate.
        let bytes = frames.multipliedReportingOverflow(by: nch * (physical ? 8 : 4))
        guard !bytes.overflow, bytes.partialValue <= 8 << 30 else {
            throw MedPipeError.malformed(header.path, "\(frames) frames × \(nch) signals would need more than 8 GiB; segment lengths are implausible")
        }
        var digital = physical ? [] : [Int32](repeating: 0, count: frames * nch)
        var values = physical ? [Double](repeating: .nan, count: frames * nch) : []
        if !physical {
            for f in 0..<frames { for c in 0..<nch { digital[f * nch + c] = fills[c] } }
        }
        var start = 0
        for s in 0..<header.segments.count {
            defer { start += lengths[s] }
            guard s >= firstData, var h = segmentHeaders[s], lengths[s] > 0 else { continue }
            h.sampleCount = lengths[s]
            let dir = (h.path as NSString).deletingLastPathComponent
            let segment = try WFDBSignalReader(header: h, directory: dir).read()
            let converted = physical ? WFDBPhysical(h.signals, sentinels: segment.invalidSamples).convert(segment) : []
            converted.withUnsafeBytes { convertedRaw in
                let p = convertedRaw.bindMemory(to: Double.self)
                segment.withValues { d in
                    for (c, source) in columnMaps[s].enumerated() {
                        guard let source else { continue }
                        for f in 0..<lengths[s] {
                            let from = f * segment.channels + source, to = (start + f) * nch + c
                            if physical { values[to] = p[from] } else { digital[to] = d[from] }
                        }
                    }
                }
            }
        }
        return Output(digital: physical ? nil : digital, physical: physical ? values : nil, invalidSamples: fills, frames: frames, signals: signals,
                      warnings: warnings)
    }

    private func headerPath(_ name: String) -> String { directory + "/" + name + ".hea" }
}
