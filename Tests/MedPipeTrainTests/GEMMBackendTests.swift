import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport
@testable import MedPipeTrain

/// The GEMM under every layer: the column split over workers, and the two backends (oneDNN, OpenBLAS) agreeing.
@Suite(.serialized) struct GEMMBackendTests {
    /// Row-major op(A)·op(B) in double precision.
    private func reference(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, a: [Float], b: [Float]) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let x = transA ? a[p * m + i] : a[i * k + p]
                let y = transB ? b[j * k + p] : b[p * n + j]
                s += Double(x) * Double(y)
            }
            c[i * n + j] = s
        }}
        return c
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func splitProductMatchesDoublePrecision(transposes: (Bool, Bool)) {
        let (transA, transB) = transposes
        var rng = SeededGenerator(seed: 3)
        // n = 301 is cut into blocks on multiples of 16, with a ragged last block; beta 0.5 keeps C's old values.
        let m = 37, n = 301, k = 129
        let a = (0..<(m * k)).map { _ in rng.nextUnitFloat() - 0.5 }
        let b = (0..<(k * n)).map { _ in rng.nextUnitFloat() - 0.5 }
        let start = (0..<(m * n)).map { _ in rng.nextUnitFloat() }
        let expected = zip(reference(transA, transB, m: m, n: n, k: k, a: a, b: b), start).map { 2 * $0 + 0.5 * Double($1) }
        for threads in [1, 2, 3] {
            var c = start
            withWorkerThreads(threads) {
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 2, a: a, lda: transA ? m : k,
                           b: b, ldb: transB ? k : n, beta: 0.5, c: &c, ldc: n)
            }
            let worst = zip(c, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-4, "threads \(threads), transA \(transA), transB \(transB): max error \(worst)")
        }
    }

    @Test func oneDNNIsTheDefaultWhereInstalled() throws {
        // tools/setup installs Debian's libdnnl2; without it MedPipe falls back to OpenBLAS. Whether it is
        // installed is asked of dpkg, and which library did the work is read from the process's own mappings,
        // not from the loader's answer.
        let dpkg = Process()
        dpkg.executableURL = URL(fileURLWithPath: "/usr/bin/dpkg-query")
        dpkg.arguments = ["-W", "-f=${Status}", "libdnnl2"]
        let pipe = Pipe()
        dpkg.standardOutput = pipe
        dpkg.standardError = FileHandle.nullDevice
        try dpkg.run()
        let status = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        dpkg.waitUntilExit()
        let installed = status.contains("install ok installed")

        var c: [Float] = [0]
        BLAS.sgemm(transA: false, transB: false, m: 1, n: 1, k: 1, alpha: 1, a: [2], lda: 1, b: [3], ldb: 1, beta: 0, c: &c, ldc: 1)
        #expect(c == [6])
        let mapped = try procFileText("/proc/self/maps")
        #expect(BLAS.backend == (installed ? "onednn" : "openblas"), "dpkg says libdnnl2 is \(installed ? "" : "not ")installed")
        #expect(mapped.contains("libdnnl.so") == installed, "libdnnl mapped: \(mapped.contains("libdnnl.so"))")
    }

    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the medpipe binary (swift build --build-tests)"))
    func bothBackendsGiveTheSameLogitsThroughPredict() throws {
        let dir = temporaryDirectory("gemm")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var model = try BuiltinModel.mnistCNN.make(seed: 5)
        try Checkpoint(model: model, classNames: (0..<10).map(String.init), inputShape: [1, 28, 28]).write(to: dir + "/m.safetensors")
        var rng = SeededGenerator(seed: 9)
        let x = (0..<(8 * 784)).map { _ in rng.nextUnitFloat() }
        try NPYWriter.write(Tensor(shape: [8, 1, 28, 28], values: x), to: dir + "/x.npy")
        let inProcess = withWorkerThreads(1) { model.forward(Activation(shape: [8, 1, 28, 28], data: x), training: false).data }

        for backend in ["onednn", "openblas"] {
            let run = try SharedData.runMedpipe(["predict", "--model", dir + "/m.safetensors", "--npy", dir + "/x.npy",
                                                 "--out", dir + "/\(backend).npy", "--threads", "2"],
                                                environment: ["MEDPIPE_GEMM": backend])
            try #require(run.status == 0, "MEDPIPE_GEMM=\(backend): \(run.error)")
            let logits = try NPYReader().read(dir + "/\(backend).npy").tensor.values(as: Float.self)
            let worst = zip(logits, inProcess).map { abs($0 - $1) }.max()!
            #expect(logits.count == 80 && worst < 1e-4, "MEDPIPE_GEMM=\(backend): max difference \(worst)")
        }

        let bad = try SharedData.runMedpipe(["predict", "--model", dir + "/m.safetensors", "--npy", dir + "/x.npy", "--out", dir + "/y.npy"],
                                            environment: ["MEDPIPE_GEMM": "mkl"])
        #expect(bad.status != 0 && bad.error.contains("MEDPIPE_GEMM must be onednn or openblas"))
    }
}
