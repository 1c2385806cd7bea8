import CXGBoost
import MedPipeCore

/// Swift ownership over XGBoost's C handles: every call is checked, and a failure becomes a
/// `MedPipeError` naming `subject` with XGBoost's own message.
enum XGBoost {
    /// The C API, loaded at first use (see `cxgboost.h`).
    static func api(_ subject: String) throws -> cxgb_api {
        var error: UnsafePointer<CChar>?
        guard let api = cxgb_load(&error) else {
            throw MedPipeError.unsupported(subject, error.map { String(cString: $0) } ?? "cannot load XGBoost")
        }
        return api.pointee
    }

    static func check(_ subject: String, _ code: Int32, _ doing: @autoclosure () -> String) throws {
        guard code != 0 else { return }
        let message = (try? api(subject)).map { String(cString: $0.last_error()) } ?? "unknown error"
        // XGBoost's message starts "[hh:mm:ss] file:line: " and may go on with lines of context: one line is told.
        var line = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
        if line.hasPrefix("["), let end = line.range(of: "] ") { line = String(line[end.upperBound...]) }
        throw MedPipeError.malformed(subject, "XGBoost could not \(doing()): \(line)")
    }

    /// A dense float32 matrix of `rows` samples (row-major), with optional labels and per-row weights.
    final class Matrix {
        let handle: cxgb_matrix
        private let api: cxgb_api

        init(values: [Float], rows: Int, columns: Int, labels: [Int]? = nil, weights: [Float]? = nil, subject: String) throws {
            precondition(values.count == rows * columns && rows > 0, "matrix of \(rows) × \(columns) with \(values.count) values")
            api = try XGBoost.api(subject)
            var h: cxgb_matrix?
            try values.withUnsafeBufferPointer { [api] v in
                try check(subject, api.matrix_create_from_mat(v.baseAddress!, cxgb_ulong(rows), cxgb_ulong(columns), .nan, &h), "hold the \(rows) × \(columns) samples")
            }
            guard let h else { throw MedPipeError.malformed(subject, "XGBoost returned no matrix") }
            handle = h
            if let labels { try set("label", labels.map(Float.init), subject: subject) }
            if let weights { try set("weight", weights, subject: subject) }
        }

        private func set(_ field: String, _ values: [Float], subject: String) throws {
            try values.withUnsafeBufferPointer { v in
                try check(subject, api.matrix_set_float_info(handle, field, v.baseAddress!, cxgb_ulong(v.count)), "set the \(field)s")
            }
        }

        deinit { _ = api.matrix_free(handle) }
    }

    /// A booster: trained on a matrix, or loaded from XGBoost's JSON model.
    final class Booster: @unchecked Sendable {
        // Safety: a booster is used by one caller at a time (training, then prediction).
        let handle: cxgb_booster
        let subject: String
        private let api: cxgb_api

        /// A new booster to train on `matrix`.
        init(training matrix: Matrix, subject: String) throws {
            api = try XGBoost.api(subject)
            var h: cxgb_booster?
            let cache: [cxgb_matrix?] = [matrix.handle]
            try check(subject, api.booster_create(cache, 1, &h), "create a booster")
            guard let h else { throw MedPipeError.malformed(subject, "XGBoost returned no booster") }
            handle = h; self.subject = subject
        }

        /// A booster read from the bytes of an XGBoost JSON model.
        init(json: [UInt8], subject: String) throws {
            api = try XGBoost.api(subject)
            var h: cxgb_booster?
            try check(subject, api.booster_create(nil, 0, &h), "create a booster")
            guard let h else { throw MedPipeError.malformed(subject, "XGBoost returned no booster") }
            handle = h; self.subject = subject
            guard !json.isEmpty else { throw MedPipeError.malformed(subject, "empty file") }
            try json.withUnsafeBytes { [api] b in
                try check(subject, api.booster_load_model_from_buffer(h, b.baseAddress!, cxgb_ulong(b.count)), "read the model")
            }
        }

        deinit { _ = api.booster_free(handle) }

        func set(_ name: String, _ value: String) throws {
            try check(subject, api.booster_set_param(handle, name, value), "set \(name) = \(value)")
        }

        /// One boosting round (for a random forest, the one round that grows every parallel tree).
        func update(iteration: Int, on matrix: Matrix) throws {
            try check(subject, api.booster_update_one_iter(handle, Int32(iteration), matrix.handle), "run boosting round \(iteration)")
        }

        /// Class probabilities, `rows × classes` row-major (the `multi:softprob` output).
        func predict(_ matrix: Matrix, rows: Int, classes: Int) throws -> [Float] {
            var length: cxgb_ulong = 0
            var result: UnsafePointer<Float>?
            try check(subject, api.booster_predict(handle, matrix.handle, 0, 0, 0, &length, &result), "predict")
            guard let result, Int(length) == rows * classes else {
                throw MedPipeError.malformed(subject, "XGBoost gave \(length) predictions for \(rows) samples of \(classes) classes")
            }
            return Array(UnsafeBufferPointer(start: result, count: Int(length)))
        }

        func attribute(_ key: String) throws -> String? {
            var out: UnsafePointer<CChar>?
            var found: Int32 = 0
            try check(subject, api.booster_get_attr(handle, key, &out, &found), "read attribute \(key)")
            return found != 0 ? out.map { String(cString: $0) } : nil
        }

        func setAttribute(_ key: String, _ value: String) throws {
            try check(subject, api.booster_set_attr(handle, key, value), "set attribute \(key)")
        }

        /// The model as XGBoost's JSON (attributes included).
        func json() throws -> [UInt8] {
            var length: cxgb_ulong = 0
            var bytes: UnsafePointer<CChar>?
            try check(subject, api.booster_save_model_to_buffer(handle, #"{"format": "json"}"#, &length, &bytes), "write the model")
            guard let bytes else { throw MedPipeError.malformed(subject, "XGBoost wrote no model") }
            return bytes.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { Array(UnsafeBufferPointer(start: $0, count: Int(length))) }
        }

        /// Total gain per feature index (`f0`, `f1`... as XGBoost names unnamed features), largest first.
        func gain() throws -> [(feature: Int, gain: Double)] {
            var count: cxgb_ulong = 0, dims: cxgb_ulong = 0
            var names: UnsafeMutablePointer<UnsafePointer<CChar>?>?
            var shape: UnsafePointer<cxgb_ulong>?
            var scores: UnsafePointer<Float>?
            try check(subject, api.booster_feature_score(handle, #"{"importance_type": "total_gain"}"#, &count, &names, &dims, &shape, &scores),
                      "compute feature importances")
            guard let names, let scores else { return [] }
            return (0..<Int(count)).compactMap { i -> (Int, Double)? in
                guard let name = names[i].map({ String(cString: $0) }), name.hasPrefix("f"), let index = Int(name.dropFirst()) else { return nil }
                return (index, Double(scores[i]))
            }.sorted { $0.1 > $1.1 }
        }
    }
}
