import Foundation
import MedPipeCache
import MedPipeExport

/// The data set: recipe, sources, rejected inputs, class balance before and after the rebalancing plan,
/// groups and the leak check, sample inputs per class, and the distribution of input values per split.
enum DatasetSection {
    static func html(_ facts: DatasetFacts, page: inout PageBuilder) throws -> String {
        let total = facts.before.values.flatMap(\.values).reduce(0, +)
        let shape = facts.inputShape.map(String.init).joined(separator: " × ")
        var html = "<div class=\"cards\">"
            + HTML.card(HTML.count(total), "entries")
            + HTML.card(String(facts.classNames.count), facts.classNames.isEmpty ? "classes: the entries have no label" : "classes: " + facts.classNames.joined(separator: ", "))
            + HTML.card(shape, "\(facts.kind?.rawValue ?? "input") shape the network takes" + (facts.frequency.map { ", \(HTML.number($0, 0)) Hz" } ?? ""))
            + HTML.card(facts.balance, "rebalancing of the training split")
            + HTML.card(facts.splitGrouping ?? "–", "split grouping")
            + "</div>"

        if let recipe = facts.recipe {
            html += "<details class=\"print-open\"><summary>Recipe\(facts.recipeHash.map { " (SHA-256 \(HTML.escape(String($0.prefix(16))))…)" } ?? "")</summary><pre>\(HTML.escape(recipe))</pre></details>"
        }
        html += sources(facts)
        html += rejected(facts)
        html += balance(facts, page: &page)
        html += groups(facts)
        html += try samples(facts, page: &page)
        html += histogram(facts, page: &page)
        return html
    }

    private static func sources(_ facts: DatasetFacts) -> String {
        guard !facts.sources.isEmpty else { return "" }
        var keys: [String] = []
        for source in facts.sources { for (key, _) in source where !keys.contains(key) { keys.append(key) } }
        let rows = facts.sources.map { source in
            keys.map { key in HTML.escape(source.first { $0.key == key }?.value ?? "") }
        }
        return "<h3>Sources</h3>" + HTML.table(keys, rows)
    }

    private static func rejected(_ facts: DatasetFacts) -> String {
        var html = "<h3>Rejected inputs</h3>"
        guard !facts.rejected.isEmpty else { return html + "<p class=\"ok\">None: every input was read and kept.</p>" }
        html += "<p class=\"fail\">\(facts.rejected.count) input\(facts.rejected.count == 1 ? " was" : "s were") not converted.</p>"
        return html + HTML.table(["source (pseudonymous)", "reason"], facts.rejected.map { [HTML.escape($0.source), HTML.escape($0.reason)] })
    }

    /// Splits in their usual order, then any other.
    static func orderedSplits(_ names: some Collection<String>) -> [String] {
        DatasetFacts.splits.filter(names.contains) + names.filter { !DatasetFacts.splits.contains($0) }.sorted()
    }

    private static func balance(_ facts: DatasetFacts, page: inout PageBuilder) -> String {
        let splits = orderedSplits(facts.before.keys)
        // One scale for both charts, so that the bars compare.
        let top = Chart.niceCeiling(Double([facts.before, facts.after].flatMap { $0.values.flatMap(\.values) }.max() ?? 1))
        func chart(_ counts: [String: [String: Int]], title: String) -> Chart {
            Chart(kind: .bar, title: title, x: .init(title: "split"), y: .init(title: "entries", minimum: 0, maximum: top, integer: true),
                  categories: splits,
                  series: facts.labels.enumerated().map { i, name in
                      Chart.Series(name: name, values: splits.map { Double(counts[$0]?[name] ?? 0) }, color: Palette.color(i))
                  })
        }
        let trainBefore = facts.before["train"]?.values.reduce(0, +) ?? 0, trainAfter = facts.after["train"]?.values.reduce(0, +) ?? 0
        let changed = facts.before["train"] != facts.after["train"]
        let caption = changed
            ? "The plan (\(facts.balance)) draws \(trainAfter) training entries per epoch from the \(trainBefore) converted; validation and test are never rebalanced."
            : facts.balance == "none" || facts.balance == "class-weights" || facts.balance == "smote"
                ? "The plan draws every converted training entry once per epoch (\(facts.balance): \(facts.balance == "none" ? "no rebalancing" : facts.balance == "smote" ? "synthetic rows are made when training" : "the loss weighs the classes instead")); validation and test are never rebalanced."
                : "The training classes are already balanced: the plan (\(facts.balance)) draws every converted entry once per epoch. Validation and test are never rebalanced."
        return "<h3>Entries per split and class</h3><div class=\"charts\">"
            + page.figure(chart(facts.before, title: "As converted"))
            + page.figure(chart(facts.after, title: "After the rebalancing plan (\(facts.balance))"), caption: caption)
            + "</div>"
    }

