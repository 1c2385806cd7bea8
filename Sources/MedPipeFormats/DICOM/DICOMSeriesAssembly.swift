import Foundation
import MedPipeCore

/// Sorts the slices of one series, checks their spacing and decodes them into one volume.
struct DICOMSeriesAssembly {
    let directory: String
    let slices: [DICOMSlice]

    /// Whether ``records()`` gives one volume: several single-frame slices of one pixel layout.
    var isOneVolume: Bool {
        slices.count > 1 && !hasMultiFrameFiles && Set(slices.map { Self.layoutKey($0.header) }).count == 1
    }

    private var hasMultiFrameFiles: Bool { slices.contains { $0.header.numberOfFrames > 1 } }

    /// The series as one volume (``isOneVolume``) written to the `.npy` file `array` slice by slice as the workers
    /// decode them, so that it is never held whole; its record's tensor holds no values (no slices, the shape of one).
    /// Nil, having written nothing, for a series that is not one volume.
    func streamedVolume(to array: String) throws -> StreamedRecord? {
        guard isOneVolume else { return nil }
        let record = try volume(arrayTo: array)
        return StreamedRecord(record: record, shape: [slices.count] + record.tensor.shape.dropFirst(), dtype: record.tensor.dtype)
    }

    /// One record for the series; a single file or a series of multi-frame files gives one record per file.
    func records() throws -> [Record] {
        let first = slices[0].header
        if slices.count == 1 || hasMultiFrameFiles {
            let warning = slices.count > 1
                ? "series \(first.seriesInstanceUID ?? "?") has multi-frame files: read one record per file, not stacked" : nil
            return try slices.map { slice in
                try DICOMFileReader.record(of: try slice.file(), header: slice.header, warnings: warning.map { [$0] } ?? [])
            }
        }
        // Split by pixel layout: slices of another size or sample type cannot be stacked with the first ones.
        var byLayout: [[Int]: [DICOMSlice]] = [:]
        var layouts: [[Int]] = []
        for slice in slices {
            let layout = Self.layoutKey(slice.header)
            if byLayout[layout] == nil { layouts.append(layout) }
            byLayout[layout, default: []].append(slice)
        }
        if layouts.count > 1 {
            let described = layouts.map { "\($0[0])x\($0[1]) \($0[2])-bit" + ($0[3] == 1 ? " signed" : "") + ($0[4] > 1 ? " colour" : "") }
            return try layouts.flatMap { layout in
                try DICOMSeriesAssembly(directory: directory, slices: byLayout[layout]!).records().map { record in
                    var record = record
                    record.warnings.append("series \(first.seriesInstanceUID ?? "?") mixes pixel layouts (\(described.joined(separator: ", "))): one volume per layout")
                    return record
                }
            }
        }
        return [try volume()]
    }

    /// Rows, columns, BitsAllocated, PixelRepresentation and SamplesPerPixel: what must agree to stack slices.
    private static func layoutKey(_ header: DICOMHeader) -> [Int] {
        func int(_ key: String, _ fallback: Int) -> Int {
            if case .int(let value)? = header.metadata[key] { return value }
            return fallback
        }
        return [header.rows ?? 0, header.columns ?? 0, int("BitsAllocated", 0), int("PixelRepresentation", 0),
                int("SamplesPerPixel", 1)]
    }

