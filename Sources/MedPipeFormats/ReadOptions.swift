/// Options that change how readers decode an input.
public struct ReadOptions: Sendable {
    /// WFDB: physical units (gain and baseline applied, invalid samples NaN) instead of digital values.
    public var physical: Bool
    /// WFDB digital values: a record holding invalid samples (its format's sentinel, where a lead was off) is read
    /// as float64 digital values with NaN in their place, the stages' mark of an invalid sample, instead of int32 values
    /// with the sentinel (−32768 in format 16) that a filter would take for a huge swing. A record without one stays
    /// int32.
    public var markInvalidSamples: Bool

    public init(physical: Bool = false, markInvalidSamples: Bool = false) {
        self.physical = physical
        self.markInvalidSamples = markInvalidSamples
    }

    /// What `convert` and `predict` read for the stages: digital values, invalid samples marked NaN.
    public static let forStages = ReadOptions(markInvalidSamples: true)
}
