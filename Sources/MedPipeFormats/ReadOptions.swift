/// Options that change how readers decode an input.
public struct ReadOptions: Sendable {
    /// WFDB: physical units (gain and baseline applied, invalid samples NaN) instead of digital values.
    public var physical: Bool

    public init(physical: Bool = false) {
        self.physical = physical
    }
}
