import Foundation
import MedPipeCore

/// The digital samples of one single-segment record, one column per signal.
struct WFDBDigitalSignals: Sendable {
    /// Row-major `(frames, channels)` int32 digital values as little-endian bytes (a ``Tensor``'s
    /// storage, so no copy is needed); signals with several samples per frame are smoothed to one
    /// value per frame as wfdb-python does (see ``WFDBSignalReader``).
    var bytes: [UInt8]
    var frames: Int
    var channels: Int
    /// The invalid-sample sentinel of each channel's format (nil for format 8).
    var invalidSamples: [Int32?]

    /// Calls `body` with the values viewed as Int32.
    func withValues<R>(_ body: (UnsafeBufferPointer<Int32>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { try body($0.bindMemory(to: Int32.self)) }
    }

    /// Storage for `count` int32 values (in huge pages when large), uninitialized when every value will be written.
    static func storage(count: Int, zeroed: Bool) -> [UInt8] {
        LargeBuffer.make(count: count * 4) { base in
            if zeroed { base.initialize(repeating: 0, count: count * 4) }
            return count * 4
        }
    }
}

/// The samples of a record whose one raw signal file holds its frames in order (``WFDBSignalReader/contiguousSamples()``),
/// its size checked: they are read and decoded a piece of frames at a time, on every core.
struct WFDBContiguousSamples: Sendable {
    let path: String
    let format: WFDBSignalFormat
    let byteOffset: Int
    let frames: Int
    let channels: Int
    /// The invalid-sample sentinel of each channel's format.
    let invalidSamples: [Int32?]

    /// Frames of a piece of about a mebibyte of values `bytesPerValue` wide: a multiple of 6, so that every piece
    /// starts on a whole block of every format and decodes on its own to the values a whole read gives.
    func framesPerPiece(bytesPerValue: Int) -> Int { max(6, (1 << 20) / (bytesPerValue * channels) / 6 * 6) }

    /// Reads and decodes the frames a piece of `pieceFrames` at a time (a multiple of 6), with positioned reads into
    /// buffers that stay in the processor's caches rather than through a mapping of the file, whose page faults
    /// cost more than the decoding. One worker per core takes every so many pieces, each with buffers of its own;
    /// `body` gets a piece's frames, its values (in `storage` when given, the whole record's, else in the worker's
    /// buffer) and `scratchBytes` of the worker's own, from several threads at once.
    /// - Throws: ``MedPipeError`` when the file cannot be read or shrank since its size was checked, and what `body`
    ///   throws.
    func forEachPiece(of pieceFrames: Int, into storage: UnsafeMutablePointer<Int32>? = nil, scratchBytes: Int = 0,
                      _ body: (_ frames: Range<Int>, _ values: UnsafeBufferPointer<Int32>, _ scratch: UnsafeMutableRawBufferPointer) throws -> Void) throws {
        precondition(pieceFrames > 0 && pieceFrames % 6 == 0, "pieces of \(pieceFrames) frames")
        let (fd, _) = try FileBytes.openRegularFile(path)
        defer { close(fd) }
        let pieces = (frames + pieceFrames - 1) / pieceFrames
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, pieces))
        let results = ConcurrentResults<Void>(count: workers)
        concurrentForEach(workers) { worker in
            results.set(worker, Result {
                var bytes = [UInt8](repeating: 0, count: format.bytesNeeded(samples: pieceFrames * channels))
                var own = [Int32](repeating: 0, count: storage == nil ? pieceFrames * channels : 0)
                var scratch = [UInt8](repeating: 0, count: scratchBytes)
                for piece in stride(from: worker, to: pieces, by: workers) {
                    let range = (piece * pieceFrames)..<min((piece + 1) * pieceFrames, frames)
                    let first = range.lowerBound * channels, count = range.count * channels
                    let start = format.bytesNeeded(samples: first), end = format.bytesNeeded(samples: first + count)
                    try bytes.withUnsafeMutableBytes { raw in
                        let source = UnsafeMutableRawBufferPointer(rebasing: raw[..<(end - start)])
                        guard try FileBytes.read(fd, at: byteOffset + start, into: source, path: path) == source.count else {
                            throw MedPipeError.malformed(path, "truncated while read: bytes \(byteOffset + start)..<\(byteOffset + end) are gone")
                        }
                        try own.withUnsafeMutableBufferPointer { own in
                            let values = storage.map { $0 + first } ?? own.baseAddress!
                            WFDBSampleDecoder.decode(format, from: UnsafeRawBufferPointer(source), count: count, into: values)
                            try scratch.withUnsafeMutableBytes { try body(range, UnsafeBufferPointer(start: values, count: count), $0) }
                        }
                    }
                }
            })
        }
        _ = try results.values()
    }
}

