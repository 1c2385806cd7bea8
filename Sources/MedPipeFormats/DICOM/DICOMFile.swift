import CDCMTK
import Foundation
import MedPipeCore

/// An open DICOM file, parsed by DCMTK: attribute access, attribute enumeration and decoded pixel data.
///
/// Large values (pixel data, big private blobs) stay on disk until they are asked for. One instance
/// must be used by one thread at a time; different instances may be used concurrently.
public final class DICOMFile: @unchecked Sendable {
    /// The path the file was opened from (used in every error).
    public let path: String
    let handle: OpaquePointer

    /// Opens and parses the file at `path` (with or without preamble and meta header).
    /// - Throws: ``MedPipeError`` `.io` when it cannot be opened, `.malformed` when it is not DICOM or corrupt.
    public convenience init(path: String) throws {
        try self.init(path: path) { cdcmtk_open(path, 0, $0, $1) }
    }

    /// Opens the file at `path` by reading it whole with one read and parsing it in memory: every
    /// value, pixel data included, is loaded at once and the file is not read again. Faster than
    /// `init(path:)` when the whole file will be used (edited and serialized), at the cost of holding
    /// it in memory. Throws as `init(path:)`.
    public convenience init(wholeFileAt path: String) throws {
        try self.init(path: path) { cdcmtk_open_whole(path, $0, $1) }
    }

