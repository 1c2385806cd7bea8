import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

/// Float Pixel Data (7FE0,0008) and Double Float Pixel Data (7FE0,0009), which parametric maps (ADC, perfusion, PET
/// kinetics) carry: read as pydicom's `apply_modality_lut(ds.pixel_array, ds)` gives them, value for value (NaN and
/// infinities in place). They were refused as "not supported".
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data")) struct DICOMFloatPixelDataTests {
    @Test func floatAndDoubleFloatPixelDataReadAsPydicomReadsThem() throws {
        try ReferencePython.require("pydicom", "numpy")
        let folder = temporaryDirectory("float-pixels")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // From an MR slice (256 × 256): its values scaled into floats, with NaN and infinities, as one float32 frame
        // (explicit little endian, and big endian), three float64 frames with a rescale, and two malformed files.
        let make = try ReferencePython.run("""
            import os, sys, numpy as np, pydicom
            from pydicom.dataset import Dataset
            from pydicom.pixels import apply_modality_lut
            from pydicom.filewriter import dcmwrite
            from pydicom.uid import ExplicitVRBigEndian
            source, out = sys.argv[1], sys.argv[2]
            def slice_():
                ds = pydicom.dcmread(source)
                values = ds.pixel_array.astype(np.float64)
                del ds.PixelData
                for keyword in ['RescaleSlope', 'RescaleIntercept', 'PixelRepresentation', 'BitsStored', 'HighBit']:
                    if keyword in ds: delattr(ds, keyword)
                return ds, values
            ds, v = slice_()
            f = (v * 0.37 - 5.5).astype(np.float32)
            f[0, :3] = [np.nan, np.inf, -np.inf]
            ds.BitsAllocated = 32
            ds.FloatPixelData = f.tobytes()
            ds.save_as(os.path.join(out, 'float.dcm'))
            ds.FloatPixelData = f.astype('>f4').tobytes()  # raw bytes are written as they are: big-endian ones here
            ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
            dcmwrite(os.path.join(out, 'float-big.dcm'), ds, implicit_vr=False, little_endian=False, force_encoding=True)
            ds, v = slice_()
            d = np.stack([v / 7, -v * 1e-3, v ** 0.5]).astype(np.float64)
            d[1, 10, 10] = np.nan
            ds.BitsAllocated = 64
            ds.NumberOfFrames = 3
            ds.RescaleSlope, ds.RescaleIntercept = 2.5, -1
            ds.DoubleFloatPixelData = d.tobytes()
            ds.save_as(os.path.join(out, 'double.dcm'))
            ds, v = slice_()
            ds.BitsAllocated = 32
            ds.FloatPixelData = v.astype(np.float32).tobytes()[:-4]
            ds.save_as(os.path.join(out, 'truncated.dcm'))
            ds, v = slice_()
            ds.BitsAllocated = 32
            ds.FloatPixelData = v.astype(np.float32).tobytes()
            item = Dataset(); item.LUTDescriptor = [256, 0, 16]; item.add_new(0x00283006, 'US', list(range(256)))
            item.ModalityLUTType = 'HU'
            ds.ModalityLUTSequence = [item]
            ds.save_as(os.path.join(out, 'lut.dcm'))
            for name in ['float', 'float-big', 'double']:
                read = pydicom.dcmread(os.path.join(out, name + '.dcm'))
                values = apply_modality_lut(read.pixel_array, read)
                np.save(os.path.join(out, name + '.npy'), values.astype(values.dtype.newbyteorder('<')))
            """, [SharedData.path("dicom/mr_series/In/00001.dcm"), folder])
        try #require(make.status == 0, "\(make.output)")
        for (name, dtype, shape) in [("float", DType.float32, [256, 256]), ("float-big", .float32, [256, 256]), ("double", .float64, [3, 256, 256])] {
            let path = folder + "/" + name + ".dcm"
            let got = try DICOMFileReader().read(path).tensor
            let want = try NPYReader().read(folder + "/" + name + ".npy").tensor
            #expect(got.dtype == dtype && want.dtype == dtype && got.shape == shape && want.shape == shape, "\(name): \(got.dtype) \(got.shape)")
            // Bit for bit: NaN and infinities where pydicom has them, every other value equal.
            #expect(got.bytes == want.bytes, "\(name): values differ from pydicom's")
            #expect(got.nonFiniteCount == (name == "double" ? 1 : 3), "\(name)")
        }
        let truncated = try #require(throws: MedPipeError.self) { _ = try DICOMFileReader().read(folder + "/truncated.dcm") }
        #expect(truncated.subject == folder + "/truncated.dcm" && truncated.message.contains("truncated pixel data: expected 262144 bytes"),
                "\(truncated)")
        let lut = try #require(throws: MedPipeError.self) { _ = try DICOMFileReader().read(folder + "/lut.dcm") }
        #expect(lut.subject == folder + "/lut.dcm" && lut.message.contains("Modality LUT Sequence (0028,3000) over Float Pixel Data"), "\(lut)")
    }
}
