"""Benchmark: CP-SAT against the greedy baseline on synthetic schools of growing size.

    python bench/scheduler_synthetic.py [--sizes 100,300,1000] [--time-limit 30]

Prints, per school: problem size, candidate placements, greedy and CP-SAT time,
priority-weighted requests scheduled by each and their ratio, cover used,
solver status and the gap to the proven bound, plus the checker's verdict and
the time of single-request suggestions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lessonstudy.scheduler import (
    SolverOptions,
    check_plan,
    explain,
    solve,
    solve_greedy,
    suggest,
)
from lessonstudy.scheduler.candidates import enumerate_candidates
from scheduler_school import SchoolShape, build_school


def run(size: int, time_limit: float, workers: int, seed: int) -> None:
    started = time.perf_counter()
    problem = build_school(SchoolShape(staff=size), seed=seed)
    built = time.perf_counter() - started

    started = time.perf_counter()
    candidates = enumerate_candidates(problem)
    enumerated = time.perf_counter() - started
    placements = sum(len(p) for p in candidates.placements.values())

    greedy = solve_greedy(problem)
    plan = solve(problem, SolverOptions(time_limit_seconds=time_limit, num_workers=workers))
    violations = len(check_plan(problem, plan)) + len(check_plan(problem, greedy))

    started = time.perf_counter()
    explanations = explain(problem, plan)
    explained = time.perf_counter() - started

    suggest_times = []
    for request in problem.requests[:: max(1, len(problem.requests) // 20)]:
        started = time.perf_counter()
        suggest(problem, request.id, limit=5)
        suggest_times.append(time.perf_counter() - started)

    scores, baseline = plan.scores, greedy.scores
    ratio = scores.scheduled_priority / max(1, baseline.scheduled_priority)
    gap = "-" if plan.gap is None else f"{plan.gap:.2%}"
    print(f"school of {size} staff (seed {seed})")
    print(
        f"  problem      {len(problem.staff)} staff incl. visitors, "
        f"{len(problem.cover_supervisors)} cover supervisors, {len(problem.slots)} slots, "
        f"{len(problem.requests)} requests; built in {built:.2f}s"
    )
    print(f"  candidates   {placements} placements, enumerated in {enumerated:.2f}s")
    print(
        f"  greedy       {len(greedy.bookings)}/{len(problem.requests)} requests, "
        f"priority {baseline.scheduled_priority}/{baseline.requested_priority}, "
        f"cover {baseline.supervisor_cover} supervisor + {baseline.teacher_cover} teacher, "
        f"max load {baseline.max_load}, {greedy.wall_seconds:.2f}s"
    )
    print(
        f"  cp-sat       {len(plan.bookings)}/{len(problem.requests)} requests, "
        f"priority {scores.scheduled_priority}/{scores.requested_priority} "
        f"(proven at most {plan.priority_bound}), "
        f"cover {scores.supervisor_cover} supervisor + {scores.teacher_cover} teacher, "
        f"max load {scores.max_load}, {plan.wall_seconds:.2f}s"
    )
    levels = ", ".join(
        f"{o.level.value} {o.value} (bound {o.bound}{', proven' if o.proven else ''})"
        for o in plan.levels
    )
    print(f"  cp-sat/greedy priority ratio {ratio:.3f}; status {plan.status.value}, gap {gap}")
    print(f"  levels       {levels}")
    kinds: dict[str, int] = {}
    for explanation in explanations:
        kinds[explanation.kind.value] = kinds.get(explanation.kind.value, 0) + 1
    print(f"  explanations {kinds} in {explained:.2f}s; checker violations: {violations}")
    print(
        f"  suggest      median {statistics.median(suggest_times) * 1000:.1f} ms, "
        f"max {max(suggest_times) * 1000:.1f} ms over {len(suggest_times)} requests"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,1000", help="staff counts, comma separated")
    parser.add_argument("--time-limit", type=float, default=30.0, help="CP-SAT seconds per school")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.time_limit, args.workers, args.seed)


if __name__ == "__main__":
    main()
