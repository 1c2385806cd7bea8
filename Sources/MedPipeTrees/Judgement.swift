import MedPipeData
import MedPipePipeline
import MedPipeTrain

/// A trained model (a network or a tree model) judged on one split of a cache, as `evaluate` and `report` both judge it:
/// the cache read as the model's training data was prepared, with the model's own fitted statistics where the cache's
/// differ, and refused when it was prepared otherwise (``CacheDataset/prepared(for:inputShape:preparation:judgedOn:)``);
/// the split's patients the model trained on counted; and the predictions standing only if no `convert` changed the
/// cache while they were made.
public struct Judgement {
    /// The cache as the model was judged on it: its samples as the model's preprocessing prepares them.
    public var dataset: CacheDataset
    /// Whether the model's fitted statistics were applied in place of the cache's, which differ from them.
    public var usesModelStatistics: Bool
    /// Every sample's class probabilities and label, and the mean loss, in the order of one pass over the split
    /// (``TrainedModel/predictions(on:split:)``).
    public var predictions: Trainer.SplitPredictions
    /// How many of the split's patients (groups) the model trained on; nil when the model does not say
    /// (``CacheDataset/trainingPatients(in:model:preparation:)``).
    public var trainingPatients: TrainingPatients?
    /// The report of the predictions, under the model's class names.
    public var report: ClassificationReport

    /// - Throws: ``MedPipeError`` naming the model or the cache when the cache cannot judge the model, when a
    ///   prediction is not finite, or when the cache changed while it was read.
    public init(_ model: inout TrainedModel, on opened: CacheDataset, split: DataSplit) throws {
        let inputs = try opened.prepared(for: model.path, inputShape: model.inputShape, preparation: model.preparation, judgedOn: model.classNames)
        let dataset = inputs.dataset
        trainingPatients = try dataset.trainingPatients(in: split, model: model.path, preparation: model.preparation)
        let predictions = try model.predictions(on: dataset.inferenceSource(batchSize: model.batchSize), split: split)
        try dataset.cache.requireUnchangedSinceOpened()
        self.dataset = dataset
        usesModelStatistics = inputs.usesModelStatistics
        self.predictions = predictions
        report = predictions.report(classNames: model.classNames)
    }
}
