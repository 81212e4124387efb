"""Turns Benchmarks/run-peers' results into BENCHMARKS.md's seat-load section and its plots.

    python3 Benchmarks/peers_report.py RESULTS.jsonl HEADER.txt BENCHMARKS.md PLOT_DIR

RESULTS.jsonl has one seat-load JSON report per line, each with the `label` and `group` the
script gave it. The section between the run-peers markers in BENCHMARKS.md is replaced; the
rest of the file is left as it is. Plots are drawn with gnuplot (PNG, pngcairo).
"""
import json
import statistics
import subprocess
import sys
from pathlib import Path

BEGIN = "<!-- run-peers: begin (written by Benchmarks/run-peers; edits here are lost) -->"
END = "<!-- run-peers: end -->"
PEERS = ["seatd", "redis", "postgres", "echo"]


def main():
    results, header, benchmarks, plots = sys.argv[1:5]
    runs = [json.loads(line) for line in open(results)]
    failed = [r for r in runs if r["failures"]]
    if failed:
        sys.exit(f"runs with failures, nothing written: {[(r['label'], r['workload'], r['failures'][:2]) for r in failed]}")
    plots = Path(plots)
    plots.mkdir(parents=True, exist_ok=True)
    report = Report(runs)
    section = "\n".join([open(header).read().rstrip(), "", *report.sections(plots, Path(benchmarks).parent)])
    text = Path(benchmarks).read_text()
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
    else:
        before, after = text.rstrip() + "\n\n", "\n"
    Path(benchmarks).write_text(f"{before}{BEGIN}\n{section}\n{END}{after}")
    print(section)


def number(value, spec=",.0f"):
    return format(value, spec)