/// Reads the signal files of a single-segment record into digital values.
///
/// Matches `wfdb.rdrecord(..., physical=False).d_signal` (wfdb-python 4.3, `smooth_frames=True`):
/// - signals sharing a file are de-interleaved frame by frame, `samplesPerFrame` values each;
/// - a signal with `n > 1` samples per frame becomes one value per frame: the int64 sum of its `n`
///   samples divided by `n` in floating point and truncated toward zero (numpy's float→int cast);
/// - a skewed signal is shifted back by its skew; frames the file does not hold are read as zero
///   bytes and, as wfdb-python does, the last `skew` values get the format's invalid sentinel;
/// - a file shorter than the header's frame count needs is an error (wfdb-python fails too).
struct WFDBSignalReader {
    let header: WFDBHeader
    let directory: String

    /// Signals stored in one file, in header order (WFDB keeps them adjacent).
    struct FileGroup {
        var fileName: String
        var format: WFDBSignalFormat
        var byteOffset: Int
        var channels: [Int]
    }

    func read() throws -> WFDBDigitalSignals {
        if let samples = try contiguousSamples() {
            var output = WFDBDigitalSignals.storage(count: samples.frames * samples.channels, zeroed: false)
            try output.withUnsafeMutableBytes { raw in
                try samples.forEachPiece(of: samples.framesPerPiece(bytesPerValue: 4), into: raw.bindMemory(to: Int32.self).baseAddress!) { _, _, _ in }
            }
            return WFDBDigitalSignals(bytes: output, frames: samples.frames, channels: samples.channels, invalidSamples: samples.invalidSamples)
        }
        let signals = header.signals
        let nch = signals.count
        let formats = try signals.map { try WFDBSignalFormat(number: $0.format, file: header.path) }
        let frames = try frameCount(formats: formats)
        _ = try CheckedSize.product([frames, nch], limit: Self.maximumSamples, source: header.path, "frames × signals")
        let groups = fileGroups(formats: formats)
        let sentinels = formats.map(\.invalidSample)

        // Check every raw file's size before decoding anything, so a truncated file costs no allocation.
        for group in groups where !group.format.isFLAC {
            try checkSize(try fileSize(group.fileName), group: group, samples: try samples(frames: frames, group: group))
        }
        let expandedGroups = try groups.map { try readExpanded($0, frames: frames) }
        var output = WFDBDigitalSignals.storage(count: frames * nch, zeroed: true)
        for (group, expanded) in zip(groups, expandedGroups) {
            for (position, channel) in group.channels.enumerated() {
                smooth(expanded[position], samplesPerFrame: signals[channel].samplesPerFrame,
                       frames: frames, column: channel, columns: nch, into: &output)
            }
        }
        return WFDBDigitalSignals(bytes: output, frames: frames, channels: nch, invalidSamples: sentinels)
    }

    /// The record's samples, when they decode in place: one raw file holds every signal at one sample per frame,
    /// without skew or difference coding (most records). Nil for any other record, which ``read()`` reorders.
    /// - Throws: a missing or truncated signal file, or a frame count past ``maximumSamples``.
    func contiguousSamples() throws -> WFDBContiguousSamples? {
        let signals = header.signals
        let formats = try signals.map { try WFDBSignalFormat(number: $0.format, file: header.path) }
        let groups = fileGroups(formats: formats)
        guard groups.count == 1, !formats[0].isFLAC, formats[0] != .difference8,
              signals.allSatisfy({ $0.samplesPerFrame == 1 && $0.skew == 0 }) else { return nil }
        let frames = try frameCount(formats: formats)
        let count = try CheckedSize.product([frames, signals.count], limit: Self.maximumSamples, source: header.path, "frames × signals")
        let group = groups[0]
        try checkSize(try fileSize(group.fileName), group: group, samples: count)
        return WFDBContiguousSamples(path: path(group.fileName), format: group.format, byteOffset: group.byteOffset, frames: frames,
                                     channels: signals.count, invalidSamples: formats.map(\.invalidSample))
    }

