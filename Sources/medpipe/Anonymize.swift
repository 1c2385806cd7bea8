import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeDeidentify
import MedPipeFormats

/// `medpipe anonymize`: de-identify DICOM, NIfTI, WFDB and CSV files into their own formats.
struct Anonymize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anonymize",
        abstract: "De-identify DICOM, NIfTI, WFDB and CSV files, with a JSON report and a residual identifier scan.",
        discussion: """
        DICOM: the PS3.15 \(BasicProfileTable.edition) Basic Application Level Confidentiality Profile, applied \
        inside sequences, private attributes removed, UIDs and Patient ID replaced by keyed pseudonyms, the \
        De-identification Method Code Sequence added. Images that may hold burned-in text (Burned In Annotation \
        YES or any value but NO, or absent for US, IVUS, SC, XA, RF, ES, XC, GM, OT, DOC and Secondary Capture) are withheld unless \
        --allow-burned-in, optionally with --blank rectangles.
        NIfTI: descrip, aux_file, intent_name and the fields no reader uses (data_type, db_name, extents, session_error, glmax, glmin; NIfTI-2's unused_str) cleared, extensions and bytes after the voxels dropped. WFDB: record renamed, \
        comments dropped (their age and sex kept under --retain patient-characteristics; their text kept under \
        --retain descriptors, without fields such as name:, ID:, MRN:, DOB:, whose values the scan looks for), base date \
        shifted or removed, annotation aux text other than rhythm labels removed. CSV: only the columns you \
        name are written, with --keep-columns NAME,NAME or --column NAME=POLICY (drop, pseudonymize, \
        shiftDates, generalizeAge, keep); every other column is dropped and named in the report. Dates are \
        shifted by the patient's offset taken from the first dropped or pseudonymized id/patient/mrn column.

        Every output is written under a temporary name, scanned for every identifying value of its input, and \
        only then given its pseudonymous name; a hit withholds it. An input that cannot be read is withheld with \
        the reason and the run goes on (or stops, with --strict); files of other formats are passed over. The \
        summary lists each withheld input by path (past \(SummaryList.shown), the first ones and a count by reason; \
        --list-withheld FILE writes them all), the report by its keyed token (paths can name patients). The \
        run exits non-zero on any hit or error, and when every input was withheld (nothing written).

        Options for --retain: modified-dates, full-dates, patient-characteristics, device-identity, \
        institution-identity, uids, safe-private, descriptors (Clean Descriptors). safe-private keeps no private \
        attribute yet: MedPipe holds no list of private attributes known to be safe (PS3.15 Table E.3.10-1), so \
        every one is removed, as without the option.

        Examples:
          medpipe anonymize scans/ --out anon/ --report anon/report.json \\
              --retain modified-dates
          medpipe anonymize visits.csv --out anon/ --report anon/report.json \\
              --keep-columns sex,chol,diagnosis --column age=generalizeAge \\
              --column visit_date=shiftDates
          find /archive -name '*.dcm' > list.txt
          medpipe anonymize --inputs-from list.txt --out anon/ \\
              --report anon/report.json
        """
    )

    @Argument(help: ArgumentHelp("Files or folders (searched recursively).", valueName: "INPUT")) var inputs: [String] = []
    @OptionGroup var inputList: InputList
    @Option(help: ArgumentHelp("Output folder.", valueName: "DIR")) var out: String
    @Option(help: ArgumentHelp("Where to write the JSON report.", valueName: "REPORT.json")) var report: String
    @Option(help: ArgumentHelp("The project key for pseudonyms (default: $MEDPIPE_KEY or ~/.config/medpipe/project.key).", valueName: "FILE"))
    var key: String?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Profile options to apply.", valueName: "OPTION")) var retain: [String] = []
    @Flag(help: "Write images that may hold burned-in text (after blanking --blank rectangles).") var allowBurnedIn = false
    @Option(help: ArgumentHelp("A rectangle to blank in every frame of every image (repeatable); it must lie inside each image, or that file fails.", valueName: "x,y,w,h"))
    var blank: [String] = []
    @Option(help: ArgumentHelp("A CSV column policy (repeatable).", valueName: "NAME=POLICY")) var column: [String] = []
    @Option(help: ArgumentHelp("CSV columns to keep unchanged, comma-separated (repeatable); unnamed columns are dropped.", valueName: "NAME,..."))
    var keepColumns: [String] = []
    @Option(parsing: .unconditional, help: "Files processed at once.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Stop at the first input that cannot be de-identified instead of withholding it and going on.") var strict = false
    @Option(help: ArgumentHelp("Write every withheld input (path, token, reason), one a line, to this file (the summary shows the first \(SummaryList.shown)).", valueName: "FILE"))
    var listWithheld: String?

    func validate() throws {
        try inputList.requireInputs(inputs)
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let inputs = try inputList.paths(after: inputs)
        try OutputPath.refuseSharing([("--out", out), ("--report", report), ("--list-withheld", listWithheld)])
        for path in [report, listWithheld].compactMap({ $0 }) {
            // In --out, beside the outputs, a report replaces no file of an input folder (the inputs leave --out out).
            let besideOutputs = FileBytes.canonical(FileBytes.canonicalPathOfNew(path), isWithin: FileBytes.canonicalPathOfNew(out))
            let read = besideOutputs ? inputs.filter(FileBytes.isRegularFile) : inputs
            try OutputPath.refuseOverwriting(path, inputs: read.map { OutputPath.Input($0, "the input") } + inputList.listFile + OutputPath.inputs(["--key": key]))
            try OutputPath.prepare(path)
        }
        DICOMFile.loadDictionaryInBackground()  // beside the key and the input listing, not before the first parse
        var options = DeidentificationOptions()
        for name in retain {
            guard let option = DeidentificationOptions.option(named: name) else {
                throw MedPipeError.invalidArgument("--retain", "unknown option '\(name)' (known: \(ProfileOption.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            options.options.insert(option)
        }
        let rectangles = try blank.map { text in
            guard let rectangle = PixelRectangle(text) else { throw MedPipeError.invalidArgument("--blank", "'\(text)' is not x,y,w,h") }
            return rectangle
        }
        var policies: [String: ColumnPolicy] = [:]
        for name in keepColumns.flatMap({ $0.split(separator: ",") }) { policies[name.trimmingCharacters(in: .whitespaces)] = .keep }
        for entry in column {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let names = ColumnPolicy.allCases.map(\.rawValue).joined(separator: ", ")
            guard parts.count == 2, let policy = ColumnPolicy.allCases.first(where: { $0.rawValue.lowercased() == parts[1].lowercased() }) else {
                throw MedPipeError.invalidArgument("--column", "'\(entry)' is not NAME=POLICY with a policy among \(names)")
            }
            policies[parts[0]] = policy
        }
        let pseudonymizer = Pseudonymizer(key: try ProjectKey.loadOrCreate(ProjectKeyLocation.resolve(key)))
        let settings = AnonymizeSettings(output: out, options: options, burnedInText: BurnedInTextPolicy(allow: allowBurnedIn, rectangles: rectangles),
                                         csvPolicies: policies, jobs: jobs, strict: strict)
        let bar = ProgressBar("anonymize")
        let result = try await Anonymizer(settings: settings, pseudonymizer: pseudonymizer).run(inputs) { done, total in
            bar.update(done: done, total: total)
        }
        bar.finish()
        try result.write(to: report)
        if let removed = result.interruptedRunsRemoved {
            printLines(["removed the partial outputs of \(removed) interrupted run(s) from \(out) (files that never passed the residual scan)"])
        }
        printLines(["anonymized \(result.files.count) file(s) into \(out); withheld \(result.withheld.count); residual scan: \(result.residual.hits.count) hit(s) over \(result.residual.scanned) text(s); report \(report)"])
        let withheld = result.withheld.map { "  \($0.failed ? "failed" : "withheld") \($0.path ?? $0.source) (\($0.source)): \($0.reason)" }
        printLines(SummaryList.text(withheld, reasons: result.withheld.map { $0.reason.replacingOccurrences(of: $0.source + ": ", with: "") },
                                    noun: "withheld", option: "--list-withheld FILE"))
        if let listWithheld { try SummaryList.write(withheld.map { String($0.dropFirst(2)) }, to: listWithheld) }
        guard result.passed else {
            let hits = result.residual.hits.isEmpty ? "" : "; \(result.residual.hits.count) residual hit(s)"
            let listed = withheld.count > SummaryList.shown ? "the first \(SummaryList.shown) withheld listed above" : "listed above"
            throw MedPipeError.malformed(report, "\(result.failures) of \(result.files.count + result.withheld.count) input(s) failed\(hits) (\(listed))")
        }
        // A run that wrote nothing did not do what was asked, though no input failed: a script must not take its empty
        // folder for an anonymized one.
        guard !result.files.isEmpty || result.withheld.isEmpty else {
            throw MedPipeError.invalidArgument(report, "no file was written: every one of the \(result.withheld.count) input(s) was withheld (listed above)")
        }
    }
}
