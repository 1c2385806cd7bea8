import Foundation
import Testing
import MedPipeCore
@testable import MedPipeFormats
import TestSupport

@Suite("PNG codec")
struct PNGCodecTests {
    @Test("fixtures decode as Pillow gives them", arguments: ImageSetReference.fixtureNames(".png"))
    func fixture(name: String) throws {
        let reference = try #require(ImageSetReference.loaded?.fixtures[name])
        let image = try PNGReader().readImage(SharedData.fixture("images/" + name))
        expectMatches(image.tensor, reference, name)
        #expect(Dictionary(image.text, uniquingKeysWith: { a, _ in a }) == reference.text ?? [:])
    }

    @Test("every colour type and depth has a fixture")
    func coverage() throws {
        let modes = Set(ImageSetReference.fixtureNames(".png").compactMap { ImageSetReference.loaded?.fixtures[$0]?.mode })
        #expect(modes.isSuperset(of: ["L", "I;16", "LA", "RGB", "RGBA", "P", "1"]))
        let palette = try PNGReader().readImage(SharedData.fixture("images/png/palette.png"))
        #expect(palette.colorType == 3)
        #expect(palette.tensor.shape == [6, 5, 3])
    }

    @Test("round trip: 8/16-bit gray, gray+alpha, RGB, RGBA with text chunks", arguments: [
        ([5, 7], DType.uint8), ([5, 7], .uint16), ([4, 3, 2], .uint8), ([3, 6, 3], .uint8), ([3, 6, 3], .uint16),
        ([2, 9, 4], .uint8), ([2, 9, 4], .uint16), ([1, 1], .uint8), ([6, 4, 1], .uint8),
    ])
    func roundTrip(shape: [Int], dtype: DType) throws {
        let count = shape.reduce(1, *)
        let tensor: Tensor = dtype == .uint8
            ? Tensor(shape: shape, values: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            : Tensor(shape: shape, values: (0..<count).map { UInt16(truncatingIfNeeded: $0 &* 4099 &+ 258) })
        let text: [(key: String, value: String)] = [
            ("Software", "medpipe"), ("Source", "model.safetensors sha256:abc"), ("Comment", "Grad-CAM, layer 3"),
            ("Title", "café Ü"), ("Description", "multi-line\nvalue"), ("Author", "Zürich → 東京"),
        ]
        let bytes = try PNGWriter().encode(tensor, text: text)
        let image = try PNGReader().decode(bytes, source: "round-trip.png")
        let expectedShape = shape.count == 3 && shape[2] == 1 ? [shape[0], shape[1]] : shape
        #expect(image.tensor == tensor.reshaped(expectedShape))
        #expect(image.text.map(\.key) == text.map(\.key))
        #expect(image.text.map(\.value) == text.map(\.value))
        #expect(image.text("Author") == "Zürich → 東京")
    }

    @Test("written PNGs read back in Pillow", .enabled(if: Self.hasPillow))
    func pillowReadsOurFiles() throws {
        let folder = temporaryDirectory("png")
        let tensor = Tensor(shape: [3, 4, 3], values: (0..<36).map { UInt16($0 * 1800) })
        try PNGWriter().write(tensor, to: folder + "/rgb16.png", text: [("Source", "medpipe test"), ("Note", "naïve ✓")])
        let script = """
        import sys, numpy as np
        from PIL import Image
        im = Image.open(sys.argv[1]); im.load()
        print(im.size, im.text["Source"], im.text["Note"], sep="|")
        """
        let output = try Self.python(script, folder + "/rgb16.png")
        #expect(output == "(4, 3)|medpipe test|naïve ✓")
    }

    /// Pictures for the row-run encoder: a magnified one (runs along rows, repeated rows); runs whose lengths
    /// need splitting into copies of at most 258 bytes (261, 260 and 259 leave a rest of 3, 2 and 1); rows too long
    /// for a copy from the row above (33,000 bytes); 16-bit samples with repeated rows; noise without runs.
    static let rowRunPictures: [(name: String, tensor: Tensor)] = {
        var random = SystemRandomNumberGenerator()
        let small: [UInt8] = (0..<(28 * 28 * 3)).map { _ in UInt8.random(in: 0...3, using: &random) * 60 }
        var magnified: [UInt8] = []
        for r in 0..<196 {
            for c in 0..<196 {
                let pixel = ((r / 7) * 28 + c / 7) * 3
                magnified += small[pixel..<(pixel + 3)]
            }
        }
        var runs = [UInt8](repeating: 7, count: 262)
        runs += [UInt8](repeating: 9, count: 261) + [8]
        runs += [UInt8](repeating: 200, count: 260) + [1, 2]
        let wideRow: [UInt8] = (0..<11_000).flatMap { (i: Int) -> [UInt8] in [UInt8(i % 7), 9, UInt8(i / 1000)] }
        let rgba16: [UInt16] = (0..<(6 * 5 * 4)).map { (i: Int) -> UInt16 in UInt16((i / 40) * 4099 + (i % 4) * 3) }
        let noise: [UInt8] = (0..<(17 * 23 * 2)).map { _ in UInt8.random(in: 0...255, using: &random) }
        return [
            ("magnified 196 x 196 RGB", Tensor(shape: [196, 196, 3], values: magnified)),
            ("gray runs of 261, 260 and 259", Tensor(shape: [3, 262], values: runs)),
            ("2 x 11,000 RGB, rows equal", Tensor(shape: [2, 11_000, 3], values: wideRow + wideRow)),
            ("16-bit RGBA, rows repeated", Tensor(shape: [6, 5, 4], values: rgba16)),
            ("noise, gray+alpha", Tensor(shape: [17, 23, 2], values: noise)),
            ("1 x 1", Tensor(shape: [1, 1], values: [UInt8(255)])),
        ]
    }()

    @Test("the row-run encoder writes PNGs libpng decodes as the pixels and text written", arguments: rowRunPictures.indices)
    func rowRunsRoundTrip(index: Int) throws {
        let (name, tensor) = Self.rowRunPictures[index]
        let text: [(key: String, value: String)] = [("Software", "medpipe"), ("Title", "café"), ("Author", "Zürich → 東京")]
        let bytes = try PNGWriter(rowRuns: true).encode(tensor, text: text)
        let image = try PNGReader().decode(bytes, source: name)
        #expect(image.tensor == tensor, "\(name)")
        #expect(image.text.map(\.key) == text.map(\.key))
        #expect(image.text.map(\.value) == text.map(\.value))
        #expect(image.warnings.isEmpty)
        if index == 0 {
            // Its runs and repeated rows are copies: a twentieth of the raw size or less (libpng with zlib at
            // level 1 gives about a fiftieth).
            #expect(bytes.count * 20 < tensor.bytes.count, "\(bytes.count) bytes for \(tensor.bytes.count)")
        }
    }

    @Test("row-run PNGs decode in Python's zlib and Pillow as the pixels written", .enabled(if: Self.hasPillow))
    func pythonReadsRowRuns() throws {
        let folder = temporaryDirectory("png-runs")
        for (index, picture) in Self.rowRunPictures.enumerated() {
            try PNGWriter(rowRuns: true).write(picture.tensor, to: "\(folder)/\(index).png", text: [("Source", "medpipe test")])
            try NPYWriter.write(picture.tensor, to: "\(folder)/\(index).npy")
        }
        // The chunks' CRCs and the stream's Adler-32 checked by zlib, the rows unfiltered (all filter type 0)
        // here; Pillow decodes the 8-bit ones too (it reads 16-bit RGBA as 8-bit).
        let script = """
        import struct, sys, zlib, numpy as np
        from PIL import Image
        folder, count = sys.argv[1], int(sys.argv[2])
        for i in range(count):
            expected = np.load(f"{folder}/{i}.npy")
            data = open(f"{folder}/{i}.png", "rb").read()
            assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
            pos, stream, kinds = 8, b"", []
            while pos < len(data):
                n, = struct.unpack(">I", data[pos:pos + 4]); kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
                assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body), (i, kind)
                kinds.append(kind.decode()); stream += body if kind == b"IDAT" else b""; pos += 12 + n
            raw = zlib.decompress(stream)
            rows = expected.shape[0]; width = len(raw) // rows
            lines = [raw[r * width:(r + 1) * width] for r in range(rows)]
            assert len(raw) == rows * width and all(line[0] == 0 for line in lines), i
            samples = np.frombuffer(b"".join(line[1:] for line in lines), expected.dtype.newbyteorder(">"))
            same = bool((samples.reshape(expected.shape) == expected).all())
            if expected.dtype == np.uint8:
                same = same and bool((np.asarray(Image.open(f"{folder}/{i}.png")).reshape(expected.shape) == expected).all())
            print(i, kinds[0], kinds[1], kinds[-1], same)
        """
        let output = try Self.python(script, folder, String(Self.rowRunPictures.count))
        #expect(output.split(separator: "\n").map(String.init) == Self.rowRunPictures.indices.map { "\($0) IHDR tEXt IEND True" })
    }

    @Test("truncated, corrupt and non-PNG bytes are malformed, never a crash")
    func corrupt() throws {
        let bytes = try FileBytes.read(SharedData.fixture("images/png/rgb8.png"))
        for cut in [0, 7, 8, 20, 33, bytes.count / 2, bytes.count - 13] {
            let error = try #require(throws: MedPipeError.self, "cut at \(cut)") { try PNGReader().decode(Array(bytes.prefix(cut)), source: "cut.png") }
            #expect(error.kind == .malformed)
            #expect(error.subject == "cut.png")
        }
        var damaged = bytes
        damaged[40] ^= 0xFF
        #expect(throws: MedPipeError.self) { try PNGReader().decode(damaged, source: "crc.png") }
        // Losing only IEND keeps the pixels, with a warning.
        let noEnd = try PNGReader().decode(Array(bytes.dropLast(12)), source: "noend.png")
        #expect(noEnd.tensor == (try PNGReader().decode(bytes, source: "ok.png")).tensor)
        #expect(noEnd.warnings.count == 1)
    }

    @Test("a declared size beyond the limit is refused before allocating")
    func sizeLimit() throws {
        let bytes = try PNGWriter().encode(Tensor(shape: [64, 64], values: [UInt8](repeating: 9, count: 4096)))
        #expect(throws: MedPipeError.self) { try PNGReader(maximumBytes: 1000).decode(bytes, source: "big.png") }
    }

    @Test("the writer rejects shapes, dtypes and keys a PNG cannot hold")
    func writerRejects() throws {
        #expect(throws: MedPipeError.self) { try PNGWriter().encode(Tensor(shape: [2, 2], values: [Float](repeating: 0, count: 4))) }
        #expect(throws: MedPipeError.self) { try PNGWriter().encode(Tensor(shape: [2, 2, 5], values: [UInt8](repeating: 0, count: 20))) }
        #expect(throws: MedPipeError.self) { try PNGWriter().encode(Tensor(shape: [4], values: [UInt8](repeating: 0, count: 4))) }
        let image = Tensor(shape: [2, 2], values: [UInt8](repeating: 0, count: 4))
        for key in ["", " lead", "a  b", String(repeating: "k", count: 80), "東京"] {
            #expect(throws: MedPipeError.self, "key '\(key)'") { try PNGWriter().encode(image, text: [(key, "v")]) }
        }
    }

    @Test("RecordReading reads a PNG with its text chunks in metadata")
    func recordReading() throws {
        let records = try RecordReading.read(SharedData.fixture("images/png/gray8.png"))
        #expect(records.count == 1)
        #expect(records[0].format == "png")
        #expect(records[0].metadata["text.Source"] == .string("medpipe fixture"))
        #expect(records[0].metadata["bit_depth"] == .int(8))
    }

    static let hasPillow: Bool = (try? python("import PIL")) != nil

    static func python(_ script: String, _ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw MedPipeError.io("python3", "exit \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite("PNG folder reader")
struct PNGFolderReaderTests {
    static let root = SharedData.fixture("images/pngfolder")

    @Test("one record per PNG, label from the folder, deterministic order, non-PNGs skipped with a warning")
    func folder() throws {
        let contents = try PNGFolderReader().load(Self.root)
        #expect(contents.records.map { $0.metadata["file"] } == [
            "benign/img00.png", "benign/img01.png", "benign/img02.png", "benign/img10_16bit.png",
            "malignant/img00.png", "malignant/img01.png",
        ].map { MetadataValue.string($0) })
        #expect(contents.records.map(\.label) == ["benign", "benign", "benign", "benign", "malignant", "malignant"])
        #expect(contents.warnings.count == 1)
        #expect(contents.warnings.first?.contains("notes.txt") == true)
        let reference = try #require(ImageSetReference.loaded)
        for record in contents.records {
            guard case .string(let file)? = record.metadata["file"] else { Issue.record("no file"); continue }
            let expected = try #require(reference.fixtures["pngfolder/" + file])
            expectMatches(record.tensor, expected, file)
            #expect(record.source == Self.root + "/" + file)
        }
    }

    @Test("RecordReading detects the folder and carries the warning")
    func recordReading() throws {
        let records = try RecordReading.read(Self.root)
        #expect(records.count == 6)
        #expect(records.allSatisfy { $0.format == "png-folder" })
        #expect(records[0].warnings.contains { $0.contains("notes.txt") })
    }

    @Test("an unreadable PNG is an error naming the file")
    func unreadable() throws {
        let root = temporaryDirectory("pngfolder")
        try FileManager.default.createDirectory(atPath: root + "/cats", withIntermediateDirectories: true)
        let good = try PNGWriter().encode(Tensor(shape: [2, 2], values: [UInt8](repeating: 7, count: 4)))
        try Data(good).write(to: URL(fileURLWithPath: root + "/cats/a.png"))
        try Data(good.prefix(good.count / 2)).write(to: URL(fileURLWithPath: root + "/cats/b.png"))
        let error = try #require(throws: MedPipeError.self) { try PNGFolderReader().read(root) }
        #expect(error.subject == root + "/cats/b.png")
    }

    /// Class folders holding no PNG (nor a DICOM file) are detected as an image set, which is an error naming the folder
    /// and what was skipped: they were read as an image set of no image, and `inspect` printed nothing and exited 0.
    @Test func classFoldersWithoutAPNGAreAnError() throws {
        let root = temporaryDirectory("pngfolder-empty")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/cats", withIntermediateDirectories: true)
        try "not an image".write(toFile: root + "/cats/notes.txt", atomically: true, encoding: .utf8)
        let error = try #require(throws: MedPipeError.self) { try RecordReading.read(root) }
        #expect(error.subject == root && error.message.hasPrefix("holds no PNG image inside a class folder (skipped cats/notes.txt: not a PNG file)"))
    }

    /// A folder that holds no PNG image in a class folder is an error naming it and what was skipped: `inspect` and
    /// `predict` printed nothing at all for it and exited 0.
    @Test func aFolderOfNoImageIsRefused() throws {
        let root = temporaryDirectory("pngfolder-empty")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/images/cats", withIntermediateDirectories: true)
        try "x".write(toFile: root + "/images/notes.txt", atomically: true, encoding: .utf8)
        #expect(throws: MedPipeError.malformed(root, "holds no PNG image inside a class folder (skipped images/cats: not a PNG file, and 1 more): a PNG image set is a folder of one folder of .png files per class")) {
            _ = try PNGFolderReader().read(root)
        }
    }

    /// A PNG whose name is not UTF-8 (Latin-1 `café.png`) is skipped with a warning naming it, not lost without a
    /// word; a FIFO named like a PNG is skipped as not a PNG file, never opened.
    @Test func undecodableNamesAndFIFOsAreWarnedAbout() throws {
        let root = temporaryDirectory("pngfolder-names")
        try FileManager.default.createDirectory(atPath: root + "/cats", withIntermediateDirectories: true)
        let good = try PNGWriter().encode(Tensor(shape: [2, 2], values: [UInt8](repeating: 7, count: 4)))
        try Data(good).write(to: URL(fileURLWithPath: root + "/cats/a.png"))
        #expect(mkfifo(root + "/cats/pipe.png", 0o600) == 0)
        #expect(createFile(in: root + "/cats", rawName: Array("caf".utf8) + [0xE9] + Array(".png".utf8)))
        let (images, warnings) = try PNGFolderReader().list(root)
        #expect(images.map(\.relativePath) == ["cats/a.png"])
        #expect(warnings.sorted() == ["skipped cats/caf\u{FFFD}.png: " + FolderWalk.undecodableName, "skipped cats/pipe.png: not a PNG file"])
    }
}
