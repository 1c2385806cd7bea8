import Testing
import MedPipeCore
import MedPipePipeline
import MedPipeStages
import TestSupport

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct PreprocessingTests {
    /// A stage's error while `predict` prepares a raw input names the input first, as every error does
    /// (`FILE: leads: problem`); it began with the stage's name (`leads: FILE: problem`).
    @Test func aStageErrorNamesTheInputFirst() throws {
        let record = SharedData.path("wfdb/100.hea")
        let preprocessing = Preprocessing(pipeline: StagePipeline([.leads(try SelectLeads(names: ["V1"]))]), fitted: FittedPipeline(entries: []))
        #expect(throws: MedPipeError.invalidArgument(record, "leads: no lead named V1 (the record has MLII, V5)")) {
            _ = try preprocessing.prepare(record)
        }
    }
}
