import MedPipeCore
@testable import MedPipeStages
import Testing

@Suite("Leads chosen by name")
struct LeadNameTests {
    /// MIT-BIH 114 records V5 then MLII: `names: [MLII]` takes lead 1 and narrows `signalNames`.
    @Test func namesPickTheirLeadWhereverItIs() throws {
        let signal = Sample(tensor: Tensor(shape: [3, 2], values: [Int32(1), 10, 2, 20, 3, 30]), geometry: .temporal(frequency: 360),
                            source: SourceReference(record: "114"), metadata: ["signalNames": .strings(["V5", "MLII"])])
        let out = try #require(try SelectLeads(names: ["MLII"]).apply(signal).first)
        #expect(out.tensor.values(as: Int32.self) == [10, 20, 30] && out.tensor.shape == [3, 1])
        #expect(out.metadata["signalNames"] == .strings(["MLII"]))
        #expect(try SelectLeads(names: ["MLII"]).canonicalDescription == "leads{names=[\"MLII\"]}")
        #expect(throws: MedPipeError.self) { _ = try SelectLeads(names: ["V1"]).apply(signal) }
        #expect(throws: MedPipeError.self) { _ = try SelectLeads(leads: [0], names: ["MLII"]) }
    }
}