    /// Frames stated by the header, or derived from the size of a lone raw signal file.
    private func frameCount(formats: [WFDBSignalFormat]) throws -> Int {
        if let n = header.sampleCount { return n }
        let groups = fileGroups(formats: formats)
        guard groups.count == 1, !groups[0].format.isFLAC, groups[0].format.bytesNeeded(samples: 2) > 0 else {
            throw MedPipeError.malformed(header.path, "the record line states no number of samples and it cannot be derived from the signal files")
        }
        let group = groups[0]
        let size = try fileSize(group.fileName) - group.byteOffset
        let perFrame = try samplesPerFrame(group)
        let bitsPerFrame = try CheckedSize.product([bitsPerSample(group.format), perFrame], source: header.path, "bits per frame")
        var frames = max(0, size) / bitsPerFrame * 8 + max(0, size) % bitsPerFrame * 8 / bitsPerFrame
        while frames > 0, group.format.bytesNeeded(samples: frames * perFrame) > size { frames -= 1 }
        return frames
    }

    /// The most samples (over all signals and frames, skew padding included) a record may hold:
    /// 2^34, far beyond any real record, so that every size derived from it fits in an `Int`.
    static let maximumSamples = 1 << 34

    /// Samples of one frame of a file: the sum of its signals' samples per frame.
    private func samplesPerFrame(_ group: FileGroup) throws -> Int {
        try CheckedSize.sum(group.channels.map { header.signals[$0].samplesPerFrame }, limit: Self.maximumSamples,
                            source: header.path, "samples per frame of \(group.fileName)")
    }

    /// Samples of `frames` frames of a file.
    private func samples(frames: Int, group: FileGroup) throws -> Int {
        try CheckedSize.product([frames, try samplesPerFrame(group)], limit: Self.maximumSamples, source: header.path,
                                "frames × samples per frame of \(group.fileName)")
    }

    private func bitsPerSample(_ format: WFDBSignalFormat) -> Int {
        switch format {
        case .difference8, .offset8: 8
        case .packed212: 12
        case .packed310, .packed311: 10
        case .int24: 24
        case .int32: 32
        default: 16
        }
    }

    private func fileGroups(formats: [WFDBSignalFormat]) -> [FileGroup] {
        var groups: [FileGroup] = []
        for (channel, signal) in header.signals.enumerated() {
            if let last = groups.indices.last, groups[last].fileName == signal.fileName {
                groups[last].channels.append(channel)
            } else {
                groups.append(FileGroup(fileName: signal.fileName, format: formats[channel], byteOffset: signal.byteOffset, channels: [channel]))
            }
        }
        return groups
    }

    private func path(_ fileName: String) -> String { directory + "/" + fileName }

    /// The path of a signal file the header names, once it is known to be a regular file: a FIFO under its name
    /// would be waited on forever.
    private func existingFile(_ fileName: String) throws -> String {
        let file = path(fileName)
        guard FileManager.default.fileExists(atPath: file) else {
            throw MedPipeError.io(file, "signal file named by \(header.path) does not exist")
        }
        guard FileBytes.isRegularFile(file) else {
            throw MedPipeError.io(file, "signal file named by \(header.path) is not a regular file (a FIFO, socket, device or folder)")
        }
        return file
    }

    private func fileData(_ fileName: String) throws -> Data {
        let file = try existingFile(fileName)
        do { return try Data(contentsOf: URL(fileURLWithPath: file), options: .alwaysMapped) }
        catch { throw MedPipeError.io(file, "signal file cannot be read: \(error.localizedDescription)") }
    }

    private func fileSize(_ fileName: String) throws -> Int {
        let file = try existingFile(fileName)
        // FileBytes.size reports a symbolic link's own size: measure what it points to.
        return try FileBytes.size((file as NSString).resolvingSymlinksInPath)
    }

    /// Fails unless the file holds the byte offset and then the bytes of `samples` samples
    /// (at most ``maximumSamples``, so the byte count cannot overflow).
    private func checkSize(_ size: Int, group: FileGroup, samples: Int) throws {
        let needed = group.format.bytesNeeded(samples: samples)
        guard group.byteOffset <= size, size - group.byteOffset >= needed else {
            throw MedPipeError.malformed(path(group.fileName),
                "truncated: format \(group.format.rawValue) signal file holds \(size) bytes, the \(header.sampleCount ?? 0) frames of \(header.path) need \(needed) after byte offset \(group.byteOffset)")
        }
    }

