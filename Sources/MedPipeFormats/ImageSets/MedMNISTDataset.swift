import MedPipeCore

/// A MedMNIST `.npz`: `train_images`/`train_labels`, `val_*` and `test_*` members, images
/// `(count, rows, columns[, channels])` uint8 and labels `(count,)` or `(count, 1)`.
public struct MedMNISTDataset: Sendable {
    /// The images and labels of one split.
    public struct Split: Sendable {
        /// `train`, `val` or `test`.
        public var name: String
        /// `(count, rows, columns[, channels])`.
        public var images: Tensor
        /// One class index per image.
        public var labels: [Int]
    }

    /// The splits present, in the order train, val, test.
    public var splits: [Split]
    /// The `.npz` path.
    public var source: String

    /// The split called `name`, if present.
    public func split(_ name: String) -> Split? { splits.first { $0.name == name } }

    /// Reads the archive at `path`.
    /// - Throws: ``MedPipeError`` when no split is present, a split lacks its labels, labels are not
    ///   one integer per image, or the archive is unreadable.
    public static func load(_ path: String, reader: NPZReader = NPZReader()) throws -> MedMNISTDataset {
        try load(members: try reader.read(path), source: path)
    }

    /// The set of an archive that holds a MedMNIST split (`train_images`, `val_images` or `test_images`), as an `.npz`
    /// given to `predict` is told from another array archive; nil for another archive. Read once.
    /// - Throws: what ``load(_:reader:)`` throws, for an archive that holds a split.
    public static func loadIfSplits(_ path: String, reader: NPZReader = NPZReader()) throws -> MedMNISTDataset? {
        let members = try reader.read(path)
        guard members.contains(where: { ["train_images", "val_images", "test_images"].contains($0.name) }) else { return nil }
        return try load(members: members, source: path)
    }

    private static func load(members list: [(name: String, tensor: Tensor)], source path: String) throws -> MedMNISTDataset {
        let members = Dictionary(list.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        var splits: [Split] = []
        for name in ["train", "val", "test"] {
            guard let images = members["\(name)_images"] else { continue }
            guard let labelTensor = members["\(name)_labels"] else {
                throw MedPipeError.malformed(path, "member '\(name)_images' has no '\(name)_labels'")
            }
            guard images.shape.count == 3 || images.shape.count == 4 else {
                throw MedPipeError.malformed(path, "'\(name)_images' must be (count, rows, columns[, channels]), found \(images.shape)")
            }
            let count = images.shape[0]
            guard !labelTensor.dtype.isFloatingPoint, labelTensor.shape.first == count, labelTensor.count == count else {
                throw MedPipeError.unsupported(path, "'\(name)_labels' must hold one integer class per image (\(count),) or (\(count), 1), found \(labelTensor.dtype) \(labelTensor.shape)")
            }
            let labels = try labelTensor.doubleValues().map { value in
                // int64 and uint64 labels read as doubles: one of 2^63 or more has no Int.
                guard let label = Int(exactly: value) else {
                    throw MedPipeError.malformed(path, "'\(name)_labels' holds \(value), not a class index")
                }
                return label
            }
            splits.append(Split(name: name, images: images, labels: labels))
        }
        guard !splits.isEmpty else {
            throw MedPipeError.malformed(path, "no train_images, val_images or test_images member (found \(members.keys.sorted().joined(separator: ", ")))")
        }
        return MedMNISTDataset(splits: splits, source: path)
    }

    /// One record per image (format `npz`): tensor `(rows, columns[, channels])`, `label` the class
    /// index, metadata `split` and `index` (within the split).
    public func records() -> [Record] {
        var records: [Record] = []
        records.reserveCapacity(splits.reduce(0) { $0 + $1.labels.count })
        for split in splits {
            let imageShape = Array(split.images.shape.dropFirst())
            let size = imageShape.reduce(split.images.dtype.size, *)
            split.images.bytes.withUnsafeBufferPointer { pixels in
                for index in split.labels.indices {
                    let tensor = Tensor(shape: imageShape, dtype: split.images.dtype, bytes: Array(pixels[index * size ..< (index + 1) * size]))
                    records.append(Record(source: source, format: FormatKind.npz.rawValue, tensor: tensor,
                                          metadata: ["split": .string(split.name), "index": .int(index)],
                                          label: String(split.labels[index])))
                }
            }
        }
        return records
    }
}
