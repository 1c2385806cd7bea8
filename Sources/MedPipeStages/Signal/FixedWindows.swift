import MedPipeCore

/// Cuts a signal `(samples, channels)` into windows of `length` samples every `stride` samples,
/// starting at 0; a final incomplete window, and a window holding invalid samples (``InvalidSamples``),
/// are dropped and counted. Windows keep the record's label and group, the annotations that fall
/// inside them (shifted), and their start in metadata.
public struct FixedWindows: Stage {
    public static let name = "windows"

    public var length: Int
    public var stride: Int

    public init(length: Int, stride: Int? = nil) throws {
        guard (1...OutputLimit.maximumValues).contains(length), (1...OutputLimit.maximumValues).contains(stride ?? length) else {
            throw MedPipeError.invalidArgument(Self.name, "length and stride must be 1 to \(OutputLimit.maximumValues) (got \(length), \(stride ?? length))")
        }
        self.length = length
        self.stride = stride ?? length
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(length: c.decode(Int.self, forKey: .length), stride: c.decode(Int.self, forKey: .stride))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("length", length)
        p.add("stride", stride)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape, layout = try SignalLayout(of: sample, stage: Self.name)
        let n = layout.frames, rowBytes = layout.rowBytes(of: sample)
        let count = n >= length ? (n - length) / stride + 1 : 0
        try OutputLimit.check([Double(count), Double(length), Double(layout.channels)], stage: Self.name,
                              source: sample.source, "\(count) windows of \(length) samples")
        let invalid = InvalidSamples.Rows(of: sample.tensor)
        var windows: [Sample] = []
        var start = 0, index = 0, holdingInvalid = 0
        while start + length <= n {
            defer { start += stride; index += 1 }
            if invalid?.any(in: start..<(start + length)) == true {
                holdingInvalid += 1
                continue
            }
            var shapeOut = shape
            shapeOut[0] = length
            let bytes = Array(sample.tensor.bytes[(start * rowBytes)..<((start + length) * rowBytes)])
            var window = sample.replacing(tensor: Tensor(shape: shapeOut, dtype: sample.tensor.dtype, bytes: bytes))
            window.source = sample.source.narrowed(to: "window", index: index)
            let range = start..<(start + length)
            window.annotations = sample.annotations.filter { range.contains($0.sample) }.map {
                var a = $0
                a.sample -= start
                return a
            }
            window.metadata["window_start"] = .int(start)
            windows.append(window)
        }
        var dropped: [String: Int] = [:]
        if start < n && n > 0 { dropped["incomplete final window"] = 1 }
        if holdingInvalid > 0 { dropped[InvalidSamples.dropReason] = holdingInvalid }
        return StageOutput(windows, dropped: dropped)
    }
}