    /// Every sample of each signal in the group, `frames × samplesPerFrame` long, skew applied.
    private func readExpanded(_ group: FileGroup, frames: Int) throws -> [[Int32]] {
        let spf = group.channels.map { header.signals[$0].samplesPerFrame }
        let skews = group.channels.map { header.signals[$0].skew }
        let maxSkew = skews.max() ?? 0
        guard maxSkew <= frames else {
            throw MedPipeError.malformed(header.path, "skew of \(maxSkew) frames exceeds the record's \(frames) frames")
        }
        let perFrame = try samplesPerFrame(group)
        let stored = try samples(frames: frames, group: group)
        let total = try samples(frames: frames + maxSkew, group: group)
        var perSignal: [[Int32]]
        if group.format.isFLAC {
            _ = try CheckedSize.sum([group.byteOffset, stored], source: header.path, "sample offset + samples of \(group.fileName)")
            perSignal = try WFDBFLACDecoder(path: path(group.fileName), format: group.format)
                .read(channels: group.channels.count, samplesPerFrame: spf, offset: group.byteOffset, frames: frames + maxSkew, storedFrames: frames)
        } else {
            let data = try fileData(group.fileName)
            try checkSize(data.count, group: group, samples: stored)
            var flat = [Int32](repeating: 0, count: total)
            // Frames past the end of the file (wanted by a skew) decode from zero bytes, as in wfdb-python.
            var bytes = [UInt8](repeating: 0, count: group.format.bytesNeeded(samples: total))
            let have = group.format.bytesNeeded(samples: stored)
            data.withUnsafeBytes { raw in
                bytes.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[group.byteOffset..<group.byteOffset + have])) }
            }
            bytes.withUnsafeBytes { raw in
                flat.withUnsafeMutableBufferPointer { WFDBSampleDecoder.decode(group.format, from: raw, count: total, into: $0.baseAddress!) }
            }
            perSignal = spf.map { [Int32](repeating: 0, count: (frames + maxSkew) * $0) }
            var start = 0
            for s in 0..<spf.count {
                let n = spf[s]
                perSignal[s].withUnsafeMutableBufferPointer { column in
                    flat.withUnsafeBufferPointer { source in
                        for f in 0..<(frames + maxSkew) {
                            for k in 0..<n { column[f * n + k] = source[f * perFrame + start + k] }
                        }
                    }
                }
                start += n
            }
            if group.format == .difference8 {
                for s in 0..<spf.count {
                    var running = Int32(truncatingIfNeeded: header.signals[group.channels[s]].initialValue ?? 0)
                    for i in perSignal[s].indices {
                        running = running &+ perSignal[s][i]
                        perSignal[s][i] = running
                    }
                }
            }
        }
        guard maxSkew > 0 else { return perSignal }
        let sentinel = group.format.invalidSample
        for s in 0..<spf.count {
            let n = spf[s], skew = skews[s]
            var shifted = Array(perSignal[s][(skew * n)..<((skew + frames) * n)])
            if skew > 0, let sentinel {
                // wfdb-python marks the last `skew` values (not `skew` frames) as invalid.
                for i in max(0, shifted.count - skew)..<shifted.count { shifted[i] = sentinel }
            }
            perSignal[s] = shifted
        }
        return perSignal
    }

    /// Writes one signal as one column of the output, averaging its samples within each frame.
    private func smooth(_ samples: [Int32], samplesPerFrame n: Int, frames: Int, column: Int, columns: Int, into output: inout [UInt8]) {
        output.withUnsafeMutableBytes { raw in
            let out = raw.bindMemory(to: Int32.self)
            samples.withUnsafeBufferPointer { s in
                if n == 1 {
                    for f in 0..<frames { out[f * columns + column] = s[f] }
                    return
                }
                for f in 0..<frames {
                    var sum: Int64 = 0
                    for k in 0..<n { sum += Int64(s[f * n + k]) }
                    out[f * columns + column] = Int32(truncatingIfNeeded: Int64((Double(sum) / Double(n)).rounded(.towardZero)))
                }
            }
        }
    }
}
