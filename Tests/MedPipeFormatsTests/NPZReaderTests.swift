import Foundation
import Testing
import MedPipeCore
@testable import MedPipeFormats
import TestSupport

@Suite("NPZ reader")
struct NPZReaderTests {
    static let breast = "images/medmnist/breastmnist.npz"

    @Test("fixtures: members in order, each equal to numpy.load's array", arguments: ImageSetReference.fixtureNames(".npz"))
    func fixture(name: String) throws {
        let reference = try #require(ImageSetReference.loaded?.fixtures[name]?.members)
        let members = try NPZReader().read(SharedData.fixture("images/" + name))
        #expect(members.map(\.name) == reference.map(\.name))
        for (member, expected) in zip(members, reference) {
            #expect(member.tensor.shape == expected.shape, "\(member.name)")
            #expect(member.tensor.dtype.rawValue == expected.dtype, "\(member.name)")
            #expect(fnv1a64(member.tensor.bytes) == expected.fnv1a64, "\(member.name)")
        }
    }

    @Test("the mixed fixture holds stored and deflated members")
    func mixedMethods() throws {
        let archive = try ZipArchive(try FileBytes.read(SharedData.fixture("images/npz/mixed.npz")), source: "mixed.npz")
        #expect(Set(archive.entries.map(\.method)) == [0, 8])
    }

    @Test("BreastMNIST: per-split shapes, checksums and label counts", .enabled(if: SharedData.isAvailable))
    func breastMNIST() throws {
        let reference = try #require(ImageSetReference.loaded).medmnist
        let members = try NPZReader().read(SharedData.path(Self.breast))
        #expect(members.map(\.name) == reference.members)
        let set = try MedMNISTDataset.load(SharedData.path(Self.breast))
        #expect(set.splits.map(\.name) == ["train", "val", "test"])
        for split in set.splits {
            let expected = try #require(reference.splits[split.name])
            #expect(split.images.shape == expected.images.shape)
            #expect(split.images.dtype == .uint8)
            #expect(fnv1a64(split.images.bytes) == expected.images.fnv1a64)
            let (sum, squares) = sums(split.images)
            #expect(sum == expected.images.sum && squares == expected.images.sum_squares)
            #expect(split.labels.count == expected.labels.shape[0])
            var counts: [String: Int] = [:]
            for label in split.labels { counts[String(label), default: 0] += 1 }
            #expect(counts == expected.label_counts)
        }
        #expect(set.split("train")?.labels.count == 546)
        #expect(set.split("val")?.labels.count == 78)
        #expect(set.split("test")?.labels.count == 156)
    }

    @Test("BreastMNIST records: one per image with label, split and index", .enabled(if: SharedData.isAvailable))
    func breastRecords() throws {
        let reference = try #require(ImageSetReference.loaded).medmnist
        let set = try MedMNISTDataset.load(SharedData.path(Self.breast))
        let records = set.records()
        #expect(records.count == 546 + 78 + 156)
        let firstTest = try #require(records.first { $0.metadata["split"] == .string("test") })
        #expect(firstTest.metadata["index"] == .int(0))
        #expect(firstTest.tensor.shape == [28, 28])
        #expect(fnv1a64(firstTest.tensor.bytes) == reference.splits["test"]?.image_0_fnv1a64)
        #expect(fnv1a64(records[0].tensor.bytes) == reference.splits["train"]?.image_0_fnv1a64)
        #expect(records[0].label == String(set.split("train")!.labels[0]))
        #expect(records.last?.metadata["index"] == .int(155))
    }

    @Test("MedMNIST labels of shape (N, 1) are accepted")
    func columnLabels() throws {
        let set = try MedMNISTDataset.load(SharedData.fixture("images/npz/savez_compressed.npz"))
        #expect(set.splits.map(\.name) == ["train", "test"])
        #expect(set.split("train")?.labels.count == 3)
        #expect(set.records().map(\.label) == ["0", "1", "1", "0"])
    }

    @Test("a member that is not .npy is an error naming it")
    func nonNPYMember() throws {
        let path = SharedData.fixture("images/npz/bad_text_member.npz")
        let error = try #require(throws: MedPipeError.self) { try NPZReader().read(path) }
        #expect(error.subject == path)
        #expect(error.message.contains("README.txt"))
    }

    @Test("truncated and corrupted archives are errors, never a crash")
    func corrupt() throws {
        let bytes = try FileBytes.read(SharedData.fixture("images/npz/mixed.npz"))
        let folder = temporaryDirectory("npz")
        for cut in [0, 10, bytes.count / 2, bytes.count - 30, bytes.count - 1] {
            let path = folder + "/cut\(cut).npz"
            try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: path))
            #expect(throws: MedPipeError.self, "cut at \(cut)") { try NPZReader().read(path) }
        }
        // Flip one byte inside each member's data: deflate or CRC-32 catches it.
        let archive = try ZipArchive(bytes, source: "mixed.npz")
        for entry in archive.entries {
            var damaged = bytes
            let dataStart = entry.localHeaderOffset + 30 + entry.name.utf8.count
            damaged[dataStart + entry.compressedSize / 2] ^= 0x5A
            let path = folder + "/flip-\(entry.name).npz"
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: MedPipeError.self) { try NPZReader().read(path) }
            #expect(error.message.contains(entry.name), "\(error)")
        }
    }

    @Test("RecordReading: one record per member with metadata member")
    func recordReading() throws {
        let records = try RecordReading.read(SharedData.fixture("images/npz/mixed.npz"))
        #expect(records.map { $0.metadata["member"] } == [.string("images"), .string("labels"), .string("weights")])
        #expect(records.allSatisfy { $0.format == "npz" })
    }
}
