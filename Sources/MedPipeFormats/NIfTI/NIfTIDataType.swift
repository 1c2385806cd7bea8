import MedPipeCore

/// A NIfTI `datatype` code and what MedPipe makes of it.
public struct NIfTIDataType: Sendable, Equatable {
    /// The header's `datatype` field (`DT_*` in nifti1.h).
    public var code: Int

    public init(code: Int) { self.code = code }

    /// nibabel's name for the type, e.g. `int16`, `rgb24`, `complex64`; `unknown(N)` otherwise.
    public var name: String {
        switch code {
        case 1: "binary"
        case 2: "uint8"
        case 4: "int16"
        case 8: "int32"
        case 16: "float32"
        case 32: "complex64"
        case 64: "float64"
        case 128: "rgb24"
        case 256: "int8"
        case 512: "uint16"
        case 768: "uint32"
        case 1024: "int64"
        case 1280: "uint64"
        case 1536: "float128"
        case 1792: "complex128"
        case 2048: "complex256"
        case 2304: "rgba32"
        default: "unknown(\(code))"
        }
    }

    /// The element type of each stored component, or nil when MedPipe does not read the type.
    public var storedDType: DType? {
        switch code {
        case 2, 128, 2304: .uint8
        case 4: .int16
        case 8: .int32
        case 16: .float32
        case 64: .float64
        case 256: .int8
        case 512: .uint16
        case 768: .uint32
        case 1024: .int64
        case 1280: .uint64
        default: nil
        }
    }

    /// Components per voxel: 3 for RGB24, 4 for RGBA32, 1 otherwise.
    public var components: Int {
        switch code {
        case 128: 3
        case 2304: 4
        default: 1
        }
    }

    /// True for the colour types, which are never scaled and gain a trailing channel axis.
    public var isColour: Bool { components > 1 }
}
