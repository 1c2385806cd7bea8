import MedPipeCore

/// A record whose array a reader wrote straight to a file as it decoded it, instead of holding it
/// (``WFDBReader/read(_:arrayTo:)``): its ``Record/tensor`` holds no values (no rows, the shape of one row);
/// `shape` and `dtype` describe the array written.
public struct StreamedRecord: Sendable {
    public var record: Record
    public var shape: [Int]
    public var dtype: DType
}
