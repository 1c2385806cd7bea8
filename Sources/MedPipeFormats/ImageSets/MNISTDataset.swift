import MedPipeCore

/// An MNIST-style image set: an idx3 file of uint8 images and an idx1 file of their labels.
public struct MNISTDataset: Sendable {
    /// `(count, rows, columns)` uint8.
    public var images: Tensor
    /// One label per image; none for an unlabeled set.
    public var labels: [Int]
    /// The images file, as records name their source.
    public var source: String

    /// Reads an images file and its labels file (raw or gzip).
    /// - Throws: ``MedPipeError`` when either file is not a valid idx file, the images are not a
    ///   uint8 `(count, rows, columns)` array, the labels not a uint8 vector, or the counts differ.
    public static func load(images imagesPath: String, labels labelsPath: String, reader: IDXReader = IDXReader()) throws -> MNISTDataset {
        let images = try reader.readTensor(imagesPath)
        guard images.dtype == .uint8, images.shape.count == 3 else {
            throw MedPipeError.malformed(imagesPath, "MNIST images must be a uint8 (count, rows, columns) array, found \(images.dtype) \(images.shape)")
        }
        let labelTensor = try reader.readTensor(labelsPath)
        guard labelTensor.dtype == .uint8, labelTensor.shape.count == 1 else {
            throw MedPipeError.malformed(labelsPath, "MNIST labels must be a uint8 vector, found \(labelTensor.dtype) \(labelTensor.shape)")
        }
        guard labelTensor.count == images.shape[0] else {
            throw MedPipeError.malformed(labelsPath, "\(labelTensor.count) labels for \(images.shape[0]) images in \(imagesPath)")
        }
        let labels = labelTensor.bytes.map { Int($0) }
        return MNISTDataset(images: images, labels: labels, source: imagesPath)
    }

    /// An images file without its labels (`predict` reads one), or nil when it holds no uint8 `(count, rows, columns)`
    /// array: its records have no label.
    /// - Throws: ``MedPipeError`` when the file is not a valid idx file.
    public static func unlabeled(images path: String, reader: IDXReader = IDXReader()) throws -> MNISTDataset? {
        let images = try reader.readTensor(path)
        guard images.dtype == .uint8, images.shape.count == 3 else { return nil }
        return MNISTDataset(images: images, labels: [], source: path)
    }

    /// Number of images.
    public var count: Int { images.shape[0] }

    /// One record per image: tensor `(rows, columns)` uint8, `label` the digit (none for ``unlabeled(images:reader:)``),
    /// metadata `index`.
    public func records() -> [Record] {
        let rows = images.shape[1], columns = images.shape[2]
        let size = rows * columns
        return images.bytes.withUnsafeBufferPointer { pixels in
            (0..<count).map { index in
                let tensor = Tensor(shape: [rows, columns], dtype: .uint8, bytes: Array(pixels[index * size ..< (index + 1) * size]))
                return Record(source: source, format: FormatKind.idx.rawValue, tensor: tensor,
                              metadata: ["index": .int(index)], label: labels.isEmpty ? nil : String(labels[index]))
            }
        }
    }
}
