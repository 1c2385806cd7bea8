import Foundation
import Testing
import TestSupport

/// Writes two three-slice series of the MR series below `folder`, each with one slice whose pixel data runs past its
/// layout (written by pydicom): `bytes`, 10 bytes beyond its frame, and `frame`, a whole second frame.
func writeSlicesBeyondTheirLayout(in folder: String) throws {
    for extra in ["bytes", "frame"] {
        let directory = folder + "/" + extra
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let done = try ReferencePython.run("""
            import pydicom, shutil, sys
            source, directory, extra = sys.argv[1:]
            for name in ("00040.dcm", "00041.dcm"): shutil.copy(source + name, directory + "/" + name)
            ds = pydicom.dcmread(source + "00042.dcm")
            ds.PixelData += bytes(10) if extra == "bytes" else ds.PixelData
            ds.save_as(directory + "/00042.dcm")
            """, [SharedData.path("dicom/mr_series/In/"), directory, extra])
        try #require(done.status == 0, "\(done.output)")
    }
}
