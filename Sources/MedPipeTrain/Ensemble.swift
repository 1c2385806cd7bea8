import Foundation
import MedPipeCore

/// A model that maps a batch `[N, ...]` to class scores `[N, K]` whose softmax is its class probabilities:
/// one network (``Sequential``) or several averaged (``Ensemble``).
public protocol Classifier {
    /// The scores of a batch (in evaluation mode when `training` is false).
    mutating func forward(_ input: Activation, training: Bool) -> Activation
    /// Drops forward caches and workspaces.
    mutating func releaseCaches()
}

extension Sequential: Classifier {}

/// Networks of one architecture whose class probabilities are averaged into one prediction: a seed
/// ensemble (`train: { ensemble: K }`) trains K copies of a model from seeds s, s + 1, …, each keeping its
/// own best epoch. Averaging cancels much of what one training run owes to its seed.
public struct Ensemble: Classifier, Sendable {
    /// The networks, at least one.
    public private(set) var members: [Sequential]
    public init(_ members: [Sequential]) {
        precondition(!members.isEmpty, "an ensemble needs a member")
        self.members = members
    }

    /// One member's logits unchanged; for several members, the log of their mean softmax probabilities,
    /// whose softmax is that mean (and whose cross-entropy is the ensemble's).
    public mutating func forward(_ input: Activation, training: Bool) -> Activation {
        let first = members[0].forward(input, training: training)
        if members.count == 1 { return first }
        var mean = softmax(first)
        for i in members.indices.dropFirst() {
            let p = softmax(members[i].forward(input, training: training))
            for j in p.indices { mean[j] += p[j] }
        }
        let k = Float(members.count)
        // The smallest normal float keeps a probability that underflowed to 0 finite.
        return Activation(shape: first.shape, data: mean.map { logf(max($0 / k, .leastNormalMagnitude)) })
    }

    public mutating func releaseCaches() {
        for i in members.indices { members[i].releaseCaches() }
    }
}
