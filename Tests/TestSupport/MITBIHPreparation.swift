/// The stages with which `Fixtures/recipes/mitbih-ds1.yaml` prepares an MIT-BIH record before cutting beats (lead
/// MLII, band-pass 0.5–40 Hz, resampled to 180 Hz, z-scored per lead), as items of a recipe's `stages:` list
/// (two-space indent, no final newline), for the tests that convert records as that recipe does.
public enum MITBIHPreparation {
    public static let stages = """
          - leads: { names: [MLII] }
          - bandpass: { low: 0.5, high: 40, order: 4 }
          - resample-signal: { frequency: 180 }
          - lead-zscore: {}
        """
}
