import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeTrain

private let torchAvailable = ReferencePython.available("torch", "safetensors")

/// A small network with BatchNorm (running statistics that must survive the file) and a seed of its own.
private func network(seed: UInt64) -> Sequential {
    var model = Sequential([.convolution(rank: 1, inChannels: 2, outChannels: 4, kernel: 3, padding: 1), .batchNorm(rank: 1, features: 4), .relu,
                            .globalAvgPool(rank: 1), .flatten, .linear(inFeatures: 4, outFeatures: 3)], seed: seed)
    var rng = SeededGenerator(seed: seed &+ 100)
    let x = Activation(shape: [4, 2, 8], data: (0..<64).map { _ in rng.uniform(bound: 1) })
    _ = model.forward(x, training: true)   // moves the running statistics off their defaults
    model.releaseCaches()
    return model
}

private func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-ensemble-\(getpid())-\(name)").path
}

struct EnsembleTests {
    let batch: Activation = {
        var rng = SeededGenerator(seed: 9)
        return Activation(shape: [5, 2, 8], data: (0..<80).map { _ in rng.uniform(bound: 2) - 1 })
    }()

    @Test func forwardIsTheLogOfTheMembersMeanProbabilities() {
        var members = [network(seed: 1), network(seed: 2), network(seed: 3)]
        var ensemble = Ensemble(members)
        let p = softmax(ensemble.forward(batch, training: false))
        let each = members.indices.map { softmax(members[$0].forward(batch, training: false)) }
        for j in p.indices {
            let mean = (each[0][j] + each[1][j] + each[2][j]) / 3
            #expect(abs(p[j] - mean) < 1e-6, "probability \(j): \(p[j]) vs the members' mean \(mean)")
        }
        // One member: its logits, untouched.
        var single = Ensemble([members[0]])
        #expect(single.forward(batch, training: false).data == members[0].forward(batch, training: false).data)
    }

    @Test func checkpointStoresEachMemberUnderItsPrefix() throws {
        let path = temporaryFile("round-trip.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let members = [network(seed: 1), network(seed: 2)]
        try Checkpoint(ensemble: Ensemble(members), classNames: ["a", "b", "c"], inputShape: [2, 8]).write(to: path)
        let (tensors, meta) = try SafeTensors.read(path)
        #expect(meta["ensemble"] == "2")
        #expect(Set(tensors.keys) == Set(members[0].stateDict().map { "member0." + $0.name } + members[1].stateDict().map { "member1." + $0.name }))
        let back = try Checkpoint.read(path)
        #expect(back.ensemble.members.count == 2 && back.extra["ensemble"] == nil)
        for (read, written) in zip(back.ensemble.members, members) {
            #expect(read.stateDict().map(\.tensor) == written.stateDict().map(\.tensor))
        }
        // A single network keeps PyTorch's plain state_dict names and no `ensemble` key.
        try Checkpoint(model: members[0], classNames: ["a", "b", "c"], inputShape: [2, 8]).write(to: path)
        let single = try SafeTensors.read(path)
        #expect(single.metadata["ensemble"] == nil && Set(single.tensors.keys) == Set(members[0].stateDict().map(\.name)))
    }

    @Test func checkpointRefusesMalformedEnsembles() throws {
        let path = temporaryFile("bad.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let members = [network(seed: 1), network(seed: 2)]
        let good = Checkpoint(ensemble: Ensemble(members), classNames: ["a", "b", "c"], inputShape: [2, 8])
        let tensors = members.enumerated().flatMap { i, m in m.stateDict().map { ("member\(i).\($0.name)", $0.tensor) } }
        func refused(_ tensors: [(name: String, tensor: Tensor)], ensemble: String?, _ expected: String) throws {
            var meta = good.metadata
            meta["ensemble"] = ensemble
            try SafeTensors.write(tensors, metadata: meta, to: path)
            #expect(throws: MedPipeError.self) { try Checkpoint.read(path) }
            do { _ = try Checkpoint.read(path) } catch let e as MedPipeError {
                #expect(e.description.contains(expected), "\(e.description)")
            }
        }
        for count in ["1", "0", "-2", "two", "99999999999999999999", "1025"] {
            try refused(tensors, ensemble: count, "must be a member count from 2 to 1024")
        }
        try refused(tensors + [("member2.0.weight", tensors[0].1)], ensemble: "2", "'member2.0.weight' belongs to none")
        try refused(tensors + [("member01.0.weight", tensors[0].1)], ensemble: "2", "'member01.0.weight' belongs to none")
        try refused(tensors.map { ($0.0.replacingOccurrences(of: "member1.", with: ""), $0.1) }, ensemble: "2", "belongs to none")
        try refused(tensors.filter { $0.0 != "member1.0.weight" }, ensemble: "2", "ensemble member 1")
        try refused(tensors, ensemble: nil, "unexpected tensor 'member")
    }

    /// The README's PyTorch snippet: every member loaded into an `nn.Sequential` from the one file, their
    /// softmax probabilities averaged, matches MedPipe's ensemble.
    @Test(.enabled(if: torchAvailable, "python3 cannot import torch and safetensors: pip install 'torch==2.13.0+cpu' safetensors"))
    func pytorchAveragesTheSameProbabilities() throws {
        let path = temporaryFile("torch.safetensors"), inputs = temporaryFile("inputs.safetensors")
        defer { for p in [path, inputs] { try? FileManager.default.removeItem(atPath: p) } }
        var ensemble = Ensemble([network(seed: 4), network(seed: 5), network(seed: 6)])
        try Checkpoint(ensemble: ensemble, classNames: ["a", "b", "c"], inputShape: [2, 8]).write(to: path)
        try SafeTensors.write([("x", Tensor(shape: batch.shape, values: batch.data))], metadata: [:], to: inputs)
        let reference = try ReferencePython.json("""
            import json, sys, torch, torch.nn as nn
            from safetensors import safe_open
            from safetensors.torch import load_file
            path, x = sys.argv[1], load_file(sys.argv[2])["x"]
            with safe_open(path, "pt") as f: meta = f.metadata()
            state, k = load_file(path), int(meta.get("ensemble", 1))
            members = []
            for i in range(k):
                m = nn.Sequential(*[getattr(nn, l.pop("type"))(**l) for l in json.loads(meta["architecture"])])
                prefix = f"member{i}." if k > 1 else ""
                m.load_state_dict({n[len(prefix):]: t for n, t in state.items() if n.startswith(prefix)})
                members.append(m.eval())
            with torch.no_grad(): p = sum(torch.softmax(m(x), 1) for m in members) / k
            print(json.dumps({"p": p.flatten().tolist()}))
            """, [path, inputs])
        let theirs = try #require(reference["p"] as? [Double])
        let ours = softmax(ensemble.forward(batch, training: false))
        #expect(ours.count == theirs.count)
        let diff = zip(ours, theirs).reduce(0.0) { max($0, abs(Double($1.0) - $1.1)) }
        #expect(diff < 1e-5, "max |Δp| = \(diff)")
    }
}
