import MedPipeCore

/// What a signal's values are in, as a sample carries it through the stages, one entry per lead in WFDB's spelling:
/// metadata ``key`` (`units`: `mV`, `mmHg`, `NU` for ``LeadUnits/normalized``) and, while the values are a record's digital (ADC)
/// values, their scale ``gainsKey`` and ``baselinesKey`` (`gains`, `baselines`: physical = (value − baseline) / gain).
///
/// `leads` selects them with the signals; a normalization (z-score, min-max, CT window) makes the values
/// dimensionless (``LeadUnits/normalized``) and drops the ADC scale; a filter without a response at 0 Hz (high-pass, band-pass) removes
/// the ADC offset (baselines 0) and keeps the gains; low-pass filtering, resampling and cutting (beats, windows)
/// keep everything; the template and RR channels a beat segmentation adds get their lead's units and `NU`.
public enum SignalUnits {
    /// The metadata key of the leads' units.
    public static let key = "units"
    /// The metadata key of the ADC gains of digital values (ADC units per physical unit).
    public static let gainsKey = "gains"
    /// The metadata key of the ADC baselines of digital values (the digital value of physical zero).
    public static let baselinesKey = "baselines"

    /// `sample`'s units and ADC scale narrowed to `leads`, in their order; entries whose count is not
    /// `channels` (they describe another layout) are removed.
    static func select(_ leads: [Int], channels: Int, in sample: inout Sample) {
        for key in [key, gainsKey, baselinesKey] {
            switch sample.metadata[key] {
            case .strings(let items)? where items.count == channels: sample.metadata[key] = .strings(leads.map { items[$0] })
            case .doubles(let items)? where items.count == channels: sample.metadata[key] = .doubles(leads.map { items[$0] })
            case nil: break
            default: sample.metadata[key] = nil
            }
        }
    }

    /// Marks every lead of `sample` dimensionless and drops the ADC scale (nothing for a sample without units).
    static func normalize(_ sample: inout Sample) {
        sample.metadata[gainsKey] = nil
        sample.metadata[baselinesKey] = nil
        if case .strings(let units)? = sample.metadata[key] {
            sample.metadata[key] = .strings(Array(repeating: LeadUnits.normalized, count: units.count))
        }
    }

    /// Describes the channels a beat segmentation adds after `leads` leads (``BeatSegmentation``): with `template`, one
    /// channel per lead in that lead's units and scale, then `features` dimensionless constants (scale 1, baseline 0).
    static func widen(_ sample: inout Sample, leads: Int, template: Bool, features: Int) {
        func widened<T>(_ items: [T], _ feature: T) -> [T] {
            items + (template ? items : []) + Array(repeating: feature, count: features)
        }
        switch sample.metadata[key] {
        case .strings(let units)? where units.count == leads: sample.metadata[key] = .strings(widened(units, LeadUnits.normalized))
        case nil: break
        default: sample.metadata[key] = nil
        }
        for (scaleKey, feature) in [(gainsKey, 1.0), (baselinesKey, 0.0)] {
            switch sample.metadata[scaleKey] {
            case .doubles(let items)? where items.count == leads: sample.metadata[scaleKey] = .doubles(widened(items, feature))
            case nil: break
            default: sample.metadata[scaleKey] = nil
            }
        }
    }

    /// Sets the ADC baselines of `sample` to 0: filtering has removed the offset of digital values.
    static func removeOffset(_ sample: inout Sample) {
        if case .doubles(let baselines)? = sample.metadata[baselinesKey] {
            sample.metadata[baselinesKey] = .doubles(Array(repeating: 0, count: baselines.count))
        }
    }
}

extension Sample {
    /// A copy with `tensor`, the normalized values, in place of the values: its leads dimensionless
    /// (``SignalUnits/normalize(_:)``).
    func replacing(normalized tensor: Tensor) -> Sample {
        var copy = replacing(tensor: tensor)
        SignalUnits.normalize(&copy)
        return copy
    }
}
