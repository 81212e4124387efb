"""Matches seat-load's slow answers against a scheduling trace (Benchmarks/tail).

Input: `perf sched timehist` of a trace recorded with `-k CLOCK_MONOTONIC` (one line per time a
thread left a processor: when, which processor, the thread, how long it had waited off the
processors before it ran, how much of that wait it was runnable, and how long it ran), and
seat-load's `--slow-log` (when each slow answer came and its latency, same clock).

From the trace it rebuilds, per thread, the intervals it ran and the intervals it was runnable but
not running. The event loop of seatd and of the client are each process's busiest thread. For each
slow answer, outstanding over [came − latency, came], it measures how long each loop waited for a
processor inside that window, and which threads ran on the processors meanwhile.
"""
import argparse
import bisect
import collections
import json
import re

LINE = re.compile(
    r"^\s*(\d+\.\d+)\s+\[(\d+)\]\s+(.+?)\[(\d+)(?:/(\d+))?\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s*$")
# What a thread can be doing at any moment, as the trace tells it.
STATES = ("running", "waiting for a processor", "asleep (S)", "asleep in the kernel (D)")


def nanoseconds(seconds_text):
    whole, _, fraction = seconds_text.partition(".")
    return int(whole) * 1_000_000_000 + int((fraction + "000000000")[:9])


def milliseconds(text):
    return round(float(text) * 1_000_000)


class Intervals:
    """Sorted, disjoint [start, end) intervals and the time any window shares with them."""

    def __init__(self, pairs):
        self.pairs = sorted(p for p in pairs if p[1] > p[0])
        self.starts = [p[0] for p in self.pairs]

    def overlap(self, start, end):
        total = 0
        index = max(0, bisect.bisect_right(self.starts, start) - 1)
        while index < len(self.pairs) and self.pairs[index][0] < end:
            a, b = self.pairs[index]
            total += max(0, min(b, end) - max(a, start))
            index += 1
        return total

    def longest(self):
        return max((b - a for a, b in self.pairs), default=0)

    def count_longer_than(self, nanoseconds_):
        return sum(1 for a, b in self.pairs if b - a > nanoseconds_)


