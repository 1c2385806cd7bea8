import Foundation
import MedPipeCore
import Testing
@testable import MedPipeTrain

@Suite struct SafeTensorsTests {
    static let sample: [(name: String, tensor: Tensor)] = [
        ("a", Tensor(shape: [2, 3], values: [Float](arrayLiteral: 1, 2, 3, 4, 5, 6))),
        ("b.num", Tensor(shape: [], values: [Int64(42)])),
    ]

    @Test func layoutIsTheSafetensorsFormat() throws {
        let bytes = try SafeTensors.encode(Self.sample, metadata: ["k": "v"])
        let n = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect(n % 8 == 0 && bytes.count == 8 + n + 24 + 8)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as! [String: Any]
        let a = header["a"] as! [String: Any]
        #expect(a["dtype"] as? String == "F32" && a["shape"] as? [Int] == [2, 3] && a["data_offsets"] as? [Int] == [0, 24])
        #expect((header["b.num"] as! [String: Any])["dtype"] as? String == "I64")
        #expect((header["__metadata__"] as! [String: String]) == ["k": "v"])
        let back = try SafeTensors.decode(bytes, subject: "x")
        #expect(back.tensors["a"] == Self.sample[0].tensor && back.tensors["b.num"] == Self.sample[1].tensor && back.metadata == ["k": "v"])
    }

    @Test func corruptFilesAreErrorsNotCrashes() throws {
        let good = try SafeTensors.encode(Self.sample, metadata: [:])
        #expect(throws: MedPipeError.self) { try SafeTensors.decode(Array(good.prefix(5)), subject: "short") }
        #expect(throws: MedPipeError.self) { try SafeTensors.decode(Array(good.dropLast(4)), subject: "truncated data") }
        var huge = good
        huge[7] = 0x7F   // header length ≈ 9e18
        #expect(throws: MedPipeError.self) { try SafeTensors.decode(huge, subject: "huge header") }
        var garbled = good
        garbled[8] = UInt8(ascii: "[")
        #expect(throws: MedPipeError.self) { try SafeTensors.decode(garbled, subject: "not an object") }
    }

    @Test func checkpointRejectsMismatchedTensors() throws {
        let dir = FileManager.default.temporaryDirectory
        let path = dir.appendingPathComponent("medpipe-bad-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Sequential([.linear(inFeatures: 3, outFeatures: 2)], seed: 1)
        var checkpoint = Checkpoint(model: model, classNames: ["a", "b"], inputShape: [3])
        try checkpoint.write(to: path)
        #expect(try Checkpoint.read(path).model.stateDict().map(\.tensor) == model.stateDict().map(\.tensor))
        // Wrong shape for 0.weight.
        var meta = checkpoint.metadata
        try SafeTensors.write([("0.weight", Tensor(shape: [3, 2], values: [Float](repeating: 0, count: 6))),
                               ("0.bias", Tensor(shape: [2], values: [Float](repeating: 0, count: 2)))], metadata: meta, to: path)
        #expect(throws: MedPipeError.self) { try Checkpoint.read(path) }
        // Class names that do not fit the output.
        checkpoint.classNames = ["a", "b", "c"]
        meta = checkpoint.metadata
        try SafeTensors.write(model.stateDict(), metadata: meta, to: path)
        #expect(throws: MedPipeError.self) { try Checkpoint.read(path) }
    }
}
