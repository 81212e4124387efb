import Foundation
import Recommender
import RecommenderEvaluation

/// The recommenders' offline evaluation: on generated signals with planted tastes, and on
/// MovieLens ml-100k when given the directory of its RecBole atomic files.
///
///     RecommenderReport [--movielens DIR] [--serving SIGNALS]
///
/// `--serving` also measures a rebuild on that many generated signals and the answers' latency.
var arguments = Array(CommandLine.arguments.dropFirst())
var movieLensDirectory: String?
var servingSignals: Int?
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--movielens" where !arguments.isEmpty: movieLensDirectory = arguments.removeFirst()
    case "--serving" where Int(arguments.first ?? "") != nil: servingSignals = Int(arguments.removeFirst())
    default:
        FileHandle.standardError.write(Data("usage: RecommenderReport [--movielens DIR] [--serving SIGNALS]\n".utf8))
        exit(2)
    }
}

func log(_ line: String) { FileHandle.standardError.write(Data("  \(line)\n".utf8)) }

let generated = PlantedTasteGenerator().make(seed: 42)
print("## Generated signals (seed 42)\n")
print(OfflineEvaluation().run(generated.evaluationData, log: log).markdown)
log("feedback loop")
let simulation = FeedbackLoopSimulation()
let exploration = OfflineEvaluation().explorationShare
print("\n### Feedback loop (generated signals, \(simulation.rounds) rounds)\n")
print(FeedbackLoopSimulation.markdown(
    without: simulation.run(generated, explorationShare: 0), with: simulation.run(generated, explorationShare: exploration),
    explorationShare: exploration))
if let movieLensDirectory {
    do {
        let data = try MovieLens.load(directory: movieLensDirectory)
        print("\n## MovieLens ml-100k\n")
        print(OfflineEvaluation().run(data, log: log).markdown)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
}
if let servingSignals {
    print("\n## Serving cost\n")
    print(ServingCost.run(signals: servingSignals, log: log))
}
