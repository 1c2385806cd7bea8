import CFLAC
import MedPipeCore

/// Decodes a WFDB FLAC signal file (formats 508, 516, 524) through libFLAC.
///
/// Each signal of the file is one FLAC channel holding `frames × samplesPerFrame` samples (all
/// signals of a FLAC file share one samples-per-frame value); the header's `+offset` counts samples.
/// Values are the stored integers, as wfdb-python reads them through libsndfile.
struct WFDBFLACDecoder {
    let path: String
    let format: WFDBSignalFormat

    /// State shared with libFLAC's callbacks.
    private final class Sink {
        var channels: [[Int32]]
        let skip: Int
        let wanted: Int
        var seen = 0
        var channelCount: UInt32 = 0
        var bitsPerSample: UInt32 = 0
        var problem: String?
        init(channels: Int, skip: Int, wanted: Int) {
            self.channels = Array(repeating: [], count: channels)
            self.skip = skip
            self.wanted = wanted
            for i in 0..<channels { self.channels[i].reserveCapacity(min(wanted, 1 << 24)) }
        }
    }

    /// Per-signal samples: `frames × samplesPerFrame[i]` each, zero beyond `storedFrames` (skew padding).
    func read(channels: Int, samplesPerFrame: [Int], offset: Int, frames: Int, storedFrames: Int) throws -> [[Int32]] {
        guard let spf = samplesPerFrame.first, samplesPerFrame.allSatisfy({ $0 == spf }) else {
            throw MedPipeError.malformed(path, "all signals of a FLAC signal file must have the same samples per frame, found \(samplesPerFrame)")
        }
        guard let decoder = FLAC__stream_decoder_new() else { throw MedPipeError.io(path, "libFLAC could not allocate a decoder") }
        defer { FLAC__stream_decoder_delete(decoder) }
        let sink = Sink(channels: channels, skip: offset, wanted: storedFrames * spf)
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }

        let write: FLAC__StreamDecoderWriteCallback = { _, frame, buffer, client in
            let sink = Unmanaged<Sink>.fromOpaque(client!).takeUnretainedValue()
            let header = frame!.pointee.header
            sink.channelCount = header.channels
            sink.bitsPerSample = header.bits_per_sample
            guard Int(header.channels) == sink.channels.count else {
                sink.problem = "FLAC stream has \(header.channels) channels, the header describes \(sink.channels.count) signals in this file"
                return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT
            }
            let block = Int(header.blocksize)
            let from = max(0, sink.skip - sink.seen)
            let to = min(block, sink.skip + sink.wanted - sink.seen)
            if from < to {
                for c in 0..<sink.channels.count {
                    let samples = buffer![c]!
                    sink.channels[c].append(contentsOf: UnsafeBufferPointer(start: samples + from, count: to - from))
                }
            }
            sink.seen += block
            return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
        }
        let error: FLAC__StreamDecoderErrorCallback = { _, status, client in
            let sink = Unmanaged<Sink>.fromOpaque(client!).takeUnretainedValue()
            if sink.problem == nil { sink.problem = "FLAC stream error \(status.rawValue) (corrupt or truncated frame)" }
        }
        let status = FLAC__stream_decoder_init_file(decoder, path, write, nil, error, box.toOpaque())
        guard status == FLAC__STREAM_DECODER_INIT_STATUS_OK else {
            throw MedPipeError.io(path, "libFLAC cannot open the signal file (init status \(status.rawValue))")
        }
        let ok = FLAC__stream_decoder_process_until_end_of_stream(decoder) != 0
        FLAC__stream_decoder_finish(decoder)
        if let problem = sink.problem { throw MedPipeError.malformed(path, problem) }
        guard ok else { throw MedPipeError.malformed(path, "libFLAC could not decode the stream (not a FLAC file?)") }
        let maxBits = UInt32(format.rawValue - 500)
        guard sink.bitsPerSample <= maxBits else {
            throw MedPipeError.malformed(path, "FLAC stream has \(sink.bitsPerSample) bits per sample, format \(format.rawValue) allows at most \(maxBits)")
        }
        for c in 0..<channels where sink.channels[c].count < sink.wanted {
            throw MedPipeError.malformed(path, "truncated: FLAC channel \(c) holds \(sink.channels[c].count) samples after offset \(offset), the header needs \(sink.wanted)")
        }
        let total = frames * spf
        return sink.channels.map { $0.count >= total ? $0 : $0 + [Int32](repeating: 0, count: total - $0.count) }
    }
}
