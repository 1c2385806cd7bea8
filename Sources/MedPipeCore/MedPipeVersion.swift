/// MedPipe's release: what `medpipe --version` prints, equal to the Python package's version
/// (`python/pyproject.toml`, checked by a test).
public enum MedPipeVersion {
    /// Semantic version, e.g. `0.1.0`.
    public static let current = "0.1.0"
}
