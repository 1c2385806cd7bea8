import Testing
import MedPipeCore
@testable import MedPipePipeline
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

    /// An error that names a file of a relative input's folder (`./1003.dat`, which the WFDB reader names beside
    /// `1003.hea`) stays as it is; it was prefixed with the input as if it named no file (`1003.hea: ./1003.dat: ...`).
    /// A stage's error is still prefixed, though its name would be a file's in the working folder.
    @Test func relativeInputsKeepErrorsThatNameTheirFiles() {
        let missing = MedPipeError.io("./1003.dat", "signal file named by 1003.hea does not exist")
        #expect(Converter.naming("1003.hea", missing) == missing)
        #expect(Converter.naming("records/1003.hea", MedPipeError.io("records/./1003.dat", "x")) == MedPipeError.io("records/./1003.dat", "x"))
        #expect(Converter.naming("1003.hea", MedPipeError.invalidArgument("bandpass", "1003.hea: too slow")) == MedPipeError.invalidArgument("1003.hea", "bandpass: too slow"))
    }
}
