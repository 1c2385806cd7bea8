import Foundation
import MedPipeFormats
import Testing
import TestSupport

@Suite("WFDB signal units that may leave de-identification")
struct WFDBSignalUnitsTests {
    /// Every signal's units in the shared records (mV, mmHg, NU, Ohm, and none) are plain: none changes.
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func everyRealUnitIsKept() throws {
        let folder = SharedData.path("wfdb")
        let walker = try #require(FileManager.default.enumerator(atPath: folder))
        var units: [String] = []
        while let entry = walker.nextObject() as? String {
            guard entry.hasSuffix(".hea") else { continue }
            units += try WFDBHeader.read(folder + "/" + entry).signals.map(\.units)
        }
        #expect(units.count > 100 && Set(units).isSuperset(of: ["mV", "mmHg", "NU", "Ohm"]), "\(Set(units))")
        for unit in units { #expect(WFDBSignalUnits.safe(unit) == unit, "\(unit)") }
    }

    /// A name, a record number or a date becomes `NU`; units of physiological signals, with SI prefixes, powers and
    /// ratios, stay.
    @Test func anythingButUnitsBecomesNeutral() {
        for hostile in ["Zyxwert", "MRN778899", "12/03/1950", "mV_Zyxwert", "Doe^John", "mVmV", "l/min/kg/s", "mmHg2024",
                        "mV/mV/mV/mV", "%%", "Quimbly", "ü", "mV;rm"] {
            #expect(WFDBSignalUnits.safe(hostile) == "NU", "\(hostile)")
        }
        for plain in ["mV", "uV", "μV", "µV", "mmHg", "cmH2O", "%", "bpm", "NU", "degC", "l/min", "L/min", "mmol/l", "Ohm",
                      "kOhm", "cm2", "m/s2", "ms", "Hz", ""] {
            #expect(WFDBSignalUnits.isPlain(plain), "\(plain)")
        }
    }
}
