import MedPipeCore

/// Keeps some channels of a signal `(samples, channels)`, in the given order (e.g. lead 0, MLII in MIT-BIH).
public struct SelectLeads: Stage {
    public static let name = "leads"

    public var leads: [Int]

    public init(leads: [Int]) throws {
        guard !leads.isEmpty, leads.allSatisfy({ $0 >= 0 }) else {
            throw MedPipeError.invalidArgument(Self.name, "needs one or more lead indices ≥ 0")
        }
        self.leads = leads
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("leads", leads)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape
        guard shape.count == 2 else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs a signal (samples, channels), got shape \(shape)")
        }
        let (n, channels) = (shape[0], shape[1])
        if let bad = leads.first(where: { $0 >= channels }) {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): lead \(bad) does not exist (the signal has \(channels))")
        }
        let size = sample.tensor.dtype.size
        var bytes = [UInt8](repeating: 0, count: n * leads.count * size)
        sample.tensor.bytes.withUnsafeBytes { source in
            bytes.withUnsafeMutableBytes { target in
                for i in 0..<n {
                    for (j, lead) in leads.enumerated() {
                        let from = (i * channels + lead) * size, to = (i * leads.count + j) * size
                        for b in 0..<size { target[to + b] = source[from + b] }
                    }
                }
            }
        }
        return StageOutput([sample.replacing(tensor: Tensor(shape: [n, leads.count], dtype: sample.tensor.dtype, bytes: bytes))])
    }
}
