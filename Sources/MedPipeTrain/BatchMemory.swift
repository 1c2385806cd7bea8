import Foundation
import MedPipeCore

/// The memory a batch through a network takes, bounded below by its largest layer's outputs (float32 values): what
/// training and Grad-CAM refuse when the user's batch cannot fit, and what inference divides its batches by. A model
/// whose layers make huge outputs (a convolution padded by thousands of pixels: a billion values a sample) is then
/// refused in one line, or run in smaller batches, rather than aborting the process when an allocation fails.
public struct BatchMemory: Sendable, Equatable {
    /// Values of the largest layer output for one sample.
    public let largestOutput: Int
    /// The memory to stay within, in bytes: the machine's by default.
    public let memory: UInt64
    /// Bytes the network's own state takes beside its batches: for training, its weights, their gradients, the
    /// optimizer's state and the best epoch's copy (``trainingBytes(parameters:)``).
    public let stateBytes: Double

    /// The bound of a network whose layers give `layerOutputs` for one sample (``Sequential/layerOutputShapes(for:)``)
    /// and whose state takes `stateBytes`.
    public init(layerOutputs: [[Int]], stateBytes: Double = 0, memory: UInt64 = ProcessInfo.processInfo.physicalMemory) {
        largestOutput = layerOutputs.map { $0.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? .max : $0 * $1 } }.max() ?? 0
        self.stateBytes = stateBytes
        self.memory = memory
    }

    /// Bytes that training a network of `parameters` scalars holds for them: float32 weights, gradients, Adam's two
    /// moments and the best epoch's weights, five copies.
    public static func trainingBytes(parameters: Int) -> Double { Double(parameters) * 5 * Double(MemoryLayout<Float>.size) }

    /// The bound of `model` run on samples of `inputShape`.
    /// - Throws: what ``Sequential/layerOutputShapes(for:)`` throws when the layers do not fit the input.
    public init(model: Sequential, inputShape: [Int], memory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        self.init(layerOutputs: try model.layerOutputShapes(for: inputShape), memory: memory)
    }

    /// Bytes of one layer's outputs for `batch` samples (a lower bound of what running them takes).
    private func bytes(_ batch: Int) -> Double { Double(largestOutput) * Double(batch) * Double(MemoryLayout<Float>.size) }

    private func gibibytes(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / Double(1 << 30)) }

    /// Refuses a batch the user chose (`train --batch`, `gradcam --batch`) whose largest layer output alone exceeds
    /// the memory.
    /// - Throws: `.invalidArgument` naming `model` (the file or built-in name the user gave), the batch and the memory.
    public func require(batch: Int, model: String) throws {
        try requireState(model: model)
        guard bytes(batch) + stateBytes <= Double(memory) else {
            throw MedPipeError.invalidArgument(model, "a batch of \(batch) samples needs at least \(gibibytes(bytes(batch))) for one layer's outputs\(stateBytes >= Double(1 << 26) ? " beside the model's own \(gibibytes(stateBytes))" : ""), more than this machine's \(gibibytes(Double(memory))) of memory: give a smaller --batch, or a smaller model")
        }
    }

    /// Refuses a network whose state alone (``stateBytes``) exceeds the memory: checked before it is built, which
    /// allocates its weights.
    /// - Throws: `.invalidArgument` naming `model`, with the bytes and the memory.
    public func requireState(model: String) throws {
        guard stateBytes <= Double(memory) else {
            throw MedPipeError.invalidArgument(model, "training it needs at least \(gibibytes(stateBytes)) for its weights, their gradients, the optimizer's state and the best epoch's copy, more than this machine's \(gibibytes(Double(memory))) of memory: give a smaller model")
        }
    }

    /// The samples to run at once for inference: `preferred`, or fewer when their largest layer output would take
    /// more than an eighth of the memory (the rest is for the other live outputs, the inputs and the results).
    /// - Throws: `.invalidArgument` naming `model` when one sample's largest layer output exceeds the memory.
    public func inferenceBatch(preferred: Int, model: String) throws -> Int {
        guard bytes(1) <= Double(memory) else {
            throw MedPipeError.invalidArgument(model, "one sample needs at least \(gibibytes(bytes(1))) for one layer's outputs, more than this machine's \(gibibytes(Double(memory))) of memory: the model cannot run here")
        }
        let fitting = Double(memory) / 8 / max(bytes(1), 1)
        return max(1, min(preferred, Int(min(fitting, Double(Int.max)))))
    }
}

extension Checkpoint {
    /// The bound of this checkpoint's network on its input shape.
    public func batchMemory() throws -> BatchMemory { try BatchMemory(model: model, inputShape: inputShape) }

    /// The samples to run at once for inference with this checkpoint (``BatchMemory/inferenceBatch(preferred:model:)``).
    /// - Parameter file: the checkpoint's path, which errors name.
    public func inferenceBatch(preferred: Int = 256, file: String) throws -> Int {
        try batchMemory().inferenceBatch(preferred: preferred, model: file)
    }
}
