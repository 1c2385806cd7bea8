/// The smallest network the commands take: UCI heart disease (`Fixtures/recipes/heart.yaml`) converted, and a
/// `heart-mlp` trained on it for one epoch, for tests of what commands do with a model rather than of the model.
public enum HeartModel {
    /// Converts into `work/heart` and trains `work/NAME` (`model`); returns both paths.
    /// - Throws: ``DemoModel/Failure`` naming the step that failed and its error output.
    public static func train(in work: String, model: String = "heart.safetensors") throws -> (cache: String, model: String) {
        let cache = work + "/heart", path = work + "/" + model
        for arguments in [["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"],
                          ["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", path]] {
            let run = try SharedData.runMedpipe(arguments)
            guard run.status == 0 else { throw DemoModel.Failure(description: "\(arguments[0]): \(run.error)") }
        }
        return (cache, path)
    }
}
