/// A time-stamped event on a signal, as in a WFDB annotation file (`.atr`, `.qrs`).
public struct Annotation: Sendable, Equatable, Codable {
    /// Sample index (0-based) in the record's frame time.
    public var sample: Int
    /// Mnemonic, e.g. `N`, `A`, `V`, `+`.
    public var symbol: String
    public var subtype: Int
    public var channel: Int
    public var num: Int
    /// Free text (rhythm labels such as `(N`); may carry identifying text before de-identification.
    public var aux: String

    public init(sample: Int, symbol: String, subtype: Int = 0, channel: Int = 0, num: Int = 0, aux: String = "") {
        self.sample = sample
        self.symbol = symbol
        self.subtype = subtype
        self.channel = channel
        self.num = num
        self.aux = aux
    }
}