    private init(path: String, open: (UnsafeMutablePointer<CChar>, Int) -> OpaquePointer?) throws {
        self.path = path
        // DCMTK opens the file with fopen, which waits forever for a writer on a FIFO.
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue, !FileBytes.isRegularFile(path) {
            throw MedPipeError.io(path, "is not a regular file (a FIFO, socket or device)")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = error.withUnsafeMutableBufferPointer({ open($0.baseAddress!, $0.count) }) else {
            let message = errorText(error)
            if message.hasPrefix("cannot open") || message.hasPrefix("cannot read") { throw MedPipeError.io(path, message) }
            throw MedPipeError.malformed(path, message)
        }
        self.handle = handle
    }

    deinit { cdcmtk_close(handle) }

    /// Points DCMTK at the empty dictionary MedPipe's own loader fills (unless `DCMDICTPATH` names others): a program
    /// calls it first thing, while it has one thread, so that the environment never changes while another thread
    /// reads it (the first parse does it otherwise).
    public static func claimDictionaryPath() { _ = cdcmtk_claim_dictionary_path() }

    /// Starts loading DCMTK's data dictionary on a thread of its own and returns at once (only the first
    /// call starts it). The first parse loads it otherwise (about 10 ms, while other parsing threads
    /// wait): a command that will parse many files calls this before its other start-up work.
    public static func loadDictionaryInBackground() { dictionaryLoad.start() }

    /// Returns once a load started by ``loadDictionaryInBackground()`` has finished (at once if none was
    /// started). The process calls it before it exits: exiting runs DCMTK's static destructors, which
    /// must not run while that thread still uses DCMTK (a command that failed on its first input crashed
    /// so, now and then, after printing its error).
    public static func finishBackgroundLoad() { dictionaryLoad.wait() }

    private static let dictionaryLoad = BackgroundLoad { cdcmtk_load_dictionary() }

    /// For the tests: the number of entries of the data dictionary MedPipe loads, after checking them one by one
    /// against those DCMTK's own loader makes of the same files, and how many of those files MedPipe's parser read.
    /// - Throws: ``MedPipeError`` naming the first difference.
    static func checkDictionary() throws -> (entries: Int, filesReadHere: Int) {
        var error = [CChar](repeating: 0, count: 1024)
        var files: Int32 = 0
        let entries = cdcmtk_dictionary_check(&files, &error, error.count)
        guard entries >= 0 else { throw MedPipeError.invalidArgument("DCMTK data dictionary", errorText(error)) }
        return (Int(entries), Int(files))
    }

    /// The transfer syntax UID the dataset was encoded in.
    public var transferSyntaxUID: String { String(cString: cdcmtk_transfer_syntax(handle)) }

    /// Fetches several top-level attributes in one pass over the meta header and dataset.
    public func values(_ tags: [DICOMTag]) throws -> DICOMValues {
        var keys = tags.map { UInt32($0.group) << 16 | UInt32($0.element) }
        var out = [UnsafeMutablePointer<CChar>?](repeating: nil, count: tags.count)
        var error = [CChar](repeating: 0, count: 256)
        guard cdcmtk_get_strings(handle, &keys, keys.count, &out, &error, error.count) == 0 else {
            throw MedPipeError.malformed(path, errorText(error))
        }
        var raw: [DICOMTag: String] = [:]
        for (tag, pointer) in zip(tags, out) {
            guard let pointer else { continue }
            raw[tag] = String(cString: pointer)
            cdcmtk_free(pointer)
        }
        return DICOMValues(path: path, raw: raw)
    }

    /// True when the top-level attribute is present (even with an empty value).
    public func has(_ tag: DICOMTag) throws -> Bool { try values([tag]).has(tag) }

    /// The value of a top-level attribute as text with surrounding spaces and NULs removed
    /// (multiple values joined by `\`), or nil when absent or empty.
    public func string(_ tag: DICOMTag) throws -> String? { try values([tag]).string(tag) }

    /// The numeric values of a DS, IS or binary numeric attribute, parsed as Python parses them.
    public func doubles(_ tag: DICOMTag) throws -> [Double]? { try values([tag]).doubles(tag) }

    /// The first value of an integer attribute (IS, US, SS, ...).
    public func int(_ tag: DICOMTag) throws -> Int? { try values([tag]).int(tag) }

    /// Every attribute of the meta header and the dataset, depth first through sequences.
    /// `textOnly`: values only for character VRs (numbers and bytes come empty, which is faster).
    /// `skipPrivateValues`: private attributes (odd groups) are left out, except sequences, which are
    /// visited with their items.
    public func attributes(textOnly: Bool = false, skipPrivateValues: Bool = false) throws -> [DICOMAttribute] {
        final class Collector { var attributes: [DICOMAttribute] = [] }
        let collector = Collector()
        var error = [CChar](repeating: 0, count: 256)
        let status = withExtendedLifetime(collector) {
            cdcmtk_walk_flags(handle, (textOnly ? CDCMTK_WALK_TEXT_ONLY : 0) | (skipPrivateValues ? CDCMTK_WALK_SKIP_PRIVATE_VALUES : 0), { attribute, context in
                guard let attribute, let context else { return 1 }
                let a = attribute.pointee
                let vr = withUnsafeBytes(of: a.vr) { String(decoding: $0.prefix(2), as: UTF8.self) }
                let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(a.value!).assumingMemoryBound(to: UInt8.self), count: strlen(a.value))
                let value = String(decoding: bytes, as: UTF8.self)
                Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().attributes.append(DICOMAttribute(
                    path: String(cString: a.path), tag: DICOMTag(a.group, a.element), vr: vr, depth: Int(a.depth),
                    isMeta: a.is_meta != 0, length: Int(a.length), value: value,
                    undecodedValue: value.utf8.count == bytes.count && value.utf8.elementsEqual(bytes) ? nil : Array(bytes)))
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque(), &error, error.count)
        }
        if status < 0 { throw MedPipeError.malformed(path, errorText(error)) }
        return collector.attributes
    }

    /// The Modality LUT (first item of the Modality LUT Sequence), or nil when the sequence is absent or empty.
    /// - Throws: `.malformed` when its LUT Descriptor or LUT Data is missing or inconsistent.
    func modalityLUT() throws -> DICOMModalityLUT? {
        var lut = cdcmtk_modality_lut()
        var error = [CChar](repeating: 0, count: 512)
        let status = cdcmtk_read_modality_lut(handle, &lut, &error, error.count)
        defer { cdcmtk_free(lut.data) }
        guard status >= 0 else { throw MedPipeError.malformed(path, errorText(error)) }
        guard status == 1, let data = lut.data else { return nil }
        return try DICOMModalityLUT(firstMapped: Int(lut.first_mapped),
                                    entries: Array(UnsafeBufferPointer(start: data, count: Int(lut.entries))),
                                    bitDepth: Int(lut.bit_depth), path: path)
    }

    /// Decodes the pixel data of every frame and calls `body` with the layout and the native
    /// little-endian bytes, which stay valid only during the call.
    func withDecodedPixels<R>(_ body: (cdcmtk_pixel_layout, UnsafeRawBufferPointer) throws -> R) throws -> R {
        var layout = cdcmtk_pixel_layout()
        var length = 0
        var error = [CChar](repeating: 0, count: 512)
        guard let bytes = cdcmtk_decode_pixels(handle, &layout, &length, &error, error.count) else {
            let message = errorText(error)
            if message.contains("not supported") { throw MedPipeError.unsupported(path, message) }
            throw MedPipeError.malformed(path, message)
        }
        return try body(layout, UnsafeRawBufferPointer(start: bytes, count: length))
    }

    /// Copies native pixel data (uncompressed, little endian, colour-by-pixel) of every frame straight
    /// from the file into `destination`, which holds exactly `byteCount` bytes, without DCMTK holding
    /// a copy. Returns the layout, or nil when the pixel data is encoded or planar, or does not take
    /// `byteCount` bytes: decode it with ``withDecodedPixels(_:)`` then.
    func readNativePixels(into destination: UnsafeMutableRawPointer, byteCount: Int) throws -> cdcmtk_pixel_layout? {
        var layout = cdcmtk_pixel_layout()
        var error = [CChar](repeating: 0, count: 512)
        switch cdcmtk_read_native_pixels(handle, &layout, destination, byteCount, &error, error.count) {
        case 1: return layout
        case 0: return nil
        default:
            let message = errorText(error)
            if message.contains("not supported") { throw MedPipeError.unsupported(path, message) }
            throw MedPipeError.malformed(path, message)
        }
    }
}

/// The NUL-terminated text the shim wrote into an error buffer.
private func errorText(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Work run once on a thread of its own, which others can wait for.
private final class BackgroundLoad: @unchecked Sendable {
    // Safety: `started` and `finished` are read and written with `condition` held.
    private let condition = NSCondition()
    private var started = false, finished = false
    private let work: @Sendable () -> Void

    init(_ work: @escaping @Sendable () -> Void) { self.work = work }

    /// Starts the work on a new thread, the first time only.
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started else { return }
        started = true
        Thread.detachNewThread { [self] in
            work()
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Waits for the work if it was started.
    func wait() {
        condition.lock()
        defer { condition.unlock() }
        while started && !finished { condition.wait() }
    }
}
