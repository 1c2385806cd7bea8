import Foundation
import MedPipeCore
import MedPipeFormats

/// Writes images as PNG (`NAME.png`) and volumes as one PNG per slice (`NAME/0001.png`, ...).
///
/// Bytes, and multiples of 1/255 in [0, 1] (an image scaled by min-max from bytes), are 8-bit and
/// exact; integers within 0-65535 are 16-bit and exact; other values are spread over the 16-bit
/// range of the whole sample. Gray, gray+alpha, RGB and RGBA images keep their channels. Text
/// chunks carry `label`, `split` and the cache's `recipe_hash`, and, whenever the stored levels are
/// not the values themselves, `value_slope` and `value_intercept` (value = level × slope + intercept).
public struct PNGExportWriter: SampleWriter {
    /// The cache's recipe hash, written in every file.
    public var recipeHash: String
    public var compressionLevel: Int

    public init(recipeHash: String, compressionLevel: Int = 6) {
        self.recipeHash = recipeHash
        self.compressionLevel = compressionLevel
    }

    public func write(_ sample: ExportSample, into directory: String) throws -> [String] {
        guard let kind = sample.kind, kind == .image || (kind == .volume && sample.tensor.shape.count == 3) else {
            throw MedPipeError.unsupported(sample.name, "PNG export holds images and 3D volumes, not a \(sample.kind?.description ?? "tensor") of shape \(sample.tensor.shape)")
        }
        let shape = sample.tensor.shape
        let values = sample.tensor.doubleValues()
        let quantization = try LinearQuantization.choose(values, allowed: [.uint8, .uint16], general: .uint16)
        let (levels, _) = quantization.encode(values)
        var text: [(key: String, value: String)] = []
        if let label = sample.label { text.append(("label", label)) }
        text.append(("split", sample.split))
        if !recipeHash.isEmpty { text.append(("recipe_hash", recipeHash)) }
        if quantization.slope != 1 || quantization.intercept != 0 {
            text.append(("value_slope", "\(quantization.slope)"))
            text.append(("value_intercept", "\(quantization.intercept)"))
        }
        let dtype: DType = quantization.storage == .uint8 ? .uint8 : .uint16
        let writer = PNGWriter(compressionLevel: compressionLevel)
        guard kind == .volume else {
            let path = directory + "/" + sample.name + ".png"
            try Self.write(writer.encode(Tensor(shape: shape, dtype: dtype, bytes: levels), text: text), to: path)
            return [path]
        }
        let folder = directory + "/" + sample.name
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw MedPipeError.io(folder, "cannot create the folder: \(error.localizedDescription)")
        }
        let sliceBytes = shape[1] * shape[2] * dtype.size
        var paths: [String] = []
        for slice in 0..<shape[0] {
            let path = folder + "/" + String(format: "%04d.png", slice + 1)
            let bytes = Array(levels[slice * sliceBytes ..< (slice + 1) * sliceBytes])
            try Self.write(writer.encode(Tensor(shape: [shape[1], shape[2]], dtype: dtype, bytes: bytes), text: text + [("slice", String(slice))]),
                           to: path)
            paths.append(path)
        }
        return paths
    }

    /// Writes in place: a temporary file and a rename per image would double the file system work
    /// of exporting thousands of small images.
    private static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try AtomicFile.writeInPlace(path, parts: [$0]) }
    }
}
