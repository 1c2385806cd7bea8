/// The AAMI EC57 figure of merit for heartbeat classifiers (classes named N, S, V, F, Q).
extension ClassificationReport {
    /// The heartbeat classes whose mean sensitivity is the inter-patient protocol's figure of merit:
    /// normal, supraventricular and ventricular beats (F and Q, a few hundred beats in a few patients, left out).
    public static let aamiMeanSensitivityClasses = ["N", "S", "V"]

    /// The mean sensitivity (recall) over N, S and V, or nil unless all three are classes of the report.
    /// A class without beats in the report counts as sensitivity 0.
    public var aamiMeanSensitivity: Double? {
        let recalls = Self.aamiMeanSensitivityClasses.compactMap { name in perClass.first { $0.name == name }?.recall }
        return recalls.count == Self.aamiMeanSensitivityClasses.count ? recalls.reduce(0, +) / Double(recalls.count) : nil
    }
}
