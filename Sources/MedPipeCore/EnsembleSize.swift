/// How many networks a seed ensemble may hold (`train --ensemble K`, a recipe's `train: { ensemble: K }`, a checkpoint's
/// metadata): one limit for the recipe reader and the trainer, which do not see each other.
public enum EnsembleSize {
    /// The most members an ensemble (and so a checkpoint) may hold.
    public static let maximum = 1024
}
