import Foundation
import MedPipeCore
import MedPipeTrain

/// The epochs of a training run, from the JSON lines `medpipe train --metrics` appends.
struct TrainingLog {
    var path: String
    /// The last run in the file (a file appended to by several runs starts again at epoch 1).
    var epochs: [EpochMetrics]
    /// Runs found in the file; the report shows the last.
    var runs: Int

    /// The epoch whose model was kept: the last one that became the best.
    var keptEpoch: Int? { epochs.last(where: \.best)?.epoch }

    init(path: String) throws {
        self.path = path
        let bytes = try FileBytes.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw MedPipeError.malformed(path, "is not UTF-8 text") }
        let decoder = JSONDecoder()
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
        epochs = last
        runs = all.count
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