    /// The slices stacked in order; with `array`, written there as ``streamedVolume(to:)`` writes them.
    private func volume(arrayTo array: String? = nil) throws -> Record {
        var warnings: [String] = []
        let (ordered, step, spacing) = sortAndMeasure(&warnings)
        let first = ordered[0].header
        let rows = first.rows!, columns = first.columns!
        let anyRescale = ordered.contains { $0.header.rescale != nil }
        // Stored dtype and samples come from the first decoded slice; every slice must agree.
        let probe = try ordered[0].file().withDecodedPixels { layout, _ in DICOMPixelFormat(layout) }
        // The volume is sized from the header and filled from the decoded layout: they must agree.
        guard probe.rows == rows, probe.columns == columns else {
            throw MedPipeError.malformed(ordered[0].path, "Rows/Columns say \(rows) × \(columns), the pixel data decodes to \(probe.rows) × \(probe.columns)")
        }
        for slice in ordered { try slice.header.modality.check(stored: probe.storedDType, frames: 1, path: slice.path) }
        let samples = probe.samplesPerPixel
        let valuesPerSlice = rows * columns * samples
        // The slices' common output type (stored, float64 after a rescale, a LUT's type); float64 when they differ.
        let outputTypes = Set(ordered.map { $0.header.modality.outputDType(stored: probe.storedDType) })
        let outputType = outputTypes.count == 1 ? outputTypes.first! : .float64
        let sliceBytes = valuesPerSlice * outputType.size
        let totalBytes = sliceBytes * ordered.count

        let shape = [ordered.count, rows, columns] + (samples > 1 ? [samples] : [])
        var failures = [MedPipeError?](repeating: nil, count: ordered.count)
        var excess = [DICOMPixelFormat?](repeating: nil, count: ordered.count)
        /// Decodes slice `index` into `destination`, noting its failure or excess bytes; false when it failed.
        func decode(_ index: Int, into destination: UnsafeMutablePointer<UInt8>, _ failed: UnsafeMutablePointer<MedPipeError?>,
                    _ beyond: UnsafeMutablePointer<DICOMPixelFormat?>) -> Bool {
            do {
                let format = try Self.decode(ordered[index], expecting: probe, into: destination, outputType: outputType)
                if format.excessBytes > 0 { beyond[index] = format }
                return true
            } catch let error as MedPipeError {
                failed[index] = error
            } catch {
                failed[index] = .malformed(ordered[index].path, "\(error)")
            }
            return false
        }
        let tensor: Tensor
        if let array {
            // Each worker decodes a contiguous run of slices into a buffer of its own and writes each to its row of the
            // file, stopping at its first failure (the first failing slice is then still the first of all).
            let writer = try NPYRowWriter(path: array, shape: shape, dtype: outputType)
            let workers = min(ProcessInfo.processInfo.activeProcessorCount, ordered.count)
            failures.withUnsafeMutableBufferPointer { failed in
                excess.withUnsafeMutableBufferPointer { beyond in
                    concurrentForEach(workers) { worker in
                        let slice = UnsafeMutableRawPointer.allocate(byteCount: sliceBytes, alignment: 64)
                        defer { slice.deallocate() }
                        for index in Parallel.range(worker, of: workers, covering: ordered.count) {
                            guard decode(index, into: slice.assumingMemoryBound(to: UInt8.self), failed.baseAddress!, beyond.baseAddress!) else { return }
                            do {
                                try writer.write(row: index, bytes: UnsafeRawBufferPointer(start: slice, count: sliceBytes))
                            } catch {
                                failed[index] = error as? MedPipeError ?? .io(array, "\(error)")
                                return
                            }
                        }
                    }
                }
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
            try writer.commit()
            tensor = Tensor(shape: [0] + shape.dropFirst(), dtype: outputType, bytes: [])
        } else {
            let bytes = LargeBuffer.make(count: totalBytes) { base in
                failures.withUnsafeMutableBufferPointer { failed in
                    excess.withUnsafeMutableBufferPointer { beyond in
                        concurrentForEach(ordered.count) { index in
                            _ = decode(index, into: base + index * sliceBytes, failed.baseAddress!, beyond.baseAddress!)
                        }
                    }
                }
                return totalBytes
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
            tensor = Tensor(shape: shape, dtype: outputType, bytes: bytes)
        }
        let beyond = excess.indices.filter { excess[$0] != nil }
        if let index = beyond.first, let warning = excess[index]?.lengthWarning {
            warnings.append("\(beyond.count) of \(ordered.count) slices hold pixel data beyond their layout (the first: \(ordered[index].path): \(warning))")
        }

        var metadata = first.metadata
        for key in ["SOPInstanceUID", "InstanceNumber"] { metadata.removeValue(forKey: key) }
        let rescales = Set(ordered.compactMap { $0.header.rescale.map { "\($0.slope) \($0.intercept)" } })
        if rescales.count > 1 || (anyRescale && ordered.contains { $0.header.rescale == nil }) {
            metadata.removeValue(forKey: "RescaleSlope")
            metadata.removeValue(forKey: "RescaleIntercept")
            warnings.append("rescale slope/intercept differ between slices (\(rescales.count) distinct): applied per slice")
        }
        if outputTypes.count > 1 {
            let types = outputTypes.map(\.rawValue).sorted().joined(separator: ", ")
            warnings.append("slices map to different types (\(types): Modality LUT, rescale or stored values): the volume is float64")
        }
        if let flagged = ordered.first(where: { $0.header.metadata[DICOMBurnedInText.metadataKey] != nil }) {
            metadata[DICOMBurnedInText.metadataKey] = flagged.header.metadata[DICOMBurnedInText.metadataKey]
        }
        metadata["SliceCount"] = .int(ordered.count)
        if let spacing { metadata["SliceSpacing"] = .double(spacing) }

        let pixelSpacing = first.pixelSpacing ?? [1, 1]
        let sliceSpacing = spacing ?? first.sliceThickness ?? 1
        let voxel = [pixelSpacing[1], pixelSpacing[0], sliceSpacing]
        let geometry: Geometry
        if let orientation = first.imageOrientation, let position = first.imagePosition {
            let sliceStep = step ?? DICOMGeometry.normal(orientation).map { $0 * sliceSpacing }
            geometry = .spatial(spacing: voxel, affine: DICOMGeometry.affine(
                orientation: orientation, position: position, pixelSpacing: pixelSpacing, sliceStep: sliceStep))
        } else {
            geometry = .spatial(spacing: voxel, affine: .scaling(voxel))
        }
        return Record(source: directory, format: "dicom-series", tensor: tensor, geometry: geometry, metadata: metadata,
                      patientKey: first.patientID, warnings: first.warnings + warnings)
    }

    /// Orders slices along the normal (or by InstanceNumber without geometry) and measures the spacing:
    /// returns the ordered slices, the step vector between neighbouring slices, and the median spacing.
    private func sortAndMeasure(_ warnings: inout [String]) -> ([DICOMSlice], [Double]?, Double?) {
        guard let orientation = slices[0].header.imageOrientation,
              slices.allSatisfy({ $0.header.imagePosition != nil && $0.header.imageOrientation != nil }) else {
            warnings.append("ImagePositionPatient/ImageOrientationPatient missing: slices sorted by InstanceNumber, spacing from SliceThickness")
            return (slices.sorted { ($0.header.instanceNumber ?? 0, $0.path) < ($1.header.instanceNumber ?? 0, $1.path) }, nil, nil)
        }
        if slices.contains(where: { zip($0.header.imageOrientation!, orientation).contains { abs($0 - $1) > 1e-4 } }) {
            warnings.append("ImageOrientationPatient differs between slices: the first slice's orientation is used")
        }
        let normal = DICOMGeometry.normal(orientation)
        let keyed = slices.map { (slice: $0, distance: DICOMGeometry.dot($0.header.imagePosition!, normal)) }
            .sorted { ($0.distance, $0.slice.header.instanceNumber ?? 0) < ($1.distance, $1.slice.header.instanceNumber ?? 0) }
        let ordered = keyed.map(\.slice)
        guard ordered.count > 1 else { return (ordered, nil, nil) }
        let gaps = zip(keyed.dropFirst(), keyed).map { $0.distance - $1.distance }
        let duplicates = gaps.filter { $0 < 1e-4 }.count
        if duplicates > 0 {
            warnings.append("\(duplicates) duplicate slice position(s) along the normal: the volume has repeated slices")
        }
        let sortedGaps = gaps.sorted()
        let median = sortedGaps.count % 2 == 1 ? sortedGaps[sortedGaps.count / 2]
            : (sortedGaps[sortedGaps.count / 2 - 1] + sortedGaps[sortedGaps.count / 2]) / 2
        if let smallest = sortedGaps.first, let largest = sortedGaps.last, largest - smallest > max(1e-3, 0.01 * median) {
            warnings.append("non-uniform slice spacing: gaps from \(Self.millimetres(smallest)) to \(Self.millimetres(largest)) mm " +
                            "(median \(Self.millimetres(median)) mm, largest deviation \(Self.millimetres(max(largest - median, median - smallest))) mm)")
        }
        // The step runs from the first to the last position (which keeps a gantry tilt) and is scaled so
        // that its component along the normal is the median gap: (last − first) / (n − 1) for a uniform series.
        let firstPosition = ordered.first!.header.imagePosition!, lastPosition = ordered.last!.header.imagePosition!
        let span = (0..<3).map { lastPosition[$0] - firstPosition[$0] }
        let along = DICOMGeometry.dot(span, normal)
        guard along > 1e-6 else { return (ordered, nil, median) }
        return (ordered, span.map { $0 * median / along }, median)
    }

    private static func millimetres(_ value: Double) -> String { String(format: "%.4g", value) }

    /// Decodes one slice into its place in the volume, as stored values or transformed (`outputType`).
    /// Native pixel data is read from the file straight into the volume (or, to be transformed, into
    /// one buffer of stored values); encoded data goes through the decoder. Returns the slice's decoded layout.
    private static func decode(_ slice: DICOMSlice, expecting probe: DICOMPixelFormat,
                               into destination: UnsafeMutablePointer<UInt8>, outputType: DType) throws -> DICOMPixelFormat {
        let count = probe.valuesPerFrame, storedBytes = count * probe.storedDType.size
        let transform = slice.header.modality
        let transformed: Bool
        if case .none = transform { transformed = outputType != probe.storedDType } else { transformed = true }
        let stored = transformed ? UnsafeMutableRawPointer.allocate(byteCount: storedBytes, alignment: 8)
                                 : UnsafeMutableRawPointer(destination)
        defer { if transformed { stored.deallocate() } }
        let file = try slice.file()
        let format: DICOMPixelFormat
        if let layout = try file.readNativePixels(into: stored, byteCount: storedBytes) {
            format = DICOMPixelFormat(layout)
            try check(format, of: slice, against: probe)
            DICOMStoredValues.correct(stored, format: format)
        } else {
            format = try file.withDecodedPixels { layout, bytes in
                let format = DICOMPixelFormat(layout)
                try check(format, of: slice, against: probe)
                DICOMStoredValues.write(bytes, format: format, to: stored)
                return format
            }
        }
        guard transformed else { return format }
        transform.apply(stored, storedType: probe.storedDType, count: count, valuesPerFrame: count, outputType: outputType,
                        to: UnsafeMutableRawPointer(destination))
        return format
    }

    /// Throws unless a slice's pixel layout can be stacked with the series' first slice.
    private static func check(_ format: DICOMPixelFormat, of slice: DICOMSlice, against probe: DICOMPixelFormat) throws {
        if format.excessFrames > 0 {
            throw MedPipeError.malformed(slice.path, "its pixel data holds \(format.frames) whole frames where Number of Frames (0028,0008) says \(format.frames - format.excessFrames): it cannot be stacked as one slice of its series (pydicom reads all \(format.frames) frames)")
        }
        guard format.frames == 1, format.rows == probe.rows, format.columns == probe.columns,
              format.samplesPerPixel == probe.samplesPerPixel, format.storedDType == probe.storedDType else {
            throw MedPipeError.malformed(slice.path, "slice layout \(format.shape) \(format.storedDType) differs from the series' first slice \(probe.shape) \(probe.storedDType)")
        }
    }
}
