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
