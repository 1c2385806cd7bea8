import Foundation
import MedPipeCache
import MedPipeCore

/// Processed sources as bytes, from a rank of an MPI convert to rank 0: an 8-byte little-endian length, a JSON
/// list of records (work item, unit without its tensor bytes or the error), then every tensor's bytes in order.
enum UnitTransfer {
    typealias Outcome = Result<(CacheUnit, [String: Int]), MedPipeError>

    private struct Record: Codable {
        var index: Int
        var unit: Unit?
        var dropped: [String: Int]?
        var error: Failure?
    }

    private struct Unit: Codable {
        var key: String, source: String
        var items: [Item]
    }

    private struct Item: Codable {
        var dtype: DType, shape: [Int]
        var label: String?, group: String
        var geometry: Geometry?
        var metadata: [String: MetadataValue]
    }

    private struct Failure: Codable {
        var kind: String, subject: String, message: String
    }

    static func encode(_ outcomes: [(index: Int, outcome: Outcome)]) throws -> [UInt8] {
        var tensors: [UInt8] = []
        let records = outcomes.map { index, outcome -> Record in
            switch outcome {
            case .success(let (unit, dropped)):
                for item in unit.items { tensors += item.tensor.bytes }
                let items = unit.items.map {
                    Item(dtype: $0.tensor.dtype, shape: $0.tensor.shape, label: $0.label, group: $0.group, geometry: $0.geometry, metadata: $0.metadata)
                }
                return Record(index: index, unit: Unit(key: unit.key, source: unit.source, items: items), dropped: dropped)
            case .failure(let error):
                return Record(index: index, error: Failure(kind: error.kind.rawValue, subject: error.subject, message: error.message))
            }
        }
        let header = try JSONEncoder().encode(records)
        return withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + tensors
    }

    /// The outcomes `rank` sent, every length checked against the bytes received.
    static func decode(_ bytes: [UInt8], from rank: Int) throws -> [(index: Int, outcome: Outcome)] {
        let subject = "the units rank \(rank) sent"
        guard !bytes.isEmpty else { return [] }
        var reader = ByteReader(bytes, source: subject)
        guard let headerLength = Int(exactly: try reader.unsigned(width: 8, "header length")) else {
            throw MedPipeError.malformed(subject, "its header length does not fit")
        }
        let records: [Record]
        do {
            records = try JSONDecoder().decode([Record].self, from: Data(try reader.read(headerLength, "header")))
        } catch let error as MedPipeError {
            throw error
        } catch {
            throw MedPipeError.malformed(subject, "its header is not valid JSON: \(error)")
        }
        return try records.map { record in
            if let unit = record.unit {
                let items = try unit.items.map { item in
                    guard item.shape.allSatisfy({ $0 >= 0 }) else { throw MedPipeError.malformed(subject, "a tensor has shape \(item.shape)") }
                    let length = try CheckedSize.product(item.shape + [item.dtype.size], source: subject, "tensor bytes")
                    let tensor = Tensor(shape: item.shape, dtype: item.dtype, bytes: Array(try reader.read(length, "tensor")))
                    return CacheItem(tensor: tensor, label: item.label, group: item.group, geometry: item.geometry, metadata: item.metadata)
                }
                return (record.index, .success((CacheUnit(key: unit.key, source: unit.source, items: items), record.dropped ?? [:])))
            }
            guard let failure = record.error, let kind = MedPipeError.Kind(rawValue: failure.kind) else {
                throw MedPipeError.malformed(subject, "record \(record.index) has neither a unit nor an error")
            }
            return (record.index, .failure(MedPipeError(kind, failure.subject, failure.message)))
        }
    }
}
