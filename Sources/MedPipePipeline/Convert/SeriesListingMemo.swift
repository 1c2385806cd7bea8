import MedPipeCache
import MedPipeFormats

/// What a DICOM folder's listing found in each file, kept among the cache's ``SourceFileStates``: a file unchanged
/// since an earlier run is not parsed again to find its series. Series UIDs are kept as keyed pseudonyms.
struct SeriesListingMemo: DICOMListingMemo {
    let states: SourceFileStates
    let pseudonyms: Pseudonyms

    func listing(of path: String, current: (String) -> Bool, parse: () throws -> String) throws -> String {
        try states.listing(of: path, current: current, parse: parse)
    }

    func name(ofSeries uid: String) -> String { pseudonyms.make("series:" + uid) }
}
