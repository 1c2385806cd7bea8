import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import TestSupport

/// The `medpipe` binary's own options, run as a user runs them.
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct CommandLineTests {
    /// A negative number given to a numeric option was read as a missing value ("Missing value for '--epochs
    /// <epochs>'"), and a tree count past XGBoost's 32-bit integers failed inside XGBoost under its own parameter's
    /// name: both now reach the option's own check.
    @Test(arguments: [(["train", "--cache", "c", "--out", "m.safetensors", "--epochs", "-1"], "Error: --epochs must be at least 1, got -1"),
                      (["train", "--cache", "c", "--out", "m.safetensors", "--lr", "-1"], "Error: --lr must be a positive number, got -1.0"),
                      (["train", "--cache", "c", "--out", "m.json", "--model", "random-forest", "--trees", "9223372036854775807"],
                       "Error: --trees must be from 1 to 2147483647, got 9223372036854775807"),
                      (["gradcam", "--model", "m.safetensors", "--cache", "c", "--out", "cam", "--limit", "-3"], "Error: --limit must be at least 1, got -3"),
                      (["train", "--cache", "c", "--out", "m.safetensors", "--ensemble", "0"], "Error: --ensemble must be from 1 to 1024, got 0")])
    func numericOptionsAreCheckedWhateverTheirSign(_ arguments: [String], _ problem: String) throws {
        let run = try SharedData.runMedpipe(arguments)
        #expect(run.status == 64 && run.error.hasPrefix(problem + "\n"), "\(run.error)")
    }

    /// `--version` prints the release, the same as the Python package's, and exits 0.
    @Test func versionMatchesThePythonPackage() throws {
        let run = try SharedData.runMedpipe(["--version"])
        #expect(run.status == 0)
        #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == MedPipeVersion.current)
        let pyproject = try String(contentsOfFile: SharedData.projectRoot + "/python/pyproject.toml", encoding: .utf8)
        let line = pyproject.split(separator: "\n").first { $0.hasPrefix("version = ") }
        #expect(line.map(String.init) == "version = \"\(MedPipeVersion.current)\"")
    }

    /// Training settings that are not numbers a run can use are refused before anything is read (tree options too: an
    /// infinite --lambda trained, then failed to write the model).
    @Test(arguments: [("--lr", "nan"), ("--lr", "inf"), ("--lr", "0"), ("--lr", "1e300"), ("--weight-decay", "-0.5"), ("--weight-decay", "1e39"), ("--class-weight-power", "nan"),
                      ("--class-weight-power", "1e300"), ("--class-weight-power", "4.5"),
                      ("--epochs", "0"), ("--batch", "0"), ("--patience", "0"), ("--threads", "0"),
                      ("--lambda", "inf"), ("--lambda", "nan"), ("--min-child-weight", "inf"), ("--eta", "nan"), ("--subsample", "nan"),
                      ("--colsample-bynode", "inf"), ("--trees", "0"), ("--bins", "1")])
    func unusableTrainingNumbersAreRefused(_ option: String, _ value: String) throws {
        let run = try SharedData.runMedpipe(["train", "--cache", "/nonexistent", "--out", "/nonexistent/m.safetensors", "\(option)=\(value)"])
        #expect(run.status == 64)
        #expect(run.error.hasPrefix("Error: \(option) must be"), "\(run.error)")
    }

    /// A count of workers below 1 is refused by every command that takes one, naming the flag, before anything is
    /// read (`convert --jobs 0` ran with one job, `evaluate`, `predict` and `report` took `--threads 0`).
    @Test(arguments: [["convert", "/nonexistent/r.yaml", "--jobs", "0"], ["anonymize", "/nonexistent", "--out", "/nonexistent/o", "--report", "/nonexistent/r.json", "--jobs", "0"],
                      ["evaluate", "--model", "/nonexistent/m.safetensors", "--cache", "/nonexistent", "--threads", "0"],
                      ["predict", "--model", "/nonexistent/m.safetensors", "--npy", "/nonexistent/x.npy", "--out", "/nonexistent/y.npy", "--threads", "0"],
                      ["report", "--cache", "/nonexistent", "--out", "/nonexistent/r.html", "--threads", "0"],
                      ["gradcam", "--model", "/nonexistent/m.safetensors", "--npy", "/nonexistent/x.npy", "--out", "/nonexistent/cam", "--threads", "0"]])
    func workerCountsBelowOneAreRefused(_ arguments: [String]) throws {
        let run = try SharedData.runMedpipe(arguments)
        #expect(run.status == 64)
        #expect(run.error.hasPrefix("Error: \(arguments[arguments.count - 2]) must be at least 1"), "\(run.error)")
    }

    /// `gradcam` names a split it has no such name for, or a limit of no sample, instead of "no samples to explain".
    @Test(arguments: [(["--limit", "0"], "--limit must be at least 1, got 0"), (["--split", "validation"], "--split must be train, val or test, got 'validation'")])
    func gradcamNamesAnUnusableSplitOrLimit(_ option: [String], _ problem: String) throws {
        let run = try SharedData.runMedpipe(["gradcam", "--model", "/nonexistent/m.safetensors", "--cache", "/nonexistent", "--out", "/nonexistent/cam"] + option)
        #expect(run.status == 64 && run.error.hasPrefix("Error: " + problem), "\(run.error)")
    }

    /// A place where the result cannot be written is refused before the work, not after it (training ran to its end,
    /// then failed to write the model, and the run was lost); a missing folder is created.
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func anUnwritableOutputIsRefusedBeforeTheWork() throws {
        let work = temporaryDirectory("cli-outputs")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = work + "/project.key", cache = work + "/heart"
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", key]).status == 0)
        try "not a folder".write(toFile: work + "/file", atomically: true, encoding: .utf8)
        // The folder that cannot be made is told why (Foundation said "The operation could not be completed").
        for (out, problem) in [(work + "/file/m.safetensors", "cannot create the folder \(work)/file: \(work)/file is a file, not a folder"),
                               (work, "is a folder")] {
            let run = try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", out])
            #expect(run.status == 1 && !run.output.contains("epoch 0"), "\(run.output)")
            #expect(run.error.hasPrefix("medpipe: error: \(out): \(problem)"), "\(run.error)")
            let report = try SharedData.runMedpipe(["report", "--cache", cache, "--out", out])
            #expect(report.status == 1 && report.error.hasPrefix("medpipe: error: \(out): \(problem)"), "\(report.error)")
        }
        let nested = work + "/runs/today/m.safetensors"
        let trained = try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", nested])
        #expect(trained.status == 0 && FileManager.default.fileExists(atPath: nested), "\(trained.error)")
    }

    /// A model is judged only on a cache prepared as its training data was: on one with other stages (no standardize),
    /// `evaluate` and `report` gave scores of inputs unlike any the model was trained on, without a word; `gradcam`
    /// explains only such a cache too. On one whose statistics were fitted on another training split (another split
    /// seed), the model's own statistics prepare the samples: the scores are those of the same recipe converted with
    /// `--fit-from` the model's training cache, and the patients it trained on are counted.
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func aModelIsNotJudgedOnACachePreparedOtherwise() throws {
        let work = temporaryDirectory("cli-prepared")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = work + "/project.key", model = work + "/m.safetensors"
        let heart = try SharedData.fixtureRecipe("heart.yaml")
        let recipes = ["trained": heart, "reseeded": heart.replacingOccurrences(of: "seed: 42", with: "seed: 5"),
                       "raw": heart.replacingOccurrences(of: "stages:\n  - standardize: {}\n", with: "stages: []\n")]
        for (name, text) in recipes {
            try text.write(toFile: work + "/\(name).yaml", atomically: true, encoding: .utf8)
            let run = try SharedData.runMedpipe(["convert", work + "/\(name).yaml", "--cache", work + "/" + name, "--key", key])
            #expect(run.status == 0, "\(run.error)")
        }
        #expect(try SharedData.runMedpipe(["train", "--cache", work + "/trained", "--model", "heart-mlp", "--epochs", "1", "--out", model]).status == 0)
        #expect(try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", work + "/trained"]).status == 0)
        let problem = "was trained on inputs prepared by the stages [standardize]; the cache \(work)/raw was prepared by no stage"
        let evaluated = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", work + "/raw"])
        #expect(evaluated.status == 1 && evaluated.error.hasPrefix("medpipe: error: \(model): \(problem)"), "\(evaluated.error)")
        let report = try SharedData.runMedpipe(["report", "--model", model, "--cache", work + "/raw", "--out", work + "/r.html"])
        #expect(report.status == 1 && report.error.hasPrefix("medpipe: error: \(model): \(problem)"), "\(report.error)")
        let explained = try SharedData.runMedpipe(["gradcam", "--model", model, "--cache", work + "/raw", "--out", work + "/cam"])
        #expect(explained.status == 1 && explained.error.hasPrefix("medpipe: error: \(model): \(problem)"), "\(explained.error)")

        // Statistics fitted on another training split: the model's own, as --fit-from its training cache gives them.
        let note = "medpipe: note: \(model): judged with the statistics fitted on its own training split, which those of \(work)/reseeded differ from"
        let reseeded = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", work + "/reseeded", "--json"])
        #expect(reseeded.status == 0 && reseeded.error.contains(note) && reseeded.error.contains("were in the model's training split"), "\(reseeded.error)")
        let refit = try SharedData.runMedpipe(["convert", work + "/reseeded.yaml", "--cache", work + "/refit", "--fit-from", work + "/trained", "--key", key])
        try #require(refit.status == 0, "\(refit.error)")
        let fitFrom = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", work + "/refit", "--json"])
        #expect(fitFrom.status == 0 && !fitFrom.error.contains("note:") && fitFrom.output == reseeded.output && reseeded.output.contains("\"accuracy\""),
                "\(fitFrom.error)\n\(fitFrom.output)\n\(reseeded.output)")
        let page = try SharedData.runMedpipe(["report", "--model", model, "--cache", work + "/reseeded", "--out", work + "/r.html"])
        #expect(page.status == 0, "\(page.error)")
        #expect(try String(contentsOfFile: work + "/r.html", encoding: .utf8).contains("The model was judged with the statistics fitted on its own training split"))
    }

    /// A network's flags given with a tree model, or tree options with a network, are refused naming the flag, before
    /// training: `--model random-forest --epochs 50` trained the forest and ignored the epochs (and --metrics wrote nothing).
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func flagsTheModelDoesNotTakeAreRefused() throws {
        let work = temporaryDirectory("cli-model-flags")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/heart", out = work + "/m"
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"]).status == 0)
        for (arguments, problem) in [(["--model", "random-forest", "--epochs", "5"], "--epochs: applies to networks; random-forest is a tree model"),
                                     (["--model", "gradient-boosting", "--metrics", work + "/m.jsonl"], "--metrics: applies to networks; gradient-boosting is a tree model"),
                                     (["--model", "heart-mlp", "--trees", "10"], "--trees: applies to the tree models (random-forest, gradient-boosting), not to heart-mlp")] {
            let run = try SharedData.runMedpipe(["train", "--cache", cache, "--out", out] + arguments)
            #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(problem)"), "\(arguments): \(run.error)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// `cache order` of a cache without a training split (new patients, `split: { all: test }`) says so: it printed one
    /// blank line and exited 0, an order of nothing.
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func anEpochOrderWithoutTrainingSamplesIsAnError() throws {
        let work = temporaryDirectory("cli-order")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = work + "/project.key"
        let heart = try SharedData.fixtureRecipe("heart.yaml")
        try heart.replacingOccurrences(of: "split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 42 }", with: "split: { all: test }")
            .write(toFile: work + "/new.yaml", atomically: true, encoding: .utf8)
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", work + "/heart", "--key", key]).status == 0)
        let converted = try SharedData.runMedpipe(["convert", work + "/new.yaml", "--cache", work + "/new", "--key", key, "--fit-from", work + "/heart"])
        #expect(converted.status == 0, "\(converted.error)")
        let run = try SharedData.runMedpipe(["cache", "order", work + "/new"])
        #expect(run.status == 1 && run.output.isEmpty, "\(run.output)")
        #expect(run.error.hasPrefix("medpipe: error: \(work)/new: has no training samples (val 0, test 297)"), "\(run.error)")
    }

    /// A cache whose last convert stored units but did not finish (killed: here a unit added and never split) is
    /// refused by train, export and cache order: they used the earlier run's entries and statistics without a word
    /// (export wrote the new entries as an `unsplit` folder beside them).
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func aCacheWhoseLastConvertDidNotFinishIsRefused() throws {
        let work = temporaryDirectory("cli-unfinished")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/heart"
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"]).status == 0)
        do {
            let writer = try CacheWriter(directory: cache)
            try writer.add(CacheUnit(key: UnitKey.make(sourceHash: ContentHash.of(Array("new source".utf8)), reader: "csv", stages: []), source: "P-new",
                                     items: [CacheItem(tensor: Tensor(shape: [13], values: [Double](repeating: 1, count: 13)), label: "1", group: "P-new")]))
            try writer.flush()
        }
        let problem = "medpipe: error: \(cache): 1 of its 298 entries have no split: its last convert did not finish"
        for arguments in [["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", work + "/m.safetensors"],
                          ["export", "--cache", cache, "--format", "csv", "--out", work + "/csv"], ["cache", "order", cache]] {
            let run = try SharedData.runMedpipe(arguments)
            #expect(run.status == 1 && run.error.hasPrefix(problem), "\(arguments[0]): \(run.error)")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/m.safetensors") && !FileManager.default.fileExists(atPath: work + "/csv"))
    }

    /// A damaged `fit_boundary` in the cache's metadata is an error naming it: it was taken as "every stage runs when
    /// reading", which gave other values without a word (the Python package refused it).
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func aDamagedFitBoundaryIsAnError() throws {
        let work = temporaryDirectory("cli-boundary")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/heart"
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"]).status == 0)
        let reader = try DatasetCache(directory: cache)
        let splits = Dictionary(uniqueKeysWithValues: try reader.entries().map { ($0.id, $0.split!) })
        let plans = Dictionary(uniqueKeysWithValues: try ["train", "val", "test"].map { ($0, try reader.plan(split: $0)) })
        try CacheWriter(directory: cache).finalize(splits: splits, plans: plans, meta: ["fit_boundary": "x"])
        let run = try SharedData.runMedpipe(["export", "--cache", cache, "--format", "csv", "--fitted", "--out", work + "/csv"])
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(cache): meta 'fit_boundary' is not a stage index from 0 to 1: 'x'"), "\(run.error)")
    }

    /// A folder that cannot be created under a file is told as such (convert, export and anonymize here; gradcam
    /// alike; Foundation said "The operation could not be completed. (NSCocoaErrorDomain error 512.)").
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func aFolderUnderAFileIsNamed() throws {
        let work = temporaryDirectory("cli-under-file")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = work + "/file"
        try "not a folder".write(toFile: file, atomically: true, encoding: .utf8)
        let key = work + "/project.key"
        let convert = try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", file + "/cache", "--key", key])
        #expect(convert.error.hasPrefix("medpipe: error: \(file)/cache: cannot create the cache directory: \(file) is a file, not a folder"), "\(convert.error)")
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", work + "/heart", "--key", key]).status == 0)
        let export = try SharedData.runMedpipe(["export", "--cache", work + "/heart", "--format", "csv", "--out", file + "/csv"])
        #expect(export.error.hasPrefix("medpipe: error: \(file)/csv: cannot create the output directory: \(file) is a file, not a folder"), "\(export.error)")
        let anonymize = try SharedData.runMedpipe(["anonymize", SharedData.root + "/tabular/heart.csv", "--out", file + "/anon", "--report", work + "/r.json", "--keep-columns", "age"])
        #expect(anonymize.error.hasPrefix("medpipe: error: \(file)/anon: cannot create the output folder: \(file) is a file, not a folder"), "\(anonymize.error)")
        // A name past the 255 bytes a file name may hold: Foundation said "The file name is invalid".
        let long = work + "/" + String(repeating: "x", count: 300)
        let tooLong = try SharedData.runMedpipe(["export", "--cache", work + "/heart", "--format", "csv", "--out", long])
        #expect(tooLong.error == "medpipe: error: \(long): cannot create the output directory: File name too long: a name holds at most 255 bytes, 'xxxxxxxxxxxxxxxx…' 300\n", "\(tooLong.error)")
    }

    /// A file name holding control characters went into the error line as it was: an escape sequence in it retitled or
    /// rewrote the terminal (ESC ] 2 ; … BEL), a line break split the one error line in two.
    @Test func controlCharactersOfAFileNameAreShownNotSentToTheTerminal() throws {
        let work = temporaryDirectory("cli-control-name")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let name = work + "/scan\u{1B}]2;pwned\u{07}\nsecond.png"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try "not an image".write(toFile: name, atomically: false, encoding: .utf8)
        let run = try SharedData.runMedpipe(["inspect", name])
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(work)/scan\\u{1B}]2;pwned\\u{7}\\u{A}second.png: "), "\(run.error)")
        #expect(run.error.split(separator: "\n").count == 1 && !run.error.contains("\u{1B}"), "\(run.error)")
    }

    /// An unknown `--retain` option is refused with the names it may take.
    @Test func anUnknownRetainOptionListsTheKnownOnes() throws {
        let work = temporaryDirectory("cli-retain")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let run = try SharedData.runMedpipe(["anonymize", work, "--out", work + "/out", "--report", work + "/r.json", "--retain", "uid"])
        #expect(run.status == 1)
        #expect(run.error.hasPrefix("medpipe: error: --retain: unknown option 'uid' (known: retainSafePrivate, retainUIDs,"), "\(run.error)")
    }

    /// An input replaced by a FIFO (`mkfifo`) is refused at once in one line naming it: a DICOM or NIfTI file, an array,
    /// a recipe, a model, a project key and a WFDB signal file each waited for a writer forever.
    @Test func inputsThatAreFIFOsAreRefusedAtOnce() throws {
        let folder = temporaryDirectory("cli-fifos")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "100 1 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n".write(toFile: folder + "/100.hea", atomically: true, encoding: .utf8)
        let key = folder + "/project.key"
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: key))
        #expect(chmod(key, 0o600) == 0)
        let runs: [(fifo: String, arguments: [String])] = [
            ("x.dcm", ["inspect", folder + "/x.dcm"]), ("x.nii", ["inspect", folder + "/x.nii"]), ("x.npy", ["inspect", folder + "/x.npy"]),
            ("100.dat", ["inspect", folder + "/100.hea"]), ("r.yaml", ["convert", folder + "/r.yaml"]),
            ("m.safetensors", ["predict", "--model", folder + "/m.safetensors", "--npy", folder + "/x.npy", "--out", folder + "/y.npy"]),
            ("fifo.key", ["anonymize", folder + "/100.hea", "--out", folder + "/anonymized", "--report", folder + "/report.json", "--key", folder + "/fifo.key"])]
        for (name, arguments) in runs {
            try makeWaitingFIFO(folder + "/" + name)
            let run = try SharedData.runMedpipe(arguments)
            #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(folder)/\(name): ") && run.error.contains("not a regular file"), "\(arguments): \(run.error)")
            try FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    /// A subcommand's `--help` teaches by example: it exits 0 and shows at least one `medpipe` command line,
    /// and each example fits the 80 columns help is wrapped to (a wrapped example would start a line at
    /// column 0: every line of an "Example" block up to the next blank line is indented).
    @Test(arguments: ["inspect", "convert", "anonymize", "cache info", "cache verify", "cache order", "export", "train",
                      "evaluate", "predict", "gradcam", "report"])
    func helpShowsExamples(_ subcommand: String) throws {
        let run = try SharedData.runMedpipe(subcommand.split(separator: " ").map(String.init) + ["--help"])
        #expect(run.status == 0)
        #expect(run.output.contains("medpipe \(subcommand) "), "\(subcommand) --help shows no example command line")
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false)
        for start in lines.indices where lines[start].hasPrefix("Example") {
            for line in lines[(start + 1)...].prefix(while: { !$0.isEmpty }) {
                #expect(line.hasPrefix("  "), "\(subcommand) --help: an example is wrapped: '\(line)'")
            }
        }
    }
}
