import Foundation

/// A run's figures, as a table for people or one line of JSON for scripts.
struct LoadReport {
    enum Pacing {
        case closedLoop
        case openLoop(rate: Double)
    }

    let target: Target
    let workload: Workload
    let pacing: Pacing
    let connections: Int
    let depth: Int
    /// The measured window, or the sell-out time of a flash sale.
    let seconds: Double
    let seed: UInt64
    let counts: LoadTally.Counts
    let audit: SaleAudit?
    let sellOutSeconds: Double?

    static let percentiles: [(name: String, key: String, value: Double)] = [
        ("p50", "p50", 50), ("p90", "p90", 90), ("p99", "p99", 99), ("p99.9", "p999", 99.9),
    ]

    /// Percentiles of the judged latency in the JSON's `latencyCDF`, for plotting its distribution:
    /// dense where tails are (each step a tenth closer to 100).
    static let cdfPercentiles: [Double] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 99, 99.5, 99.7, 99.9, 99.95, 99.97, 99.99, 99.995, 99.999, 100]

    private var headlineNoun: String { workload.headline?.noun ?? "request" }
    private var headline: LoadTally.Figures { counts.figures(of: workload.headline) }

    /// The latencies the run is judged by: closed loop, the headline request's own; open loop,
    /// whole cycles from their intended start, so queueing behind a stall counts.
    private var judgedLatency: LoadTally.Figures {
        if case .openLoop = pacing { return counts.cycles }
        return headline
    }

    private func microseconds(_ figures: LoadTally.Figures) -> [(name: String, key: String, value: Double)] {
        guard figures.count > 0 else { return (Self.percentiles + [("max", "max", 0)]).map { ($0.name, $0.key, 0) } }
        return Self.percentiles.map { ($0.name, $0.key, Double(figures.latency.valueAtPercentile($0.value)) / 1000) }
            + [("max", "max", Double(figures.latency.max) / 1000)]
    }

    private var pacingDescription: String {
        switch pacing {
        case .closedLoop: "closed loop"
        case .openLoop(let rate): String(format: "open loop at %.0f cycles/s", rate)
        }
    }

    var text: String {
        var lines = [
            "\(target.rawValue), \(workload.rawValue), \(pacingDescription), \(connections) connections × \(depth) lanes, "
                + String(format: "%.1f s, seed \(seed)", seconds),
            String(repeating: " ", count: 36) + "answers        /s" + Self.percentiles.map { String(repeating: " ", count: 9 - $0.name.count) + $0.name }.joined()
                + "      max  (µs)",
        ]
        func row(_ label: String, _ figures: LoadTally.Figures) {
            let values = microseconds(figures).map { String(format: "%9.0f", $0.value) }.joined()
            lines.append(label.padding(toLength: 36, withPad: " ", startingAt: 0)
                + String(format: "%7d %9.0f", figures.count, Double(figures.count) / seconds) + values)
        }
        for step in Workload.Step.allCases where counts[step].count > 0 { row("  \(step.noun)", counts[step]) }
        if case .openLoop = pacing { row("  cycle, from its intended start", counts.cycles) }
        if counts.unstartedArrivals > 0 { lines.append("  arrivals that found no free lane by the end: \(counts.unstartedArrivals)") }
        for (reason, count) in counts.refusals.sorted(by: { $0.key < $1.key }) { lines.append("  refused, \(reason): \(count)") }
        for failure in counts.failures { lines.append("  failed: \(failure)") }
        if let audit {
            let sellOut = sellOutSeconds.map { String(format: "%.2f s", $0) } ?? "no sale"
            lines.append(
                "  flash sale: \(audit.soldByServer) of \(audit.seatCount) seats sold, the last confirmed after \(sellOut); "
                    + "\(audit.heldAtEnd) held at the end; sold twice \(audit.soldTwice), sold unacknowledged \(audit.soldUnacknowledged), "
                    + "acknowledged not sold \(audit.acknowledgedNotSold): " + (audit.isExact ? "exact" : "NOT EXACT"))
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        func figures(_ figures: LoadTally.Figures) -> [String: Any] {
            var fields: [String: Any] = ["count": figures.count, "perSecond": Double(figures.count) / seconds]
            for (_, key, value) in microseconds(figures) { fields["\(key)Microseconds"] = value }
            return fields
        }
        var fields: [String: Any] = [
            "target": target.rawValue, "workload": workload.rawValue, "operation": headlineNoun, "connections": connections, "depth": depth,
            "seconds": seconds, "seed": String(seed), "operations": headline.count,
            "operationsPerSecond": Double(headline.count) / seconds,
            "requestsPerSecond": Double(counts.steps.reduce(0) { $0 + $1.count }) / seconds,
            "steps": Dictionary(uniqueKeysWithValues: Workload.Step.allCases.filter { counts[$0].count > 0 }.map { ($0.noun, figures(counts[$0])) }),
            "refusals": counts.refusals, "failures": counts.failures, "unstartedArrivals": counts.unstartedArrivals,
        ]
        for (_, key, value) in microseconds(judgedLatency) { fields["\(key)Microseconds"] = value }
        if judgedLatency.count > 0 {
            fields["latencyCDF"] = Self.cdfPercentiles.map { [$0, Double(judgedLatency.latency.valueAtPercentile($0)) / 1000] }
        }
        if case .openLoop(let rate) = pacing {
            fields["rate"] = rate
            fields["cycles"] = figures(counts.cycles)
        }
        if let audit {
            fields["flashSale"] = [
                "seatCount": audit.seatCount, "sold": audit.soldByServer, "heldAtEnd": audit.heldAtEnd, "soldTwice": audit.soldTwice,
                "soldUnacknowledged": audit.soldUnacknowledged, "acknowledgedNotSold": audit.acknowledgedNotSold,
                "exact": audit.isExact, "sellOutSeconds": sellOutSeconds ?? 0,
            ] as [String: Any]
        }
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
