import MedPipePipeline
import MedPipeTrain

/// The recipe's and the flags' training settings (plain names and numbers in `MedPipePipeline`), made into
/// the trainer's optimizer, schedule and configuration: the one place where the names meet the types.
extension TrainSpec {
    /// The trainer's configuration for these settings, with the defaults for what they leave unset:
    /// 10 epochs, batch 64, Adam at 0.001 without weight decay, constant rate, seed 0, val_loss, no early stop.
    func configuration(classWeights: [Float]?, threads: Int) -> TrainingConfiguration {
        let epochs = epochs ?? 10, rate = Float(learningRate ?? 1e-3), decay = Float(weightDecay ?? 0)
        let optimizerValue: any Optimizer = switch optimizer ?? .adam {
        case .adam: Adam(learningRate: rate, weightDecay: decay)
        case .sgd: SGD(learningRate: rate, momentum: 0.9, weightDecay: decay)
        }
        let scheduleValue: LearningRateSchedule = switch schedule ?? .constant {
        case .constant: .constant
        case .cosine: .cosine(period: epochs)
        case .step: .step(stepSize: max(1, epochs / 3), gamma: 0.1)
        }
        let monitorValue: TrainingConfiguration.Monitor = switch monitor ?? .validationLoss {
        case .validationLoss: .validationLoss
        case .validationBalancedAccuracy: .validationBalancedAccuracy
        case .validationAAMIMeanSensitivity: .validationAAMIMeanSensitivity
        }
        return TrainingConfiguration(epochs: epochs, batchSize: batch ?? 64, seed: seedOrDefault, optimizer: optimizerValue,
                                     schedule: scheduleValue, classWeights: classWeights, patience: patience,
                                     monitor: monitorValue, threads: threads)
    }
}
