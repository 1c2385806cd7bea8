import Foundation
import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeDeidentify

@Suite("Pseudonyms")
struct PseudonymTests {
    struct Reference: Decodable {
        struct TokenCase: Decodable { var value: String; var domain: String; var token: String }
        var key: [UInt8]
        var fingerprint: String
        var uids: [String: String]
        var tokens: [TokenCase]
        var dateShifts: [String: Int]
    }

    static func reference() throws -> Reference {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/pseudonyms.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    @Test func matchesPythonHMACReference() throws {
        let reference = try Self.reference()
        let key = try ProjectKey(bytes: reference.key)
        let pseudonymizer = Pseudonymizer(key: key)
        #expect(key.fingerprint == reference.fingerprint)
        #expect(pseudonymizer.fingerprint == reference.fingerprint)
        for (original, expected) in reference.uids { #expect(pseudonymizer.uid(original) == expected) }
        for item in reference.tokens {
            let domain = try #require(PseudonymDomain(rawValue: item.domain))
            #expect(pseudonymizer.token(item.value, domain: domain) == item.token)
        }
        for (patient, days) in reference.dateShifts { #expect(pseudonymizer.dateShift(patientID: patient) == days) }
    }

    @Test func deterministicAndPaddingInsensitive() {
        let key = ProjectKey.random()
        let a = Pseudonymizer(key: key), b = Pseudonymizer(key: key)
        #expect(a.uid("1.2.3.4") == b.uid("1.2.3.4"))
        #expect(a.uid("1.2.3.4\0") == a.uid("1.2.3.4"))
        #expect(a.token("PAT 7 ", domain: .patient) == b.token("PAT 7", domain: .patient))
        #expect(a.dateShift(patientID: "PAT 7") == b.dateShift(patientID: "PAT 7"))
    }

    @Test func domainsAndKeysSeparate() {
        let a = Pseudonymizer(key: .random()), b = Pseudonymizer(key: .random())
        #expect(a.token("X1", domain: .patient) != a.token("X1", domain: .record))
        #expect(a.token("X1", domain: .group) != a.token("X1", domain: .source))
        #expect(a.uid("1.2.3") != b.uid("1.2.3"))
        #expect(a.token("X1", domain: .patient) != b.token("X1", domain: .patient))
        #expect(a.fingerprint != b.fingerprint)
        // Over many patients, two keys agree on a shift only by chance (1 in 3286 each).
        let agreements = (0..<200).filter { a.dateShift(patientID: "p\($0)") == b.dateShift(patientID: "p\($0)") }.count
        #expect(agreements < 5)
    }

    @Test func uidsAreValid() throws {
        let pseudonymizer = Pseudonymizer(key: .random())
        let pattern = try Regex("^2\\.25\\.(0|[1-9][0-9]*)$")
        var seen = Set<String>()
        for i in 0..<2000 {
            let uid = pseudonymizer.uid("1.2.840.10008.\(i)")
            #expect(uid.count <= 64)
            #expect(uid.wholeMatch(of: pattern) != nil, "\(uid)")
            seen.insert(uid)
        }
        #expect(seen.count == 2000)
    }

    @Test func tokensHaveTheDocumentedShape() throws {
        let pseudonymizer = Pseudonymizer(key: .random())
        let pattern = try Regex("^P-[a-z2-7]{12}$")
        for i in 0..<500 { #expect(pseudonymizer.token("id\(i)", domain: .patient).wholeMatch(of: pattern) != nil) }
    }

    @Test func dateShiftsStayInRangeAndMoveDates() throws {
        let pseudonymizer = Pseudonymizer(key: .random())
        let shifts = (0..<3000).map { pseudonymizer.dateShift(patientID: "patient-\($0)") }
        #expect(shifts.allSatisfy { Pseudonymizer.dateShiftRange.contains($0) })
        #expect(Set(shifts).count > 1500)
        #expect(pseudonymizer.shiftDA("20240301", by: -1) == "20240229")
        #expect(pseudonymizer.shiftDA("20000101\\20001231", by: -366) == "19981231\\19991231")  // 2000 is a leap year
        #expect(pseudonymizer.shiftDA("2024", by: -1) == nil)
        #expect(pseudonymizer.shiftDA("20241301", by: -1) == nil)
        #expect(pseudonymizer.shiftDT("20240101120000.5+0100", by: -1) == "20231231120000.5+0100")
        #expect(pseudonymizer.shiftDT("20240101 ", by: -365) == "20230101")
        #expect(pseudonymizer.shiftDT("202401", by: -1) == nil)
        // The Gregorian arithmetic agrees with Foundation over four centuries.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let start = try #require(CivilDate(year: 1900, month: 1, day: 1))
        for offset in stride(from: 0, to: 146_097, by: 37) {
            let date = try #require(start.shifted(by: offset))
            let expected = calendar.dateComponents([.year, .month, .day],
                from: calendar.date(byAdding: .day, value: offset, to: calendar.date(from: DateComponents(year: 1900, month: 1, day: 1))!)!)
            #expect([date.year, date.month, date.day] == [expected.year, expected.month, expected.day])
        }
    }

    @Test func keyFileIsCreatedOwnerOnlyAndReloaded() throws {
        let directory = temporaryDirectory("deid")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/project.key"
        let created = try ProjectKey.loadOrCreate(path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)
        #expect(try ProjectKey.loadOrCreate(path) == created)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["project.key"])
        #expect("\(created)" == "ProjectKey(fingerprint: \(created.fingerprint))")
        #expect(created.fingerprint.count == 16)
    }

    @Test func refusesAKeyReadableByOthers() throws {
        let directory = temporaryDirectory("deid")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/shared.key"
        _ = try ProjectKey.loadOrCreate(path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let error = try #require(throws: MedPipeError.self) { try ProjectKey.loadOrCreate(path) }
        #expect(error.kind == .invalidArgument)
        #expect(error.message.contains("644"))
        #expect(error.message.contains("chmod 600"))
    }

    @Test func refusesATruncatedKey() throws {
        let directory = temporaryDirectory("deid")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/short.key"
        #expect(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3]), attributes: [.posixPermissions: 0o600]))
        let error = try #require(throws: MedPipeError.self) { try ProjectKey.loadOrCreate(path) }
        #expect(error.kind == .malformed)
    }
}
