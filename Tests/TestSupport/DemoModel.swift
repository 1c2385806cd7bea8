/// A model of the bundled demo (`Fixtures/recipes/demo.yaml`: PNG digits, left or right) for the tests of the commands
/// that take one: converted into `work/cache` (key `work/project.key`) and `mnist-cnn` trained one epoch.
public enum DemoModel {
    /// A step of the making that failed: its arguments' first word and its error output.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Converts and trains in `work`; returns the model's path (`work/demo.safetensors`).
    public static func train(in work: String) throws -> String {
        let model = work + "/demo.safetensors"
        for arguments in [["convert", SharedData.fixture("recipes/demo.yaml"), "--cache", work + "/cache", "--key", work + "/project.key"],
                          ["train", "--cache", work + "/cache", "--model", "mnist-cnn", "--epochs", "1", "--out", model]] {
            let run = try SharedData.runMedpipe(arguments)
            guard run.status == 0 else { throw Failure(description: "\(arguments[0]): \(run.error)") }
        }
        return model
    }
}
