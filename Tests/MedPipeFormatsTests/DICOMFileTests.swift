import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

@Suite(.enabled(if: SharedData.isAvailable)) struct DICOMFileTests {
    /// The attribute walk sees what pydicom's `file_meta.iterall()` + `iterall()` see.
    @Test(arguments: DICOMReference.shared.walk.map(\.file))
    func walkCountsMatchPydicom(_ name: String) throws {
        let expected = try #require(DICOMReference.shared.walk.first { $0.file == name })
        let attributes = try DICOMFile(path: SharedData.path(name)).attributes()
        #expect(attributes.count == expected.attributes)
        #expect(attributes.filter(\.isPrivate).count == expected.private)
        #expect(attributes.filter { $0.vr == "SQ" }.count == expected.sequences)
        #expect(attributes.filter(\.isMeta).count == expected.meta)
    }

    @Test func walkGivesPathsValuesAndNesting() throws {
        let attributes = try DICOMFile(path: SharedData.path("dicom/deid_data/humans/ctbrain1.dcm")).attributes()
        let name = try #require(attributes.first { $0.tag == DICOMTag(0x0010, 0x0010) })
        #expect(name.vr == "PN" && name.depth == 0 && name.path == "(0010,0010)" && !name.value.isEmpty)
        let nested = try #require(attributes.first { $0.depth > 0 })
        #expect(nested.path.contains("]."))
        let pixels = try #require(attributes.first { $0.tag == DICOMTag(0x7FE0, 0x0010) && $0.depth == 0 })
        #expect(pixels.value.isEmpty && pixels.length > 1024)
        #expect(attributes.first { $0.isMeta }?.tag.group == 0x0002)
    }

    @Test func attributeAccessors() throws {
        let file = try DICOMFile(path: SharedData.path("dicom/pydicom_subset/CT_small.dcm"))
        #expect(try file.string(.modality) == "CT")
        #expect(try file.int(.rows) == 128)
        #expect(try file.doubles(.pixelSpacing)?.count == 2)
        #expect(try file.string(DICOMTag(0x0009, 0x9999)) == nil)
        #expect(try file.has(.rescaleSlope))
        let values = try file.values([.rows, .columns, .modality, DICOMTag(0x0009, 0x9999)])
        #expect(try values.int(.columns) == 128 && values.string(.modality) == "CT" && !values.has(DICOMTag(0x0009, 0x9999)))
        #expect(file.transferSyntaxUID == "1.2.840.10008.1.2.1")
    }
}
