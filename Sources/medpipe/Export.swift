import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeDeidentify
import MedPipeExport

extension ExportFormat: ExpressibleByArgument {}

/// `medpipe export`: write a cache's de-identified samples as DICOM, NIfTI, WFDB, PNG, CSV or npz.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a cache's de-identified samples as DICOM, NIfTI, WFDB, PNG, CSV or npz files.",
        discussion: """
        Files are named by split and position (train/train_00001.nii.gz), never by source. \
        Per-sample formats write one folder per split: dicom (Secondary Capture, one file per image, \
        one folder of slice files per volume, new UIDs, Patient Name/ID = the pseudonymous group), \
        nifti (.nii.gz, qform and sform from the affine), wfdb (header + format 16 signal), png \
        (8 or 16 bit, label/split/recipe hash in text chunks). Per-split formats: csv (SPLIT.csv with \
        the feature columns and the label) and npz (SPLIT.npz with x and y, and classes.txt).

        Samples read from DICOM images that may hold burned-in text (Burned In Annotation YES, or absent \
        on ultrasound, secondary capture and similar images, as `anonymize` withholds them) stop the \
        export unless --allow-burned-in is given; DICOM files written with it say Burned In Annotation YES.

        Float values that a format stores as integers (DICOM, WFDB, PNG) are scaled so that they come \
        back within half a step: DICOM through Rescale Slope/Intercept, WFDB through the ADC gain and \
        baseline, PNG through value_slope/value_intercept text chunks.

        Examples:
          medpipe export --cache out/mr-cache --format nifti --out out/mr-nifti
          medpipe export --cache out/mitbih-cache --format wfdb --out out/beats \\
              --split test --limit 50
          medpipe export --cache out/heart-cache --format csv --out out/heart-csv \\
              --fitted
        """
    )

    @Option(help: ArgumentHelp("The dataset cache (written by `medpipe convert`).", valueName: "DIR")) var cache: String
    @Option(help: ArgumentHelp("dicom, nifti, wfdb, png, csv or npz.", valueName: "FORMAT")) var format: ExportFormat
    @Option(help: ArgumentHelp("Output directory (created if needed; files of the same names are replaced, and an export that would leave an earlier one's other files beside its own is refused).", valueName: "DIR"))
    var out: String
    @Option(help: ArgumentHelp("Only this split (train, val, test).", valueName: "NAME")) var split: String?
    @Option(parsing: .unconditional, help: "At most this many samples, the first in cache order.") var limit: Int?
    @Flag(help: "Apply the cache's fitted stages (z-score, standardize...) before writing.") var fitted = false
    @Flag(help: "Write samples read from DICOM images that may hold burned-in text (Burned In Annotation YES, or absent on ultrasound, secondary capture and similar images); without it they stop the export. Check the images first: the text may name the patient.")
    var allowBurnedIn = false
    @Option(help: ArgumentHelp("The project key for new DICOM UIDs (default: $MEDPIPE_KEY or ~/.config/medpipe/project.key).", valueName: "FILE"))
    var key: String?

    func run() throws {
        try OutputPath.refuseOverwriting(out, inputs: [.cache(cache)] + OutputPath.inputs(["--key": key]), isFolder: true)
        let makeUID: @Sendable (String) -> String
        if format == .dicom {
            let pseudonymizer = Pseudonymizer(key: try ProjectKey.loadOrCreate(ProjectKeyLocation.resolve(key)))
            makeUID = { pseudonymizer.uid($0) }
        } else {
            makeUID = { _ in "" }
        }
        let exporter = try Exporter(cacheDirectory: cache, fitted: fitted)
        let options = ExportOptions(format: format, output: out, split: split, limit: limit, fitted: fitted,
                                    allowBurnedIn: allowBurnedIn, makeUID: makeUID)
        let bar = ProgressBar("export")
        let summary = try exporter.run(options) { done, total in
            if total >= 20, done % max(1, total / 200) == 0 || done == total { bar.update(done: done, total: total) }
        }
        bar.finish()
        let total = summary.samples.reduce(0) { $0 + $1.count }
        printLines(["exported \(total) sample\(total == 1 ? "" : "s") as \(format.rawValue) into \(summary.output)"]
                   + summary.samples.map { split, count in "  \(split): \(count)" }
                   + ["  files: \(summary.files.count)" + (summary.files.first.map { ", first \($0)" } ?? "")])
    }
}
