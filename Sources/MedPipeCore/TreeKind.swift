/// The tree ensembles MedPipe trains through XGBoost (`MedPipeTrees`), by the names `train --model` and a
/// recipe's `train:` section take.
public enum TreeKind: String, Sendable, CaseIterable, Codable {
    /// XGBoost's random-forest mode: one round of `trees` parallel trees per class on row subsamples (drawn
    /// without replacement) and per-split column subsamples, learning rate 1, their outputs averaged.
    case randomForest = "random-forest"
    /// Gradient boosting (`gbtree`): `trees` rounds of one tree per class, each shrunk by the learning rate.
    case gradientBoosting = "gradient-boosting"
}
