import MedPipeCore

/// The attributes of one DICOM file that readers use: identity, geometry, rescale and the metadata kept on the record.
struct DICOMHeader: Sendable {
    var seriesInstanceUID: String?
    var instanceNumber: Int?
    var patientID: String?
    /// Image Position (Patient), LPS mm (3 values), when present and well-formed.
    var imagePosition: [Double]?
    /// Image Orientation (Patient): row then column direction cosines (6 values), when present and well-formed.
    var imageOrientation: [Double]?
    /// Pixel Spacing `[row spacing, column spacing]` in mm.
    var pixelSpacing: [Double]?
    var sliceThickness: Double?
    var spacingBetweenSlices: Double?
    /// The step between the frames of an enhanced multi-frame image, LPS mm, when they form a volume
    /// (``DICOMFunctionalGroups/frameStep(frames:)``).
    var frameStep: [Double]?
    /// Rescale Slope and Intercept: the top level's, only when both are present (pydicom applies them only then); else,
    /// when the top level has no Modality LUT either, an enhanced multi-frame image's Pixel Value Transformation when
    /// all its frames have the same (``DICOMFunctionalGroups``, applied as highdicom applies it).
    var rescale: DICOMRescale?
    /// An enhanced multi-frame image's Pixel Value Transformations, one per frame, when they differ.
    var frameRescales: [DICOMRescale]?
    /// The Modality LUT, when the Modality LUT Sequence has an item (it takes precedence over the rescale).
    var modalityLUT: DICOMModalityLUT?
    var rows: Int?
    var columns: Int?
    var numberOfFrames: Int
    /// Metadata for the record, keyed by DICOM keyword.
    var metadata: [String: MetadataValue]
    var warnings: [String]

    /// What turns stored values into the record's values, as pydicom's `apply_modality_lut` does.
    var modality: DICOMModalityTransform {
        if let modalityLUT { return .lut(modalityLUT) }
        if let rescale { return .rescale(rescale) }
        if let frameRescales { return .frameRescales(frameRescales) }
        return .none
    }

    /// Every attribute the header reads, fetched from the file in one pass.
    static let tags: [DICOMTag] = [
        .transferSyntaxUID, .modality, .sopClassUID, .studyInstanceUID, .seriesInstanceUID, .sopInstanceUID,
        .instanceNumber, .photometricInterpretation, .rows, .columns, .samplesPerPixel, .bitsAllocated, .bitsStored,
        .pixelRepresentation, .numberOfFrames, .burnedInAnnotation, .patientID, .rescaleSlope, .rescaleIntercept,
        .modalityLUTSequence, .windowCenter, .windowWidth, .pixelSpacing, .sliceThickness, .spacingBetweenSlices,
        .imagePositionPatient, .imageOrientationPatient, .sharedFunctionalGroupsSequence, .perFrameFunctionalGroupsSequence,
    ]