class Report:
    def __init__(self, runs):
        self.runs = runs

    def group(self, **match):
        return [r for r in self.runs if all(r.get(k) == v for k, v in match.items())]

    @staticmethod
    def median(runs, key):
        return statistics.median(r[key] for r in runs)

    def rate(self, **match):
        runs = self.group(**match)
        return self.median(runs, "operationsPerSecond") if runs else None

    @staticmethod
    def median_run(runs):
        """The run whose headline rate is the median: its latency distribution is the one shown."""
        ordered = sorted(runs, key=lambda r: r["operationsPerSecond"])
        return ordered[(len(ordered) - 1) // 2]

    def sections(self, plots, root):
        return [
            *self.goals(),
            *self.peer_table(),
            *self.durable_table(),
            *self.depth_sweep(plots, root),
            *self.latency_cdf(plots, root),
            *self.flash_sale(),
            *self.mixed(),
        ]

    def goals(self):
        def ratio(a, b):
            return a / b if a and b else None

        def verdict(met):
            return "met" if met else "**missed**"

        rows = []
        seatd16, redis16, echo16 = (self.rate(group="peers", workload="hold-release", depth=16, label=t) for t in ["seatd", "redis", "echo"])
        r = ratio(seatd16, redis16)
        rows.append(("pipelined single-seat holds ≥ 2× Redis", f"{r:.2f}× (hold-release, depth 16)", verdict(r >= 2)))
        r = ratio(seatd16, echo16)
        rows.append(("pipelined single-seat holds ≥ 70 % of echo", f"{r:.0%}", verdict(r >= 0.7)))
        seatd1, redis1 = (self.rate(group="peers", workload="hold-release", depth=1, label=t) for t in ["seatd", "redis"])
        p99 = {t: self.median(self.group(group="peers", workload="hold-release", depth=1, label=t), "p99Microseconds") for t in ["seatd", "echo"]}
        r = ratio(seatd1, redis1)
        tail = p99["seatd"] / p99["echo"]
        rows.append((
            "unpipelined single-seat holds ≥ 1.5× Redis, p99 within 2× echo's",
            f"{r:.2f}×; p99 {number(p99['seatd'])} µs against echo's {number(p99['echo'])} µs ({tail:.1f}×)",
            verdict(r >= 1.5 and tail <= 2)))
        seatd4, redis4 = (self.rate(group="peers", workload="best-available", depth=16, label=t) for t in ["seatd", "redis"])
        r = ratio(seatd4, redis4)
        rows.append(("4-seat holds ≥ 3× Redis Lua", f"{r:.2f}× (best-available, depth 16)", verdict(r >= 3)))
        durable = {t: self.confirmations(group="durable", depth=16, label=t) for t in ["seatd-fsync", "postgres"]}
        r = ratio(durable["seatd-fsync"], durable["postgres"])
        rows.append(("durable confirmations ≥ 20× PostgreSQL", f"{r:.1f}× (uniform, depth 16, both fsync each acknowledged change)", verdict(r >= 20)))
        flash = self.group(group="flash-sale", label="seatd")
        uniform = self.confirmations(group="peers", workload="uniform", depth=16, label="seatd")
        r = ratio(self.median(flash, "operationsPerSecond"), uniform)
        exact = all(run["flashSale"]["exact"] for run in flash)
        rows.append((
            "flash sale ≥ 50 % of the uniform rate, zero oversell",
            f"{r:.0%} of uniform's confirmations/s; audit exact in {sum(run['flashSale']['exact'] for run in flash)} of {len(flash)} runs",
            verdict(r >= 0.5 and exact)))
        return [
            "**Against the goals (ratios of medians from this run):**", "",
            "| goal | measured | |", "|---|---|---|",
            *(f"| {goal} | {measured} | {met} |" for goal, measured, met in rows), "",
        ]

    def confirmations(self, **match):
        runs = self.group(**match)
        return statistics.median(r["steps"]["confirmation"]["perSecond"] for r in runs) if runs else None

    def peer_table(self):
        lines = [
            "| workload | depth | target | headline/s | requests/s | p50 µs | p99 µs | refused | ÷ Redis | ÷ PostgreSQL | ÷ echo | runs (headline/s) |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for workload in ["hold-release", "uniform", "best-available"]:
            for depth in [1, 16]:
                rates = {t: self.rate(group="peers", workload=workload, depth=depth, label=t) for t in PEERS}
                for target in PEERS:
                    runs = self.group(group="peers", workload=workload, depth=depth, label=target)
                    if not runs:
                        continue
                    refused = statistics.median(sum(r["refusals"].values()) for r in runs)
                    ratios = " | ".join(f"{rates[target] / rates[peer]:.2f}" if target == "seatd" and rates[peer] else ""
                                        for peer in ["redis", "postgres", "echo"])
                    lines.append(
                        f"| {workload} | {depth} | {target} | {number(rates[target])} | {number(self.median(runs, 'requestsPerSecond'))}"
                        f" | {number(self.median(runs, 'p50Microseconds'))} | {number(self.median(runs, 'p99Microseconds'))}"
                        f" | {number(refused)} | {ratios} | {', '.join(number(r['operationsPerSecond']) for r in runs)} |")
        return ["### Same workloads, same client", "", *lines, ""]

    def durable_table(self):
        lines = [
            "### Durable confirmations: seatd's journal against PostgreSQL", "",
            "`uniform` (hold one seat, confirm it) with every acknowledged change durable: seatd with",
            "`--durability fsync` (the default), PostgreSQL with its defaults (`fsync`, `synchronous_commit` on).", "",
            "| depth | target | confirmations/s | confirmation p50 µs | p99 µs | ÷ PostgreSQL | runs (confirmations/s) |",
            "|---:|---|---:|---:|---:|---:|---|",
        ]
        for depth in [1, 16]:
            base = self.confirmations(group="durable", depth=depth, label="postgres")
            for target in ["seatd-fsync", "postgres"]:
                runs = self.group(group="durable", depth=depth, label=target)
                if not runs:
                    continue
                rate = self.confirmations(group="durable", depth=depth, label=target)
                steps = [r["steps"]["confirmation"] for r in runs]
                ratio = f"{rate / base:.1f}" if target != "postgres" and base else ""
                lines.append(
                    f"| {depth} | {target} | {number(rate)} | {number(statistics.median(s['p50Microseconds'] for s in steps))}"
                    f" | {number(statistics.median(s['p99Microseconds'] for s in steps))} | {ratio}"
                    f" | {', '.join(number(s['perSecond']) for s in steps)} |")
        return [*lines, ""]

    def depth_sweep(self, plots, root):
        runs = self.group(group="depth")
        depths = sorted({r["depth"] for r in runs})
        targets = [t for t in PEERS if any(r["label"] == t for r in runs)]
        data = plots / "throughput-by-depth.dat"
        with open(data, "w") as out:
            out.write("# depth " + " ".join(targets) + "\n")
            for depth in depths:
                out.write(f"{depth} " + " ".join(str(self.rate(group='depth', depth=depth, label=t) or "NaN") for t in targets) + "\n")
        image = plots / "throughput-by-depth.png"
        self.gnuplot(f"""
            set terminal pngcairo size 900,560 font ",11"
            set output "{image}"
            set title "hold-release: holds per second against pipeline depth (16 connections)"
            set xlabel "requests in flight per connection"
            set ylabel "holds per second"
            set logscale x 2
            set logscale y 10
            set key top left
            set grid
            plot {", ".join(f'"{data}" using 1:{i + 2} with linespoints lw 2 title "{t}"' for i, t in enumerate(targets))}
            """)
        lines = [
            "### Throughput against pipeline depth", "",
            f"`hold-release`, 16 connections, the median of three runs per point.", "",
            f"![holds per second against depth]({image.relative_to(root)})", "",
            "| depth | " + " | ".join(targets) + " | seatd ÷ Redis | seatd ÷ echo |",
            "|---:|" + "---:|" * (len(targets) + 2),
        ]
        for depth in depths:
            rates = {t: self.rate(group="depth", depth=depth, label=t) for t in targets}
            lines.append(f"| {depth} | " + " | ".join(number(rates[t]) if rates[t] else "" for t in targets)
                         + f" | {rates['seatd'] / rates['redis']:.2f} | {rates['seatd'] / rates['echo']:.2f} |")
        return [*lines, ""]

    def latency_cdf(self, plots, root):
        images = []
        for depth in [1, 16]:
            series = []
            for target in PEERS:
                runs = self.group(group="peers", workload="hold-release", depth=depth, label=target)
                if runs:
                    series.append((target, self.median_run(runs)["latencyCDF"]))
            data = plots / f"latency-cdf-depth-{depth}.dat"
            with open(data, "w") as out:
                for target, cdf in series:
                    out.write(f'"{target}"\n')
                    # x: 1 / (1 - percentile), so each "nine" takes the same width; 100 is left out.
                    for percentile, microseconds in cdf:
                        if percentile < 100:
                            out.write(f"{1 / (1 - percentile / 100)} {microseconds} {percentile}\n")
                    out.write("\n\n")
            image = plots / f"latency-cdf-depth-{depth}.png"
            self.gnuplot(f"""
                set terminal pngcairo size 900,560 font ",11"
                set output "{image}"
                set title "hold-release, depth {depth}: hold latency by percentile (median run of three)"
                set xlabel "percentile"
                set ylabel "latency (µs)"
                set logscale x 10
                set logscale y 10
                set xtics ("0" 1, "90" 10, "99" 100, "99.9" 1000, "99.99" 10000, "99.999" 100000)
                set key top left
                set grid
                plot for [i=0:{len(series) - 1}] "{data}" index i using 1:2 with linespoints lw 2 title columnheader(1)
                """)
            images.append(f"![hold latency by percentile, depth {depth}]({image.relative_to(root)})")
        return ["### Latency distribution", "",
                "Closed loop, `hold-release`, each hold's own latency, from the run with the median rate:", "",
                *images, ""]

    def flash_sale(self):
        lines = [
            "### Flash sale", "",
            "One 100,000-seat show; 64 connections × 4 lanes hold the best pair left and confirm it until none is",
            "left; then the final seat map is read back and checked against every acknowledged confirmation.", "",
            "| target | sell-out s | confirmations/s | p50 µs | p99 µs | seats sold | audit exact | runs (s) |",
            "|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for target in ["seatd", "postgres"]:
            runs = self.group(group="flash-sale", label=target)
            if not runs:
                continue
            sale = [r["flashSale"] for r in runs]
            lines.append(
                f"| {target} | {statistics.median(s['sellOutSeconds'] for s in sale):.2f} | {number(self.median(runs, 'operationsPerSecond'))}"
                f" | {number(self.median(runs, 'p50Microseconds'))} | {number(self.median(runs, 'p99Microseconds'))}"
                f" | {number(statistics.median(s['sold'] for s in sale))} of {number(sale[0]['seatCount'])}"
                f" | {sum(s['exact'] for s in sale)} of {len(sale)} | {', '.join(format(s['sellOutSeconds'], '.2f') for s in sale)} |")
        return [*lines, ""]

    def mixed(self):
        lines = [
            "### Mixed: eight reads in ten", "",
            "| target | requests/s | p50 µs | p99 µs | availability reads/s | holds/s | runs (requests/s) |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for target in PEERS:
            runs = self.group(group="mixed", label=target)
            if not runs:
                continue

            def step(name):
                return number(statistics.median(r["steps"].get(name, {"perSecond": 0})["perSecond"] for r in runs))
            lines.append(
                f"| {target} | {number(self.median(runs, 'requestsPerSecond'))} | {number(self.median(runs, 'p50Microseconds'))}"
                f" | {number(self.median(runs, 'p99Microseconds'))} | {step('availability read')} | {step('hold')}"
                f" | {', '.join(number(r['requestsPerSecond']) for r in runs)} |")
        return [*lines, ""]

    @staticmethod
    def gnuplot(script):
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


if __name__ == "__main__":
    main()
