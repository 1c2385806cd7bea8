import MedPipeCore

/// Keeps some channels of a signal `(samples, channels)`, in the given order: by index (lead 0 is MLII
/// in most MIT-BIH records) or by name, from the record's `signalNames` metadata (MLII is lead 1 of
/// MIT-BIH 114), which is then narrowed to the kept leads, as are their units (``SignalUnits``).
public struct SelectLeads: Stage {
    public static let name = "leads"

    /// Lead indices (empty when leads are chosen by name).
    public var leads: [Int]
    /// Lead names, e.g. `MLII` (empty when leads are chosen by index).
    public var names: [String]

    public init(leads: [Int] = [], names: [String] = []) throws {
        guard leads.isEmpty != names.isEmpty else {
            throw MedPipeError.invalidArgument(Self.name, "needs lead indices or lead names (one of the two)")
        }
        guard leads.allSatisfy({ $0 >= 0 }) else {
            throw MedPipeError.invalidArgument(Self.name, "needs lead indices ≥ 0")
        }
        // A lead kept twice is the same values again, and 5,000 copies of a lead of MIT-BIH 100 made convert abort
        // allocating 6.5 GB: with each lead once, a selection is never larger than the signal.
        let given = leads.isEmpty ? names : leads.map(String.init)
        if let twice = given.indices.first(where: { given[..<$0].contains(given[$0]) }).map({ given[$0] }) {
            throw MedPipeError.invalidArgument(Self.name, "lead \(twice) is given twice")
        }
        self.leads = leads
        self.names = names
    }

    enum CodingKeys: String, CodingKey { case leads, names }

    /// Decodes pipelines stored before `names` existed (without the key).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(leads: try c.decode([Int].self, forKey: .leads), names: try c.decodeIfPresent([String].self, forKey: .names) ?? [])
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        // Names only when given, so that the caches of index-only recipes keep their keys.
        if names.isEmpty { p.add("leads", leads) } else { p.add("names", names) }
        return p.text
    }

    /// The indices to keep in `sample`: ``leads``, or the positions of ``names`` in its `signalNames`.
    private func indices(in sample: Sample) throws -> [Int] {
        guard !names.isEmpty else { return leads }
        guard case .strings(let available)? = sample.metadata["signalNames"] else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): the record names no leads, so leads cannot be chosen by name")
        }
        return try names.map { name in
            guard let index = available.firstIndex(of: name) else {
                throw MedPipeError.invalidArgument(Self.name, "\(sample.source): no lead named \(name) (the record has \(available.joined(separator: ", ")))")
            }
            return index
        }
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let layout = try SignalLayout(of: sample, stage: Self.name, channelAxis: true)
        let (n, channels) = (layout.frames, layout.channels)
        let leads = try indices(in: sample)
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
        var selected = sample.replacing(tensor: Tensor(shape: [n, leads.count], dtype: sample.tensor.dtype, bytes: bytes))
        if case .strings(let available)? = sample.metadata["signalNames"], available.count == channels {
            selected.metadata["signalNames"] = .strings(leads.map { available[$0] })
        }
        SignalUnits.select(leads, channels: channels, in: &selected)
        return StageOutput([selected])
    }
}
