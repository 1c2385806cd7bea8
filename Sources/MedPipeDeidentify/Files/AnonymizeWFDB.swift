import Foundation
import MedPipeCore
import MedPipeFormats

/// Rewrites an MIT-format annotation file (annot(5)) with every aux string that is not a rhythm
/// label (or the `## time resolution` definition) removed; every other word is copied unchanged,
/// so samples, codes, subtypes, channels and numbers stay exactly as they were.
public enum MITAnnotationFilter {
    /// True for an aux string that is a rhythm label (`^\([A-Za-z0-9_]+\)?$`, e.g. `(N`, `(AFIB`, `(SBR)`),
    /// trailing NULs ignored: the only aux text kept.
    public static func isRhythmLabel(_ aux: String) -> Bool {
        var text = Substring(aux)
        while text.last == "\0" { text = text.dropLast() }
        guard text.first == "(" else { return false }
        var body = text.dropFirst()
        if body.last == ")" { body = body.dropLast() }
        return !body.isEmpty && body.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
    }

    /// The filtered bytes and how many aux strings were removed.
    public static func scrubAux(_ bytes: [UInt8], source: String) throws -> (bytes: [UInt8], removed: Int) {
        scrubAux(bytes, tokens: try WFDBAnnotationToken.tokens(bytes, source: source))
    }

    /// The filtered bytes of a file already split into `tokens`, and how many aux strings were removed.
    static func scrubAux(_ bytes: [UInt8], tokens: [WFDBAnnotationToken]) -> (bytes: [UInt8], removed: Int) {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var removed = 0
        for token in tokens {
            if case .aux(let text) = token.kind {
                let string = String(decoding: text, as: UTF8.self)
                guard isRhythmLabel(string) || string.hasPrefix("## time resolution") else {
                    removed += 1
                    continue
                }
            }
            output += bytes[token.range]
        }
        return (output, removed)
    }
}

extension Anonymizer {
    func processWFDB(_ path: String, source: String) throws -> FileOutcome {
        let header = try WFDBHeader.read(path)
        if header.isMultiSegment { throw MedPipeError.unsupported(source, "multi-segment WFDB records are not de-identified yet") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
        let shift = settings.options.contains(.retainLongitudinalModifiedDates) ? pseudonymizer.dateShift(patientID: header.recordName) : nil
        let policy = WFDBScrubPolicy(keepComments: settings.options.contains(.cleanDescriptors),
                                     retainPatientCharacteristics: settings.options.contains(.retainPatientCharacteristics), dateShift: shift)
        let scrubbed = try WFDBHeaderScrubber.scrub(text, pseudonymizer: pseudonymizer, policy: policy, subject: source)
        var touched = scrubbed.touched

        var identifiers = scrubbed.identifiers
        identifiers.addID(header.recordName)
        if let date = header.baseDate {
            let parts = date.split(separator: "/")
            if parts.count == 3 { identifiers.addDate(String(parts[2]) + String(parts[1]) + String(parts[0])) }
        }

        var temporaries: [(temporary: String, final: String)] = []
        var regions: [ScanRegion] = []  // one per temporary: signal samples are not text
        func abandon() { for item in temporaries { try? FileManager.default.removeItem(atPath: item.temporary) } }
        do {
            var signalFiles: Set<String> = []
            for signal in header.signals where !signalFiles.contains(signal.fileName) {
                signalFiles.insert(signal.fileName)
                guard signal.fileName.hasPrefix(header.recordName), !signal.fileName.contains("/") else {
                    throw MedPipeError.unsupported(source, "a signal file is not named after the record; such records are not de-identified yet")
                }
                let name = scrubbed.recordName + signal.fileName.dropFirst(header.recordName.count)
                temporaries.append((try recordFile("signal file", String(signal.fileName.dropFirst(header.recordName.count)), of: path) {
                    try copyTemporary(folder + "/" + signal.fileName, suffix: ".sig")
                }, name))
                regions.append(.samples)
            }
            touched.append(TouchedAttribute(keyword: "signal files (\(signalFiles.count))", action: "copy under the pseudonymous record name"))
            var annotationBytes: [(name: String, bytes: [UInt8])] = []
            var others = 0  // files named after the record that are neither its signal nor its annotation files
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for entry in entries.sorted() where entry.hasPrefix(header.recordName + ".") && !signalFiles.contains(entry)
                && FileBytes.isRegularFile(folder + "/" + entry) {
                let ext = String(entry.dropFirst(header.recordName.count + 1))
                guard ext.lowercased() != "hea" else { continue }
                let name = scrubbed.recordName + "." + ext
                let bytes = try recordFile("file", "." + ext, of: path) { try FileBytes.read(folder + "/" + entry) }
                // Only files that read as annotations and end with the end marker, a zero word (as the WFDB library and
                // wfdb-python write them), are annotation files; the same tokens are filtered. Any bytes read as
                // annotation words: a note 100.txt beside record 100 was copied, patient's name and all.
                guard !ext.contains("."), bytes.count % 2 == 0, bytes.suffix(2) == [0, 0],
                      let tokens = try? WFDBAnnotationToken.tokens(bytes, source: entry),
                      (try? WFDBAnnotationReader().read(tokens: tokens, byteCount: bytes.count, source: entry)) != nil else {
                    others += 1
                    continue
                }
                let filtered = MITAnnotationFilter.scrubAux(bytes, tokens: tokens)
                temporaries.append((try filtered.bytes.withUnsafeBytes { try writeTemporary($0, suffix: ".ann") }, name))
                regions.append(.whole)
                annotationBytes.append((name, filtered.bytes))
                touched.append(TouchedAttribute(keyword: "annotations .\(ext)", action: filtered.removed == 0 ? "copy" : "remove \(filtered.removed) aux string(s)"))
            }
            if others > 0 {
                touched.append(TouchedAttribute(keyword: "other files named after the record (\(others))", action: "not written: neither signal nor annotation files"))
            }
            let headerTemporary = try Array((scrubbed.header + "\n").utf8).withUnsafeBytes { try writeTemporary($0, suffix: ".hea") }
            let headerName = scrubbed.recordName + ".hea"
            temporaries.append((headerTemporary, headerName))
            regions.append(.whole)

            let scanner = ResidualScanner(identifiers: identifiers)
            var scan = try OutputScan.file(headerTemporary, name: headerName, scanner: scanner)
            for annotation in annotationBytes {
                annotation.bytes.withUnsafeBytes { scan.scan(bytes: $0, location: annotation.name, with: scanner) }
            }
            return try keep(temporaries, regions: regions, scan: scan, identifiers: identifiers,
                            report: FileReport(source: source, output: headerName, format: "wfdb", attributes: touched), source: source)
        } catch {
            abandon()
            throw error
        }
    }

    /// Runs `body`, which reads one file of the record at `path` (its `role`, named the record's name and `suffix`); its
    /// error names the file by role and suffix, not by the record's name (which may name the patient) nor by the
    /// pseudonymous name of its copy.
    private func recordFile<T>(_ role: String, _ suffix: String, of path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MedPipeError {
            throw MedPipeError(error.kind, path, "its \(role) (the record's name + \(suffix)): \(error.message)")
        }
    }
}
