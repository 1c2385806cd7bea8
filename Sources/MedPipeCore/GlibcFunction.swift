#if canImport(Glibc)
import Glibc
#endif

/// glibc functions that the Glibc module does not import (GNU extensions such as `fallocate`, or declared in
/// headers it leaves out, such as `mallopt` of <malloc.h>), looked up in the process's own symbols.
package enum GlibcFunction {
    /// The function named `name` as a C function pointer of `type`, or nil where the C library lacks it.
    package static func named<Function>(_ name: String, as type: Function.Type) -> Function? {
        #if os(Linux)
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: Function.self) }
        #else
        nil
        #endif
    }
}
