import Foundation
import MedPipeCore
import MedPipeExplain
import MedPipeFormats
import MedPipeTrain

/// `medpipe-bench gradcam prepare DIR` writes an mnist-cnn checkpoint and 256 inputs;
/// `medpipe-bench gradcam time DIR REPEATS` prints the median seconds per image of Grad-CAM on them
/// (forward, backward, weighting and bilinear upsampling to 28×28), one thread. Used by tools/bench/gradcam.
enum GradCAMBenchmark {
    static let usage = "gradcam prepare DIR | gradcam time DIR REPEATS"

    /// `arguments`: what follows `gradcam`.
    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 2 else { Benchmarks.fail(usage: usage) }
        let dir = arguments[1]
        BLAS.setThreads(1)
        switch arguments[0] {
        case "prepare":
            let model = Sequential(try BuiltinModel.mnistCNN.specs(), seed: 1)
            try Checkpoint(model: model, classNames: (0..<10).map(String.init), inputShape: [1, 28, 28], modelName: "mnist-cnn")
                .write(to: dir + "/model.safetensors")
            let inputs = (0..<(256 * 784)).map { (i: Int) -> Float in Float((i * 2654435761) % 1000) / 1000 }
            try NPYWriter.write(Tensor(shape: [256, 1, 28, 28], values: inputs), to: dir + "/inputs.npy")
        case "time":
            let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
            let checkpoint = try Checkpoint.read(dir + "/model.safetensors")
            let inputs = try NPYReader().read(dir + "/inputs.npy").tensor.values(as: Float.self)
            var cam = try GradCAM(model: checkpoint.model)
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                for batch in stride(from: 0, to: 256, by: 32) {
                    let x = Activation(shape: [32, 1, 28, 28], data: Array(inputs[(batch * 784)..<((batch + 32) * 784)]))
                    for explanation in try cam.explain(x) {
                        _ = Upsampling.resize(explanation.map, shape: explanation.mapShape, to: [28, 28])
                    }
                }
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / 256)
            }
            print(times.sorted()[times.count / 2])
        default:
            Benchmarks.fail(usage: usage)
        }
    }
}
