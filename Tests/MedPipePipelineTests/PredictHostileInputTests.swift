import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// `predict --model M INPUT` on raw inputs a model cannot take: each is one `medpipe: error: INPUT: problem` line and
/// exit status 1, nothing printed as a prediction.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct PredictHostileInputTests {
    @Test func inputsTheModelCannotTakeAreOneErrorLineEach() throws {
        let work = temporaryDirectory("predict-hostile")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let model = try DemoModel.train(in: work)
        let image = SharedData.fixture("demo/images/left/000.png")
        let good = try SharedData.runMedpipe(["predict", "--model", model, image])
        #expect(good.status == 0 && good.output.hasPrefix(image + ": "), "\(good.error)")

        // A 28 × 28 image of one NaN pixel (and one of an infinite one): minmax kept it NaN, the network's ReLUs made
        // it 0, and the image was given a class and probabilities like any other (`--npy` refuses such values).
        for (name, value) in [("nan.npy", Float.nan), ("inf.npy", Float.infinity)] {
            var values = [Float](repeating: 0.25, count: 28 * 28)
            values[100] = value
            try NPYWriter.write(Tensor(shape: [28, 28], values: values), to: work + "/" + name)
        }
        var refused = [(work + "/nan.npy", "1 of 1 sample holds NaN or infinite values (the first: sample 1); a model's outputs for them mean nothing: " + NonFiniteSamples.remedy),
                       (work + "/inf.npy", "1 of 1 sample holds NaN or infinite values (the first: sample 1); a model's outputs for them mean nothing: " + NonFiniteSamples.remedy)]
        // Inputs that were already refused in one line: another shape, a PNG cut short, a DICOM file without pixels.
        try CraftedNIfTI.write(to: work + "/volume.nii", dims: [28, 28, 2])
        refused.append((work + "/volume.nii", "prepares to samples of shape [1, 2, 28, 28]; the model takes [1, 28, 28]"))
        try Data(try FileBytes.read(image).prefix(60)).write(to: URL(fileURLWithPath: work + "/cut.png"))
        refused.append((work + "/cut.png", "PNG: truncated PNG"))
        let dicom = try DICOMFile(wholeFileAt: SharedData.path("dicom/pydicom_subset/CT_small.dcm"))
        #expect(try dicom.remove("(7FE0,0010)"))
        _ = try dicom.save(to: work + "/no-pixels.dcm")
        refused.append((work + "/no-pixels.dcm", "no Pixel Data (7FE0,0010): the file is not an image (CTImageStorage)"))
        for (input, problem) in refused {
            let run = try SharedData.runMedpipe(["predict", "--model", model, input])
            #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(input): \(problem)"), "\(input): \(run.error)")
            #expect(run.error.split(separator: "\n").count == 1 && run.output.isEmpty, "\(input): \(run.output)")
        }
    }
}
