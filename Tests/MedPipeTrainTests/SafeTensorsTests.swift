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
        #expect { try SafeTensors.decode(huge, subject: "huge header") } throws: { error in
            (error as? MedPipeError)?.message.hasPrefix("is not a safetensors file, or is cut short: its header length") == true
        }
        var garbled = good
        garbled[8] = UInt8(ascii: "[")
        #expect(throws: MedPipeError.self) { try SafeTensors.decode(garbled, subject: "not an object") }
        // 64^10 values fit an Int, their bytes as float64 do not: the product of the size trapped.
        var header = Array(#"{"x":{"dtype":"F64","shape":[64,64,64,64,64,64,64,64,64,64],"data_offsets":[0,64]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let overflowing = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [UInt8](repeating: 0, count: 64)
        #expect(throws: MedPipeError.self) { try SafeTensors.decode(overflowing, subject: "overflowing size") }
    }

    /// A checkpoint whose architecture or input shape is impossible is one error naming the file: sizes that trapped
    /// (a Flatten over an input of 2^64 values), and layers that declare far more weights than the file holds, which
    /// were allocated (and killed the process) before the tensors were compared with them.
    @Test func checkpointsWithImpossibleSizesAreErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-sizes-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Sequential([.convolution(rank: 2, inChannels: 1, outChannels: 1, kernel: 1), .flatten, .linear(inFeatures: 1, outFeatures: 2)], seed: 1)
        var meta = Checkpoint(model: model, classNames: ["a", "b"], inputShape: [1, 1, 1]).metadata
        meta["input_shape"] = "[1, 4294967296, 4294967296]"
        try SafeTensors.write(model.stateDict(), metadata: meta, to: path)
        #expect(throws: MedPipeError.malformed(path, "input: samples of shape [1, 4294967296, 4294967296] must have positive extents and at most 1073741824 values")) {
            try Checkpoint.read(path)
        }
        meta["input_shape"] = "[32768]"
        meta["architecture"] = #"[{"type":"Linear","in_features":32768,"out_features":32768},{"type":"Linear","in_features":32768,"out_features":2}]"#
        try SafeTensors.write(model.stateDict(), metadata: meta, to: path)
        #expect(throws: MedPipeError.malformed(path, "its architecture declares 1073807360 weights, its tensors hold 6 values")) {
            try Checkpoint.read(path)
        }
        // Layers without weights declare none: a network of them, and so a file of no tensor, reads.
        try Checkpoint(model: Sequential([.flatten], seed: 1), classNames: ["a", "b"], inputShape: [2]).write(to: path)
        #expect(try Checkpoint.read(path).inputShape == [2])
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

    /// A checkpoint's layers are built with zero weights and loaded in place: every tensor, running statistics
    /// included, reads back as written; a NaN or an infinity is refused naming the first layer that holds one
    /// (layer 10 after layer 2: by number, not by name).
    @Test func checkpointLoadsEveryTensorAndNamesTheFirstNonFiniteLayer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-load-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var model = Sequential([.convolution(rank: 1, inChannels: 1, outChannels: 4, kernel: 3), .relu, .batchNorm(rank: 1, features: 4, eps: 1e-5, momentum: 0.1),
                                .flatten, .linear(inFeatures: 24, outFeatures: 8), .relu, .linear(inFeatures: 8, outFeatures: 8), .relu,
                                .linear(inFeatures: 8, outFeatures: 8), .relu, .linear(inFeatures: 8, outFeatures: 3)], seed: 4)
        _ = model.forward(Activation(shape: [5, 1, 8], data: (0..<40).map { sinf(Float($0)) }), training: true)   // running statistics away from 0 and 1
        let checkpoint = Checkpoint(model: model, classNames: ["a", "b", "c"], inputShape: [1, 8])
        try checkpoint.write(to: path)
        let written = model.stateDict()
        #expect(written.contains { $0.name == "2.running_var" && $0.tensor.values(as: Float.self) != [1, 1, 1, 1] })
        let read = try Checkpoint.read(path).model.stateDict()
        #expect(read.map(\.name) == written.map(\.name) && read.map(\.tensor) == written.map(\.tensor))

        func damaged(_ changes: [String: Float]) throws -> String {
            var tensors = written
            for (name, value) in changes {
                let i = tensors.firstIndex { $0.name == name }!
                var values = tensors[i].tensor.values(as: Float.self)
                values[values.count - 1] = value
                tensors[i].tensor = Tensor(shape: tensors[i].tensor.shape, values: values)
            }
            try SafeTensors.write(tensors, metadata: checkpoint.metadata, to: path)
            return path
        }
        for (changes, layer) in [(["10.bias": Float.nan, "2.running_var": .infinity], 2), (["10.weight": -.infinity], 10), (["0.weight": .nan, "4.bias": .nan], 0)] {
            #expect(throws: MedPipeError.malformed(path, "layer \(layer)'s weights hold a non-finite value (NaN or infinity): the model's outputs would mean nothing")) {
                try Checkpoint.read(try damaged(changes))
            }
        }
    }
}
