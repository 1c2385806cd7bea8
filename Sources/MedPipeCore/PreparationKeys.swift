/// The metadata keys under which a model carries the preparation of the cache it was trained on, as JSON: the
/// stages (`pipeline`) and their fitted statistics (`fitted`). A network's checkpoint holds them in its metadata, a
/// tree model in its booster's attributes; both read them to refuse inputs prepared otherwise.
public enum PreparationKeys {
    public static let pipeline = "pipeline", fitted = "fitted"
    /// Both keys.
    public static let all = [pipeline, fitted]
}
