/// The metadata keys under which a model carries the preparation of the cache it was trained on, as JSON: the
/// stages (`pipeline`) and their fitted statistics (`fitted`), and, for signals, the sampling frequency of the prepared
/// samples in Hz (`sample_frequency`, a number) and what their values stand for where the fitted stages take them
/// (`sample_scale`: units and ADC scale, JSON); for tables, how a CSV table's rows became its inputs (`table`: the
/// recipe's table options, the label column and the ordered feature columns, JSON). With them, the patients of the
/// training split (`training_groups`: a digest of each, see `TrainingGroups`), so that judging the model on a split
/// that holds some of them is said. A network's checkpoint holds them in its metadata, a tree model in its booster's
/// attributes; both read them to refuse inputs prepared otherwise.
public enum PreparationKeys {
    public static let pipeline = "pipeline", fitted = "fitted", frequency = "sample_frequency", scale = "sample_scale", table = "table"
    public static let trainingGroups = "training_groups"
    /// Every key.
    public static let all = [pipeline, fitted, frequency, scale, table, trainingGroups]
}
