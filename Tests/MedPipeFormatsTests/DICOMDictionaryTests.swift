import Testing
import MedPipeCore
@testable import MedPipeFormats

/// MedPipe reads DCMTK's default data dictionaries itself, in a tenth of the time DCMTK's loader takes, into the
/// global dictionary every parse looks tags up in: it must hold exactly the entries DCMTK's loader makes.
@Suite struct DICOMDictionaryTests {
    @Test func theDictionaryIsTheOneDCMTKsLoaderMakes() throws {
        // Every entry compared with DCMTK's own reading of the same files, fields and order (the order of the
        // repeating-tag entries decides which one a lookup finds).
        let (entries, filesReadHere) = try DICOMFile.checkDictionary()
        #expect(entries > 7_000, "\(entries) entries: the default dictionaries were not read")
        #expect(filesReadHere == 2, "DCMTK's loader read \(2 - filesReadHere) of dicom.dic and private.dic")
    }
}
