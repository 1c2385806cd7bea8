import Foundation
import MedPipeCache
import MedPipeCore

/// Processed sources as bytes, from a rank of an MPI convert to rank 0: a JSON list of records, each the work
/// item's index with the manifest rows of its unit (whose tensors the rank has stored in its own shard), the parts
/// dropped and the readers' warnings, or the error.
enum UnitTransfer {
    typealias Outcome = Result<ProcessedSource<StoredUnit>, MedPipeError>

    private struct Record: Codable {
        var index: Int
        var unit: StoredUnit?
        var dropped: [String: Int]?
        var warnings: [String]?
        var error: Failure?
    }

    private struct Failure: Codable {
        var kind: String, subject: String, message: String
    }

    static func encode(_ outcomes: [(index: Int, outcome: Outcome)]) throws -> [UInt8] {
        let records = outcomes.map { index, outcome -> Record in
            switch outcome {
            case .success(let processed):
                Record(index: index, unit: processed.unit, dropped: processed.dropped, warnings: processed.warnings)
            case .failure(let error):
                Record(index: index, error: Failure(kind: error.kind.rawValue, subject: error.subject, message: error.message))
            }
        }
        return Array(try JSONEncoder().encode(records))
    }

    /// The outcomes `rank` sent, every unit's rows checked (``StoredUnit/validate(_:)``).
    static func decode(_ bytes: [UInt8], from rank: Int) throws -> [(index: Int, outcome: Outcome)] {
        let subject = "the units rank \(rank) sent"
        let records: [Record]
        do {
            records = try JSONDecoder().decode([Record].self, from: Data(bytes))
        } catch {
            throw MedPipeError.malformed(subject, "not valid JSON: \(error)")
        }
        return try records.map { record in
            if let unit = record.unit {
                try unit.validate(subject)
                return (record.index, .success(ProcessedSource(unit: unit, dropped: record.dropped ?? [:], warnings: record.warnings ?? [])))
            }
            guard let failure = record.error, let kind = MedPipeError.Kind(rawValue: failure.kind) else {
                throw MedPipeError.malformed(subject, "record \(record.index) has neither a unit nor an error")
            }
            return (record.index, .failure(MedPipeError(kind, failure.subject, failure.message)))
        }
    }
}
