import ArgumentParser
@preconcurrency import Glibc
import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeMPI

/// `medpipe`: clinical data to training-ready, de-identified datasets and explainable CNNs.
@main
struct MedPipeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medpipe",
        abstract: "Turn clinical data (NIfTI, DICOM, WFDB, CSV, image sets) into training-ready, de-identified datasets.",
        discussion: """
        Start with `medpipe inspect FILE` to see how MedPipe reads an input.
        Every subcommand has its own --help.
        """,
        version: MedPipeVersion.current,
        subcommands: [Inspect.self, Convert.self, Anonymize.self, CacheCommand.self, Export.self, Train.self, Evaluate.self, Predict.self, GradCAMCommand.self, ReportCommand.self]
    )

    /// Parses the command line and runs the subcommand, as ArgumentParser's own `main` does (parsing
    /// synchronously: no completion here is asynchronous), after tuning the allocator for the commands
    /// its defaults serve badly, while no worker thread, and so no thread heap, exists yet. A `MedPipeError` from any subcommand
    /// ends the run here, as one `medpipe: error:` line and exit status 1. Under MPI (mpirun, srun), an error on
    /// one rank ends every rank of the job (MPI_Abort), and a run that succeeds ends MPI on its rank.
    static func main() async {
        reopenClosedStandardStreams()
        // A write past the file-size limit (`ulimit -f`) then fails with EFBIG, which names the file in one error line;
        // by default SIGXFSZ killed the process in the middle of a write (only when the main thread wrote: worker
        // threads block signals), with no error and the output half-written.
        signal(SIGXFSZ, SIG_IGN)
        OpenFileLimit.raiseToHard()
        Interruption.install()
        do {
            try refuseArgumentsNotInUTF8()
            var command = try parseAsRoot()
            // After the parse, which read the arguments (an environment changed before Swift first reads them can hide
            // them), and before any worker thread starts.
            DICOMFile.claimDictionaryPath()
            if command is Convert || command is Inspect { AllocatorTuning.reserveHeapAhead() }
            if command is Anonymize || command is Train || command is GradCAMCommand { AllocatorTuning.retainFreedMemory() }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            DICOMFile.finishBackgroundLoad()
            try requireStandardOutputWritten()
            ProcessGroup.world?.finalize()
        } catch let error as MedPipeError {
            DICOMFile.finishBackgroundLoad()
            // Bad input ends in one line naming the file and the problem.
            printError(error.description)
            ProcessGroup.world?.abort()
            exit(withError: ExitCode.failure)
        } catch {
            DICOMFile.finishBackgroundLoad()
            if let world = ProcessGroup.world {
                if MedPipeCommand.exitCode(for: error).isSuccess {
                    world.finalize()   // --help, --version: no collective is pending
                    exit(withError: error)
                }
                printError(MedPipeCommand.message(for: error))
                world.abort()
            }
            exit(withError: error)
        }
    }

    /// Opens `/dev/null` in place of standard input, output or error when the command was started with one closed
    /// (`<&-`, a daemon's child): the first file MedPipe opened took its number, so `--inputs-from -` read MedPipe's
    /// own interruption pipe and waited forever, and a file opened in place of standard output would take the
    /// printed lines.
    private static func reopenClosedStandardStreams() {
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            _ = open("/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY)   // the lowest free number: this one
        }
    }

    /// Flushes standard output and fails when any of it could not be written (a full disk, a file past `ulimit -f`):
    /// a command's printed results, `predict`'s line per sample among them, were lost while it exited 0.
    /// - Throws: `.io` naming standard output and, when the last write failed, why.
    private static func requireStandardOutputWritten() throws {
        let failed = fflush(stdout) != 0
        let reason = failed ? ": " + String(cString: strerror(errno)) : ""
        guard failed || ferror(stdout) != 0 else { return }
        throw MedPipeError.io("standard output", "cannot write\(reason); what the command printed is incomplete")
    }

    /// Refuses an argument that is not UTF-8 (a file named in Latin-1, `Müller.dcm`, given by name): Swift reads
    /// arguments as UTF-8, replacing what is not, and the path it then looked for did not exist ("no such file or
    /// directory" for a file that does). Files below a folder given are told of and skipped as ``FolderWalk`` finds them.
    /// - Throws: `.invalidArgument` naming the argument as it reads in UTF-8.
    private static func refuseArgumentsNotInUTF8() throws {
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index], String(validatingCString: argument) == nil else { continue }
            throw MedPipeError.invalidArgument(String(cString: argument), "argument \(index) is not UTF-8: MedPipe reads names as UTF-8 only (rename the file, for example with convmv -f latin1 -t utf8)")
        }
    }
}
