import Testing
import MedPipeCore
@testable import MedPipeStages

/// Fitted statistics that a pipeline's stages cannot apply (`convert --fit-from` a cache edited or damaged) are told
/// as such: applied, a NaN or infinite mean or scale made every sample NaN or infinite, a scale of 0 or below
/// divided by it, an entry at another stage left a stage unscaled or failed later naming no cache.
@Suite struct FittedStatisticsCheckTests {
    private let table = StagePipeline([.impute(Impute()), .standardize(Standardize()), .oneHot(try! OneHot(columns: ["cp"]))])
    private let image = StagePipeline([.minMax(MinMax()), .datasetZScore(DatasetZScore())])

    private func tableStatistics(mean: Double = 50, scale: Double = 9, fill: Double = 1, categories: [Double] = [1, 2, 3]) -> FittedPipeline {
        FittedPipeline(entries: [
            .init(stage: 0, name: "impute", statistics: .impute(.init(values: ["age": fill]))),
            .init(stage: 1, name: "standardize", statistics: .standardize(.init(mean: ["age": mean], scale: ["age": scale]))),
            .init(stage: 2, name: "one-hot", statistics: .oneHot(.init(categories: ["cp": categories]))),
        ])
    }

    private func zscore(mean: Double = 0.4, std: Double = 0.2, count: Int = 100, stage: Int = 1) -> FittedPipeline {
        FittedPipeline(entries: [.init(stage: stage, name: "dataset-zscore", statistics: .datasetZScore(.init(mean: mean, std: std, count: count)))])
    }

    @Test func whatAPipelineFitsIsApplicable() throws {
        #expect(tableStatistics().problem(for: table) == nil)
        #expect(zscore().problem(for: image) == nil)
        #expect(zscore(std: 0).problem(for: image) == nil)   // constant training values: applied as 1, as fitted
        #expect(FittedPipeline(entries: []).problem(for: StagePipeline([.minMax(MinMax())])) == nil)
    }

    @Test func valuesThatAreNotUsableAreNamed() {
        #expect(tableStatistics(mean: .nan).problem(for: table) == "stage 2 (standardize): the mean of column 'age' is nan")
        #expect(tableStatistics(scale: .infinity).problem(for: table) == "stage 2 (standardize): the scale of column 'age' is inf")
        #expect(tableStatistics(scale: 0).problem(for: table) == "stage 2 (standardize): the scale of column 'age' is 0.0, not positive")
        #expect(tableStatistics(scale: -2).problem(for: table) == "stage 2 (standardize): the scale of column 'age' is -2.0, not positive")
        #expect(tableStatistics(fill: -.infinity).problem(for: table) == "stage 1 (impute): the fill value of column 'age' is -inf")
        #expect(tableStatistics(categories: [1, .nan]).problem(for: table) == "stage 3 (one-hot): column 'cp' has the category nan")
        #expect(tableStatistics(categories: [1, 2, 1]).problem(for: table) == "stage 3 (one-hot): column 'cp' lists a category twice")
        var unscaled = tableStatistics()
        unscaled.entries[1].statistics = .standardize(.init(mean: ["age": 50, "chol": 240], scale: ["age": 9]))
        #expect(unscaled.problem(for: table) == "stage 2 (standardize): column 'chol' has a mean but no scale")
        #expect(zscore(mean: .nan).problem(for: image) == "stage 2 (dataset-zscore): mean nan and standard deviation 0.2 are no finite mean and std ≥ 0")
        #expect(zscore(std: -1).problem(for: image) == "stage 2 (dataset-zscore): mean 0.4 and standard deviation -1.0 are no finite mean and std ≥ 0")
        #expect(zscore(count: 0).problem(for: image) == "stage 2 (dataset-zscore): fitted over 0 values")
    }

    @Test func entriesThatDoNotMatchTheStagesAreNamed() {
        #expect(zscore(stage: 0).problem(for: image) == "entry 'dataset-zscore' is for stage 1, which is no fitted stage of the 2 stage(s)")
        #expect(zscore(stage: 9).problem(for: image) == "entry 'dataset-zscore' is for stage 10, which is no fitted stage of the 2 stage(s)")
        #expect(zscore(stage: -1).problem(for: image) == "entry 'dataset-zscore' is for stage 0, which is no fitted stage of the 2 stage(s)")
        #expect(FittedPipeline(entries: []).problem(for: image) == "stage 2 (dataset-zscore) has no statistics, not one")
        #expect(FittedPipeline(entries: zscore().entries + zscore().entries).problem(for: image) == "stage 2 (dataset-zscore) has 2 sets of statistics, not one")
        var other = tableStatistics()
        other.entries[1].statistics = .impute(.init(values: ["age": 1]))
        #expect(other.problem(for: table) == "stage 2 (standardize) has statistics of 'impute'")
        other = tableStatistics()
        other.entries[1].name = "one-hot"
        #expect(other.problem(for: table) == "stage 2 (standardize) has statistics of 'one-hot'")
    }
}
