import MedPipeCore

/// What one value of a signal stands for, as a sample's metadata says (``SignalUnits``): its channels' units and,
/// while the values are a record's digital (ADC) values, their gains and baselines. Two samples on other scales hold
/// other voltages under the same numbers: a fitted statistic or a model that saw one misreads the other (MIT-BIH
/// stores 200 ADC units per mV, other databases 1,000). Normalized (dimensionless) values have no scale to compare.
public struct SignalScale: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var units: [String]
    public var gains: [Double]?
    public var baselines: [Double]?

    /// The scale `metadata` describes; nil for values without units, or whose every channel is dimensionless.
    public init?(metadata: [String: MetadataValue]) {
        guard case .strings(let units)? = metadata[SignalUnits.key], units.contains(where: { $0 != LeadUnits.normalized }) else { return nil }
        self.units = units
        if case .doubles(let gains)? = metadata[SignalUnits.gainsKey] { self.gains = gains }
        if case .doubles(let baselines)? = metadata[SignalUnits.baselinesKey] { self.baselines = baselines }
    }

    /// Each channel's units, and for digital values their ADC scale: "mV (200 per mV, baseline 1024)".
    public var description: String {
        units.indices.map { c in
            guard let gains, c < gains.count, units[c] != LeadUnits.normalized else { return units[c] }
            let baseline = baselines.map { c < $0.count ? ", baseline \(CanonicalParameters.format($0[c]))" : "" } ?? ""
            return "\(units[c]) (digital: \(CanonicalParameters.format(gains[c])) per \(units[c])\(baseline))"
        }.joined(separator: ", ")
    }
}