    private static func groups(_ facts: DatasetFacts) -> String {
        var html = "<h3>Groups per split and the leak check</h3>"
        let rows = orderedSplits(facts.before.keys).map { split in
            let counts = facts.before[split] ?? [:]
            return [HTML.escape(split), HTML.count(counts.values.reduce(0, +)), HTML.count(facts.groups[split] ?? 0),
                    HTML.escape(facts.labels.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", "))]
        }
        html += HTML.table(["split", "entries", "groups (patients)", "entries per class"], rows, numeric: [1, 2])
        if facts.leaks.isEmpty {
            html += "<p class=\"ok\">Leak check passed: no group (patient) is in two splits.</p>"
        } else {
            html += "<p class=\"fail\">Leak check failed: \(facts.leaks.count) group\(facts.leaks.count == 1 ? " is" : "s are") in more than one split.</p>"
            html += HTML.table(["group", "entries per split"], facts.leaks.prefix(50).map { leak in
                [HTML.escape(leak.group), HTML.escape(leak.counts.keys.sorted().map { "\($0.rawValue) \(leak.counts[$0]!)" }.joined(separator: ", "))]
            })
        }
        for issue in facts.splitIssues { html += "<p class=\"warning\">\(HTML.escape(issue))</p>" }
        return html
    }

    private static func samples(_ facts: DatasetFacts, page: inout PageBuilder) throws -> String {
        var html = "<h3>Samples per class</h3>"
        switch facts.kind {
        case .image?, .volume?:
            html += HTML.note(facts.kind == .volume
                ? "Three orthogonal slices through the centre of each volume, one across each of its axes (slices, rows, columns), as the network takes it; windowed to the 1st–99th percentile of its values."
                : "The first training images of each class, as the network takes them; each scaled to its own minimum and maximum, magnified without smoothing.")
            for group in facts.samples {
                html += "<div class=\"classrow\"><h4>\(HTML.escape(group.className))</h4><div class=\"grid\">"
                for (entry, input) in zip(group.entries, group.inputs) {
                    guard let picture = Picture.sample(input, shape: facts.inputShape, side: facts.kind == .volume ? Picture.readableSide : 128) else { continue }
                    html += "<div class=\"tile\">" + (try page.image(picture, alt: "\(group.className) sample", title: "source \(entry.source), item \(entry.item)"))
                        + "<div class=\"label\">\(HTML.escape(entry.split ?? "")) · entry \(entry.id)</div></div>"
                }
                html += "</div></div>"
            }
        case .signal?:
            let rate = facts.frequency ?? 1
            let unit = facts.frequency == nil ? "sample" : "time (ms)"
            html += HTML.note("Up to \(DatasetFacts.samplesPerClass) inputs per class, first lead, as the network takes them (after the recipe's filters and normalization).")
            html += "<div class=\"charts\">"
            for (c, group) in facts.samples.enumerated() {
                let length = facts.inputShape.last ?? 0
                let series = zip(group.entries, group.inputs).map { entry, input in
                    Chart.Series(name: "entry \(entry.id)", points: (0..<min(length, input.count)).map { (x: facts.frequency == nil ? Double($0) : Double($0) * 1000 / rate, y: Double(input[$0])) },
                                 color: Palette.color(c), lineWidth: 1.2)
                }
                html += page.figure(Chart(kind: .line, title: "Class \(group.className): \(series.count) inputs overlaid", x: .init(title: unit),
                                          y: .init(title: "amplitude (normalized)"), series: series, legend: false))
            }
            html += "</div>"
        case .table?:
            let names = facts.columns ?? (0..<(facts.inputShape.last ?? 0)).map { "feature \($0 + 1)" }
            html += HTML.note("The first rows of each class, as the network takes them (after the recipe's stages).")
            let rows = facts.samples.flatMap { group in
                group.inputs.prefix(3).map { [HTML.escape(group.className)] + $0.map { HTML.number(Double($0), 2) } }
            }
            html += "<div class=\"scroll\">" + HTML.table(["class"] + names, rows, numeric: Set(1...max(1, names.count))) + "</div>"
        case nil:
            html += HTML.note("The samples' shape \(facts.inputShape) is not one the report can draw.")
        }
        return html
    }

    private static func histogram(_ facts: DatasetFacts, page: inout PageBuilder) -> String {
        let h = facts.histogram
        guard h.edges.count > 1 else { return "" }
        let centres = (0..<(h.edges.count - 1)).map { (i: Int) -> Double in (h.edges[i] + h.edges[i + 1]) / 2 }
        let series = orderedSplits(h.fractions.keys).enumerated().map { (i: Int, split: String) -> Chart.Series in
            let points = zip(centres, h.fractions[split]!).map { (centre: Double, fraction: Double) -> (x: Double, y: Double) in (x: centre, y: fraction * 100) }
            return Chart.Series(name: split, points: points, color: Palette.color(i), stepped: true)
        }
        let read = orderedSplits(h.entriesRead.keys).map { "\($0) \(h.entriesRead[$0]!) entries" }.joined(separator: ", ")
        return "<h3>Input values per split</h3><div class=\"charts\">"
            + page.figure(Chart(kind: .line, title: "Distribution of input values", x: .init(title: "input value (after the recipe's stages)"),
                                y: .init(title: "% of values", minimum: 0), series: series),
                          caption: "\(DatasetFacts.histogramBins) bins shared by all splits; read from \(read) (evenly spaced; at most \(DatasetFacts.histogramValuesPerEntry) values per entry).")
            + "</div>"
    }
}
