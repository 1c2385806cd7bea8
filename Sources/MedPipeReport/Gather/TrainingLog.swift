import Foundation
import MedPipeCore
import MedPipeTrain

/// The epochs of a training run, from the JSON lines `medpipe train --metrics` appends.
struct TrainingLog {
    var path: String
    /// The epochs shown: those of the last network that the model's training trained, or, without a model that
    /// names its training curve, of the last run in the file (a file appended to by several runs starts again at epoch 0).
    var epochs: [EpochMetrics]
    /// Runs found in the file (an ensemble's networks count one each).
    var runs: Int
    /// The model whose training the epochs were found by (``EpochMetrics/curveDigest(_:)``), and how many networks
    /// that training trained; nil when the epochs are the file's last run's.
    var found: (model: String, networks: Int)?

    /// The epoch whose model was kept: the last one that became the best.
    var keptEpoch: Int? { epochs.last(where: \.best)?.epoch }

    /// Reads the file; with `model` (its path and its training curve's digest), the epochs of the training that wrote it.
    /// - Throws: `.malformed` for a line that is no epoch; `.invalidArgument` when the model names its training curve and
    ///   no run of the file has it (the metrics of another training).
    init(path: String, model: (path: String, curve: String)? = nil) throws {
        self.path = path
        let bytes = try FileBytes.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw MedPipeError.malformed(path, "is not UTF-8 text") }
        let decoder = JSONCoding.decoder()
        var all: [[EpochMetrics]] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let metrics: EpochMetrics
            do {
                metrics = try decoder.decode(EpochMetrics.self, from: Data(line.utf8))
            } catch {
                throw MedPipeError.malformed(path, "line \(number + 1) is not an epoch of `medpipe train --metrics` (\(Self.reason(error)))")
            }
            if let previous = all.last?.last, metrics.epoch > previous.epoch {
                all[all.count - 1].append(metrics)
            } else {
                all.append([metrics])
            }
        }
        guard let last = all.last else { throw MedPipeError.malformed(path, "holds no epoch") }
        runs = all.count
        guard let model else {
            epochs = last
            return
        }
        // The training's runs: consecutive ones (an ensemble's networks, one partly trained when it was interrupted),
        // the last such in the file.
        let longest = EnsembleSize.maximum + 1
        for end in stride(from: all.count, to: 0, by: -1) {
            for start in stride(from: end - 1, through: max(0, end - longest), by: -1)
            where EpochMetrics.curveDigest(all[start..<end].joined()) == model.curve {
                epochs = all[end - 1]
                found = (model.path, end - start)
                return
            }
        }
        throw MedPipeError.invalidArgument(path, "holds no epoch of the training that wrote \(model.path) (\(all.count) run\(all.count == 1 ? "" : "s") of other trainings): give the --metrics file of that training")
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "not JSON"
        }
    }
}
