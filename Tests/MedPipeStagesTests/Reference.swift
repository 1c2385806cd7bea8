import Foundation
import MedPipeCore
import TestSupport

/// Reads `Tests/Reference/<name>` (written by tools/reference/stages.py).
enum Reference {
    static func load(_ name: String) throws -> [String: Any] {
        let path = SharedData.projectRoot + "/Tests/Reference/" + name
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func doubles(_ value: Any?) -> [Double] { (value as! [Any]).map { ($0 as! NSNumber).doubleValue } }
    static func ints(_ value: Any?) -> [Int] { (value as! [Any]).map { ($0 as! NSNumber).intValue } }
    static func double(_ value: Any?) -> Double { (value as! NSNumber).doubleValue }

    /// A 4×4 affine from 16 row-major values.
    static func affine(_ value: Any?) -> Affine {
        let v = doubles(value)
        return Affine(matrix: (0..<4).map { r in Array(v[(r * 4)..<(r * 4 + 4)]) })
    }
}

/// Largest absolute difference, relative to the largest absolute expected value.
func relativeError(_ got: [Double], _ want: [Double]) -> Double {
    precondition(got.count == want.count, "\(got.count) values against \(want.count)")
    let scale = want.map(abs).max() ?? 1
    return zip(got, want).map { abs($0 - $1) }.max().map { $0 / max(scale, .leastNormalMagnitude) } ?? 0
}
