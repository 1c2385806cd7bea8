/// A NIfTI header extension (`esize`/`ecode` block): DICOM headers, JSON sidecars, AFNI XML...
public struct NIfTIExtension: Sendable, Hashable {
    public var code: Int32
    public var data: [UInt8]

    public init(code: Int32, data: [UInt8]) {
        self.code = code
        self.data = data
    }
}

/// The free-text parts of a NIfTI-1/2 header, the only places a NIfTI file can carry identity.
public struct NIfTIHeaderText: Sendable, Hashable {
    /// `descrip` (80 bytes).
    public var descrip: String
    /// `aux_file` (24 bytes).
    public var auxFile: String
    /// `intent_name` (16 bytes).
    public var intentName: String
    /// `db_name` (NIfTI-1 only, 18 bytes; unused by NIfTI-2).
    public var dbName: String
    public var extensions: [NIfTIExtension]

    public init(descrip: String = "", auxFile: String = "", intentName: String = "", dbName: String = "", extensions: [NIfTIExtension] = []) {
        self.descrip = descrip
        self.auxFile = auxFile
        self.intentName = intentName
        self.dbName = dbName
        self.extensions = extensions
    }
}

/// Clears every NIfTI header string and drops every extension: they can carry DICOM headers or
/// JSON with names, dates and IDs, and nothing downstream needs them. Geometry (qform, sform and
/// their codes) is untouched.
public enum NIfTIHeaderScrubber {
    /// The cleaned header text and the fields that changed.
    public static func scrub(_ header: NIfTIHeaderText) -> (header: NIfTIHeaderText, touched: [TouchedAttribute]) {
        var touched: [TouchedAttribute] = []
        for (name, value) in [("descrip", header.descrip), ("aux_file", header.auxFile),
                              ("intent_name", header.intentName), ("db_name", header.dbName)] where !value.isEmpty {
            touched.append(TouchedAttribute(keyword: name, action: "empty"))
        }
        for ext in header.extensions { touched.append(TouchedAttribute(keyword: "extension ecode \(ext.code)", action: "remove")) }
        return (NIfTIHeaderText(), touched)
    }
}
