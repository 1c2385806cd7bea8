import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeTrees

/// `medpipe inspect`: how MedPipe reads each input.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the format, shape, dtype, geometry and key metadata of each input.",
        discussion: """
        INPUT may be a NIfTI file (.nii, .nii.gz, .hdr/.img), a DICOM file or a directory of DICOM files \
        (one record per series, read at any depth: an archive's patient/study/series folders), a WFDB record \
        header (.hea), a CSV table, an MNIST idx file, a NumPy .npy/.npz, a PNG, or a directory with one folder \
        of PNG images per class. The format is detected from content. \
        A model written by `medpipe train` (.safetensors) lists its layers by index, as `gradcam --layer` takes them; \
        a tree model (.json) its parameters and the features with the most total gain.

        Examples:
          medpipe inspect brain.nii.gz
          medpipe inspect dicom/mr_series/In --json
          medpipe inspect 100.hea --array signal.npy --physical
          find scans -name '*.nii.gz' | medpipe inspect --inputs-from - --json
        """
    )

    @Argument(help: ArgumentHelp("Files or directories to inspect.", valueName: "INPUT"))
    var inputs: [String] = []

    @OptionGroup var inputList: InputList

    @Flag(help: "Print one JSON object per input instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Write the decoded array of the (single) input as NumPy .npy.", valueName: "OUT.npy"))
    var array: String?

    @Flag(help: "WFDB: physical units (p_signal) instead of digital values (d_signal).")
    var physical = false

    func validate() throws {
        try inputList.requireInputs(inputs)
        if array != nil && (inputs.count != 1 || inputList.inputsFrom != nil) {
            throw ValidationError("--array writes one array: give exactly one INPUT (and no --inputs-from).")
        }
    }

    func run() throws {
        let inputs = try inputList.paths(after: inputs)
        if let array {
            try OutputPath.refuseOverwriting(array, inputs: OutputPath.records(inputs))
            try OutputPath.prepare(array)
        }
        var failed = false
        for input in inputs {
            do {
                if input.hasSuffix(".safetensors") {
                    let summary = try ModelSummary(path: input)
                    if json { printJSON(summary.json()) } else { printLines(summary.lines()) }
                    continue
                }
                if input.hasSuffix(".json"), TreeModel.isTreeModel(input) {
                    if json { printJSON(try TreeModelCommands.summaryJSON(input)) } else { printLines(try TreeModelCommands.summary(input)) }
                    continue
                }
                let show = { (summary: RecordSummary) in
                    if json { printJSON(try summary.json()) } else { printLines(summary.lines()) }
                }
                var first = true
                let options = ReadOptions(physical: physical)
                let each = { (record: Record) in
                    try show(RecordSummary(record))
                    if let array, first { try NPYWriter.write(record.tensor, to: array, fortranOrder: record.format == "nifti") }
                    first = false
                }
                let read = try array.map { try RecordReading.read(input, options: options, arrayTo: $0, otherwise: each) }
                    ?? .records(lateWarnings: try RecordReading.forEachRecord(input, options: options, each))
                switch read {
                case .streamed(let streamed): try show(RecordSummary(streamed))
                case .records(let late): for warning in late { printWarning("\(input): \(warning)") }
                }
            } catch let error as MedPipeError {
                printError(error.description)
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }
}
