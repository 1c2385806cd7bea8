/// The recipe the crash-safety and MPI convert tests share: the shared 196-slice MR series as 196 sources (one
/// unit per slice, so that kills and rank shares land between, during and after units), z-scored, all in train.
public enum MRSliceRecipe {
    /// Writes the recipe, named `name`, to `directory/name.yaml` and returns its path.
    public static func write(named name: String, in directory: String) throws -> String {
        let path = directory + "/\(name).yaml"
        try """
            name: \(name)
            sources:
              - path: \(SharedData.path("dicom/mr_series/In"))/*
                format: dicom
            stages:
              - zscore: { over: nonzero }
            split: { by: patient, ratios: { train: 1.0, val: 0.0, test: 0.0 } }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
