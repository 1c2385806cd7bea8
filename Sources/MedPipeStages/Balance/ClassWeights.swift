/// Loss weights per class, scikit-learn's `compute_class_weight("balanced")`:
/// `n_samples / (n_classes · count(class))`.
public enum ClassWeights {
    public static func balanced(labels: [String]) -> [String: Double] {
        let classes = indicesByClass(labels)
        var weights: [String: Double] = [:]
        for (label, members) in classes {
            weights[label] = Double(labels.count) / (Double(classes.count) * Double(members.count))
        }
        return weights
    }

    /// A plan with every sample once and the balanced weights.
    public static func plan(labels: [String]) -> SamplingPlan {
        SamplingPlan(indices: Array(labels.indices), classWeights: balanced(labels: labels))
    }
}
