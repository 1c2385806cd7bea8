import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import MedPipePipeline
import MedPipeStages
import TestSupport

/// Images that may hold burned-in text (an ultrasound's screen with the patient's name) keep their pixels in the cache,
/// where a model may learn from them, but an export publishes them: it is refused unless allowed, and DICOM files
/// written then say so. `export` had written them in every format, the DICOM files stating Burned In Annotation NO.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data")) struct BurnedInExportTests {
    /// pydicom's ultrasound (no Burned In Annotation) and CT (none either, trusted for CT), through `convert`.
    private func convertUltrasoundAndCT(into cache: String, folder: String) async throws {
        let recipe = folder + "/recipe.yaml"
        try """
        name: burned-in
        sources:
          - path: \(SharedData.path("dicom/pydicom_subset/ExplVR_BigEnd.dcm"))
          - path: \(SharedData.path("dicom/pydicom_subset/CT_small.dcm"))
        split: { by: patient, ratios: { train: 1.0, val: 0.0, test: 0.0 }, seed: 1 }
        """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let loaded = try Recipe.load(recipe, knownStages: StageFactory.names)
        _ = try await Converter(recipe: loaded, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
    }

    @Test func theReadersMarkImagesThatMayHoldBurnedInText() throws {
        let ultrasound = try DICOMFileReader().read(SharedData.path("dicom/pydicom_subset/ExplVR_BigEnd.dcm"))
        #expect(ultrasound.metadata[DICOMBurnedInText.metadataKey] == .string(DICOMBurnedInText.possible))
        let secondaryCapture = try DICOMFileReader().read(SharedData.path("dicom/pydicom_subset/SC_rgb_rle.dcm"))
        #expect(secondaryCapture.metadata[DICOMBurnedInText.metadataKey] != nil)
        let ct = try DICOMFileReader().read(SharedData.path("dicom/pydicom_subset/CT_small.dcm"))
        #expect(ct.metadata[DICOMBurnedInText.metadataKey] == nil)
        let mr = try DICOMSeriesReader().read(SharedData.path("dicom/mr_series/In"))
        #expect(mr.count == 1 && mr[0].metadata[DICOMBurnedInText.metadataKey] == nil)
    }

    @Test func anExportOfThemIsRefusedUnlessAllowed() async throws {
        let folder = temporaryDirectory("burned-in"), cache = folder + "/cache", out = folder + "/out"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await convertUltrasoundAndCT(into: cache, folder: folder)
        let entries = try DatasetCache(directory: cache).entries()
        #expect(entries.filter { $0.metadata[DICOMBurnedInText.metadataKey] != nil }.count == 1, "the ultrasound, not the CT")

        for format in [ExportFormat.dicom, .png, .nifti] {
            #expect {
                try Exporter(cacheDirectory: cache).run(ExportOptions(format: format, output: out, makeUID: testUIDs))
            } throws: { error in
                "\(error)".contains("may hold burned-in text") && "\(error)".contains("--allow-burned-in")
            }
            #expect(!FileManager.default.fileExists(atPath: out), "\(format): nothing written")
        }

        let exported = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .dicom, output: out, allowBurnedIn: true, makeUID: testUIDs))
        let flags = try exported.files.filter { $0.hasSuffix(".dcm") }.map { file in
            let metadata = try DICOMFileReader().read(file).metadata
            return "\(metadata["Modality"]?.description ?? "?") \(metadata["BurnedInAnnotation"]?.description ?? "absent")"
        }
        #expect(Set(flags) == ["CT NO", "US YES"], "the ultrasound is multi-frame: a volume, one file per frame")
    }
}