def timelines(path):
    """Per thread (tid, pid, name), its intervals in each of STATES, from timehist --state."""
    lines = collections.defaultdict(list)
    for line in open(path):
        match = LINE.match(line)
        if not match:
            continue
        out, _, name, tid, pid, _, delay, ran, state = match.groups()
        if int(tid) == 0:  # the idle task
            continue
        lines[(int(tid), int(pid or tid), name.strip())].append(
            (nanoseconds(out), milliseconds(delay), milliseconds(ran), state))
    threads = {}
    for thread, events in lines.items():
        events.sort()
        pairs = collections.defaultdict(list)
        previous = None
        for out, delay, ran, state in events:
            came_in = out - ran
            pairs["running"].append((came_in, out))
            pairs["waiting for a processor"].append((came_in - delay, came_in))
            if previous is not None:
                slept = "asleep in the kernel (D)" if previous[3].startswith("D") else "asleep (S)"
                pairs[slept].append((previous[0], came_in - delay))
            previous = (out, delay, ran, state)
        threads[thread] = {state: Intervals(pairs[state]) for state in STATES}
    return threads


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seatd-pid", type=int, required=True)
    parser.add_argument("--load-pid", type=int, required=True)
    parser.add_argument("--timehist", required=True)
    parser.add_argument("--slow", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--steal-ticks", type=int, required=True)
    parser.add_argument("--ticks-per-second", type=int, required=True)
    parser.add_argument("--processors", type=int, required=True)
    parser.add_argument("--run", default="1")
    arguments = parser.parse_args()

    threads = timelines(arguments.timehist)
    ran = {t: sum(b - a for a, b in states["running"].pairs) for t, states in threads.items()}
    first = min(a for states in threads.values() for a, _ in states["running"].pairs)
    last = max(b for states in threads.values() for _, b in states["running"].pairs)

    def busiest(pid):
        return max((t for t in threads if t[1] == pid), key=ran.get, default=None)

    seatd_loop, client_loop = busiest(arguments.seatd_pid), busiest(arguments.load_pid)
    if seatd_loop is None or client_loop is None:
        raise SystemExit("the trace has no thread of seatd or of seat-load: was perf recording them?")

    def who(thread):
        if thread == seatd_loop:
            return "seatd's event loop"
        if thread == client_loop:
            return "seat-load's event loop"
        owner = {arguments.seatd_pid: "seatd", arguments.load_pid: "seat-load"}.get(thread[1])
        return f"{owner}'s {thread[2]} [{thread[0]}]" if owner else thread[2]

    load = json.load(open(arguments.load))
    # The tail: answers at or past the holds' p99.9 (the slow log has releases too).
    cut = load["p999Microseconds"] * 1000
    tail = []
    for line in open(arguments.slow):
        if line.startswith("#"):
            continue
        came, latency = map(int, line.split())
        if latency >= cut and came - latency >= first and came <= last:
            tail.append((came - latency, came, latency))
    steal = arguments.steal_ticks / arguments.ticks_per_second
    span = (last - first) / 1e9

    print(f"#### Run {arguments.run}")
    print()
    print(f"{load['requestsPerSecond']:,.0f} requests/s; the holds' p99 {load['p99Microseconds']:,.0f} µs,"
          f" p99.9 {load['p999Microseconds']:,.0f} µs, longest {load['maxMicroseconds']:,.0f} µs."
          f" Steal time (the hypervisor running another guest on our processors, which no trace here sees):"
          f" {steal:.2f} s of {span * arguments.processors:.1f} processor-seconds traced.")
    print()
    for thread in (seatd_loop, client_loop):
        waits = threads[thread]["waiting for a processor"]
        print(f"- {who(thread)}: waited for a processor {waits.count_longer_than(1_000_000)} times over 1 ms"
              f" and {waits.count_longer_than(500_000)} over 0.5 ms, longest {waits.longest() / 1e6:.2f} ms.")
    print()
    if not tail:
        print("No answer at or past the p99.9 is in the slow log (its threshold is above the p99.9?).")
        return

    # Over every tail answer's window: what each thread was doing, in total.
    doing = collections.defaultdict(collections.Counter)
    outstanding = sum(latency for _, _, latency in tail)
    for start, end, _ in tail:
        for thread, states in threads.items():
            for state in STATES:
                share = states[state].overlap(start, end)
                if share:
                    doing[thread][state] += share
    print(f"{len(tail):,} answers at or past the p99.9 ({cut / 1e3:,.0f} µs), {outstanding / 1e9:.2f} s outstanding in all."
          " What the threads did over those answers' windows, as shares of that time (each window counted once per answer"
          " outstanding in it); the two loops, seatd's other threads with any time, and the busiest others:")
    print()
    print("| thread | " + " | ".join(STATES) + " |")
    print("|---|" + "---:|" * len(STATES))
    ranked = sorted(doing, key=lambda t: -doing[t]["running"])
    shown = [seatd_loop, client_loop] + [t for t in ranked if t[1] == arguments.seatd_pid and t != seatd_loop]
    shown += [t for t in ranked if t not in shown][:5]
    for thread in shown:
        print(f"| {who(thread)} | " + " | ".join(f"{doing[thread][state] / outstanding:.0%}" for state in STATES) + " |")
    print()
    print("The slowest answers, and what the two loops did while each was outstanding (ms):")
    print()
    print("| latency | seatd's loop: ran / waited / slept | client's loop: ran / waited / slept | others that ran meanwhile |")
    print("|---:|---|---|---|")
    # One line per distinct moment: answers of one stall come together, alike.
    seen = set()
    for start, end, latency in sorted(tail, key=lambda t: -t[2]):
        moment = end // 1_000_000
        if moment in seen:
            continue
        seen.add(moment)
        cells = []
        for thread in (seatd_loop, client_loop):
            states = threads[thread]
            parts = [states[s].overlap(start, end) / 1e6 for s in STATES]
            cells.append(f"{parts[0]:.1f} / {parts[1]:.1f} / {parts[2] + parts[3]:.1f}" + (f" (D {parts[3]:.1f})" if parts[3] else ""))
        others = collections.Counter()
        for thread, states in threads.items():
            if thread not in (seatd_loop, client_loop):
                share = states["running"].overlap(start, end)
                if share:
                    others[who(thread)] += share
        print(f"| {latency / 1e3:,.0f} µs | {cells[0]} | {cells[1]} | "
              + ", ".join(f"{name} {share / 1e6:.1f}" for name, share in others.most_common(3)) + " |")
        if len(seen) == 8:
            break
    print()


if __name__ == "__main__":
    main()
