import MedPipeCore

extension StagePipeline {
    /// Whether the stages from `start` on fill every NaN or infinite value of `sample` (a table row's NaN in the
    /// columns of an `impute`, anything after a `replace-nonfinite`), looking at the `impute` and `replace-nonfinite`
    /// stages that open that part of the pipeline: a stage of another kind may move the columns, and ends the look.
    /// Samples stored with such values are then read without them, and no one is to be warned.
    public func fillsNonFinite(in sample: Sample, from start: Int) -> Bool {
        let values = sample.tensor.doubleValues()
        var left = values.indices.filter { !values[$0].isFinite }
        for stage in stages[min(start, stages.count)...] {
            if left.isEmpty { return true }
            switch stage {
            case .replaceNonFinite: return true
            case .impute(let impute):
                guard let columns = try? Set(TableColumns.indices(impute.columns, in: sample, stage: Impute.name)) else { return false }
                left.removeAll { values[$0].isNaN && columns.contains($0) }
            default: return false
            }
        }
        return left.isEmpty
    }
}