    init(_ dicomFile: DICOMFile) throws {
        let file = try dicomFile.values(Self.tags)
        var metadata: [String: MetadataValue] = [:]
        var warnings: [String] = []
        func keep(_ key: String, _ value: String?) { if let value { metadata[key] = .string(value) } }
        func keep(_ key: String, _ value: Int?) { if let value { metadata[key] = .int(value) } }
        func keep(_ key: String, _ values: [Double]?, single: Bool = false) {
            guard let values, !values.isEmpty else { return }
            metadata[key] = single && values.count == 1 ? .double(values[0]) : .doubles(values)
        }

        metadata["TransferSyntaxUID"] = .string(dicomFile.transferSyntaxUID)
        keep("Modality", file.string(.modality))
        keep("SOPClassUID", file.string(.sopClassUID))
        keep("StudyInstanceUID", file.string(.studyInstanceUID))
        seriesInstanceUID = file.string(.seriesInstanceUID)
        keep("SeriesInstanceUID", seriesInstanceUID)
        keep("SOPInstanceUID", file.string(.sopInstanceUID))
        instanceNumber = try? file.int(.instanceNumber)
        keep("InstanceNumber", instanceNumber)
        keep("PhotometricInterpretation", file.string(.photometricInterpretation))
        rows = try file.int(.rows)
        columns = try file.int(.columns)
        keep("Rows", rows)
        keep("Columns", columns)
        keep("SamplesPerPixel", try file.int(.samplesPerPixel))
        keep("BitsAllocated", try file.int(.bitsAllocated))
        keep("BitsStored", try file.int(.bitsStored))
        keep("PixelRepresentation", try file.int(.pixelRepresentation))
        numberOfFrames = max(1, (try? file.int(.numberOfFrames)) ?? 1)
        keep("NumberOfFrames", numberOfFrames)
        keep("BurnedInAnnotation", file.string(.burnedInAnnotation))
        if DICOMBurnedInText.risk(burnedInAnnotation: file.string(.burnedInAnnotation), modality: file.string(.modality),
                                  sopClassUID: file.string(.sopClassUID)) != nil {
            metadata[DICOMBurnedInText.metadataKey] = .string(DICOMBurnedInText.possible)
        }
        patientID = DICOMPatientKey.of(patientID: file.string(.patientID), studyInstanceUID: file.string(.studyInstanceUID))
        if patientID?.hasPrefix(DICOMPatientKey.studyPrefix) == true {
            warnings.append("no Patient ID (0010,0020): its study (Study Instance UID) is taken as its patient, so the same patient's other studies may be placed in another split")
        }

        if let slope = try file.double(.rescaleSlope), let intercept = try file.double(.rescaleIntercept) {
            rescale = DICOMRescale(slope: slope, intercept: intercept)
        }
        if file.has(.modalityLUTSequence) { modalityLUT = try dicomFile.modalityLUT() }
        keep("WindowCenter", try? file.doubles(.windowCenter), single: true)
        keep("WindowWidth", try? file.doubles(.windowWidth), single: true)

        pixelSpacing = try Self.vector(file, .pixelSpacing, "PixelSpacing", count: 2, warnings: &warnings)
        keep("PixelSpacing", pixelSpacing)
        sliceThickness = try? file.double(.sliceThickness)
        keep("SliceThickness", sliceThickness.map { [$0] }, single: true)
        spacingBetweenSlices = try? file.double(.spacingBetweenSlices)
        imagePosition = try Self.vector(file, .imagePositionPatient, "ImagePositionPatient", count: 3, warnings: &warnings)
        keep("ImagePositionPatient", imagePosition)
        imageOrientation = try Self.vector(file, .imageOrientationPatient, "ImageOrientationPatient", count: 6, warnings: &warnings)
        if file.has(.sharedFunctionalGroupsSequence) || file.has(.perFrameFunctionalGroupsSequence) {
            // An enhanced multi-frame image: its geometry is in functional groups, where the top level has none.
            let groups = try DICOMFunctionalGroups(dicomFile)
            pixelSpacing = pixelSpacing ?? groups.pixelSpacing
            keep("PixelSpacing", pixelSpacing)
            sliceThickness = sliceThickness ?? groups.sliceThickness
            keep("SliceThickness", sliceThickness.map { [$0] }, single: true)
            spacingBetweenSlices = spacingBetweenSlices ?? groups.spacingBetweenSlices
            imageOrientation = imageOrientation ?? groups.orientation
            if imagePosition == nil, let first = groups.positions[0] {
                imagePosition = first
                frameStep = groups.frameStep(frames: numberOfFrames)
            }
            keep("ImagePositionPatient", imagePosition)
            if rescale == nil, modalityLUT == nil, let rescales = try groups.rescales(frames: numberOfFrames, path: dicomFile.path) {
                if rescales.count == 1 { rescale = rescales[0] } else { frameRescales = rescales }
            }
        }
        if let orientation = imageOrientation, !Self.spansAPlane(orientation) {
            // All zeros (or one direction twice) made a singular affine, silently: no geometry is better than that.
            warnings.append("ImageOrientationPatient (0020,0037) holds \(orientation), not two independent directions; ignored")
            imageOrientation = nil
        }
        if let rescale {
            metadata["RescaleSlope"] = .double(rescale.slope)
            metadata["RescaleIntercept"] = .double(rescale.intercept)
        }
        keep("ImageOrientationPatient", imageOrientation)
        self.metadata = metadata
        self.warnings = warnings
    }

    /// A numeric multi-value attribute that must hold `count` finite numbers; otherwise nil and a warning.
    /// Whether an orientation's row and column directions (its first and last three values) are both non-zero and not
    /// parallel.
    static func spansAPlane(_ orientation: [Double]) -> Bool {
        let (r, c) = (Array(orientation[0..<3]), Array(orientation[3..<6]))
        let cross = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
        func norm(_ v: [Double]) -> Double { (v.map { $0 * $0 }.reduce(0, +)).squareRoot() }
        return norm(r) > 1e-6 && norm(c) > 1e-6 && norm(cross) > 1e-6 * norm(r) * norm(c)
    }

    private static func vector(_ file: DICOMValues, _ tag: DICOMTag, _ name: String, count: Int,
                               warnings: inout [String]) throws -> [Double]? {
        let values: [Double]?
        do { values = try file.doubles(tag) } catch {
            warnings.append("\(name) \(tag) is not numeric; ignored")
            return nil
        }
        guard let values else { return nil }
        guard values.count == count, values.allSatisfy(\.isFinite) else {
            warnings.append("\(name) \(tag) holds \(values), expected \(count) finite numbers; ignored")
            return nil
        }
        return values
    }
}
