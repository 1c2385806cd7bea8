import Foundation

/// The learning rate for each epoch (0-based), as PyTorch's per-epoch schedulers.
public enum LearningRateSchedule: Sendable, Equatable {
    /// The base rate throughout.
    case constant
    /// `StepLR`: `base · gamma^⌊epoch / stepSize⌋`.
    case step(stepSize: Int, gamma: Float)
    /// `CosineAnnealingLR`: `min + (base − min)·(1 + cos(π·epoch / period))/2`.
    case cosine(period: Int, minimum: Float = 0)

    /// The rate for `epoch` given the base rate.
    public func rate(base: Float, epoch: Int) -> Float {
        switch self {
        case .constant: return base
        case let .step(size, gamma): return base * Float(pow(Double(gamma), Double(epoch / max(size, 1))))
        case let .cosine(period, minimum):
            let c = cos(Double.pi * Double(epoch) / Double(max(period, 1)))
            return minimum + (base - minimum) * Float((1 + c) / 2)
        }
    }
}
