import Foundation

extension OfflineEvaluation.Report {
    /// The report as a Markdown table, with the people and the comparison under it.
    public var markdown: String {
        func interval(_ estimate: Estimate) -> String {
            String(format: "%.4f [%.4f, %.4f]", estimate.mean, estimate.low, estimate.high)
        }
        var lines = [
            "| model | parameters | Precision@10 | Recall@10 | NDCG@10 | cold-start NDCG@10 | coverage | popularity |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in rows {
            lines.append(
                "| \(row.name) | \(row.parameters) | \(interval(row.precision)) | \(interval(row.recall)) | \(interval(row.ndcg)) | "
                    + "\(interval(row.coldStartNDCG)) | \(String(format: "%.1f %%", row.coverage * 100)) | "
                    + "\(String(format: "%.2f", row.popularityPercentile)) |")
        }
        lines.append("")
        lines.append(
            "\(dataset): \(people) people evaluated (their latest 20 % of movies held out), \(coldStartPeople) more cut down to "
                + "their first 3 movies (cold start), \(movies) movies ranked in full; 95 % bootstrap intervals over people "
                + "(1,000 resamples). Served hybrid minus the best baseline (\(bestBaseline)), paired per person: NDCG@10 "
                + String(format: "%+.4f [%+.4f, %+.4f]", hybridOverBestBaseline.mean, hybridOverBestBaseline.low,
                         hybridOverBestBaseline.high)
                + String(format: "; hybrid over most popular: %.2f×. Popularity: mean popularity percentile of what was recommended (1 = the most popular movie). %.0f s.", hybridOverMostPopular, seconds))
        return lines.joined(separator: "\n")
    }
}
