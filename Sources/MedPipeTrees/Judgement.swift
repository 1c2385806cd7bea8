import MedPipeData
import MedPipePipeline
import MedPipeTrain

/// A trained model (a network or a tree model) judged on one split of a cache, as `evaluate` and `report` both judge it:
/// the cache must be prepared as the model's training data was
/// (``CacheDataset/checkJudges(model:classNames:inputShape:preparation:)``), the split's patients the model trained on are
/// counted, and the predictions stand only if no `convert` changed the cache while they were made.
public struct Judgement {
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
    public init(_ model: inout TrainedModel, on dataset: CacheDataset, split: DataSplit) throws {
        try dataset.checkJudges(model: model.path, classNames: model.classNames, inputShape: model.inputShape, preparation: model.preparation)
        trainingPatients = try dataset.trainingPatients(in: split, model: model.path, preparation: model.preparation)
        let predictions = try model.predictions(on: dataset.inferenceSource(batchSize: model.batchSize), split: split)
        try dataset.cache.requireUnchangedSinceOpened()
        self.predictions = predictions
        report = ClassificationReport(probabilities: predictions.probabilities, labels: predictions.labels, classNames: model.classNames,
                                      loss: predictions.loss)
    }
}
