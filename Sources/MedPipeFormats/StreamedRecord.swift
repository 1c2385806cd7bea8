import MedPipeCore

/// A record whose array a reader wrote straight to a file as it decoded it, instead of holding it
/// (``WFDBReader/read(_:arrayTo:)``): its ``Record/tensor`` holds no values (no rows, the shape of one row);
/// `shape` and `dtype` describe the array written.
public struct StreamedRecord: Sendable {
    public var record: Record
    public var shape: [Int]
    public var dtype: DType
}

/// How a reader that can write an input's array as it decodes it read one: the array streamed to the file, or
/// the records read as usual (each given to the caller), nothing written.
public enum ArrayRead: Sendable {
    case streamed(StreamedRecord)
    /// The warnings known only once every record was read (``RecordReading/forEachRecord(_:options:_:)``).
    case records(lateWarnings: [String])
}
