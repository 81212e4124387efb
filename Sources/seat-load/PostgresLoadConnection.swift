import Foundation
import NIOCore

/// One connection to the PostgreSQL peer, run on a thread of its own because libpq's calls
/// block: its ``LoadLanes`` send through a ``PostgresPipeline``, then wait for the oldest
/// answer, take it, and send what it leads to. Closed loop only (the command refuses `--rate`):
/// a thread waiting on an answer cannot start arrivals on time.
enum PostgresLoadConnection {
    static func start(url: String, index: Int, lanes: LoadLanes, holdMilliseconds: UInt32, finished: EventLoopPromise<Void>) {
        let thread = Thread {
            var lanes = lanes
            run(url: url, index: index, lanes: &lanes, holdMilliseconds: holdMilliseconds)
            lanes.close()
            finished.succeed(())
        }
        thread.name = "seat-load postgres \(index)"
        thread.start()
    }

    private static func run(url: String, index: Int, lanes: inout LoadLanes, holdMilliseconds: UInt32) {
        var pipeline: PostgresPipeline
        do {
            pipeline = try PostgresPipeline(url: url, connection: index, holdMilliseconds: holdMilliseconds)
        } catch {
            lanes.recordFailure("PostgreSQL: \(error)")
            return
        }
        lanes.begin(now: NIODeadline.now().uptimeNanoseconds, into: &pipeline)
        while !lanes.isFinished, pipeline.hasPending {
            let answer: (lane: Int, step: Workload.Step, outcome: LoadOutcome)
            do {
                answer = try pipeline.nextAnswer()
            } catch {
                lanes.recordFailure(error.description)
                return
            }
            // take(…) counts its own failures.
            guard (try? lanes.take(
                lane: answer.lane, step: answer.step, outcome: answer.outcome, now: NIODeadline.now().uptimeNanoseconds,
                into: &pipeline)) != nil
            else { return }
        }
    }
}
