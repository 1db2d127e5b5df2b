"""The reproduction over several seeds: each student row's mean and spread, and each claim checked per seed.

One seed's float rounding can decide a sign of Table 1 (Kim & Rush 2016) at our scale, so every student row is
trained once per seed (:mod:`tinyseqkd.reproduce.plan`) and reported as the mean ± the sample standard deviation
(n − 1) over the seeds; with one seed there is no spread. The teacher rows (the teacher and teacher + Seq-Inter) are
shared by every seed: one measurement, no spread.

A claim (:func:`tinyseqkd.reproduce.findings.checks`) is checked in each seed on that seed's figures and intervals:
``holds_in`` of the ``seeds`` it was measured in; it ``holds`` only when it holds in every one (None when measured in
none). The BLEU comparisons get a paired bootstrap 95% interval per seed and one for the seed mean (the per-draw mean
of the seeds' differences: :mod:`tinyseqkd.reproduce.bootstrap`).

``per_seed`` maps a seed (as text, the way results.json keys it: ``"1"``) to ``{row: figures}``; ``draws(seed, row,
decoding)`` gives a system's resampled BLEU or None (:class:`tinyseqkd.reproduce.bootstrap.SavedTranslations`).
"""

from __future__ import annotations

import math
import numbers

from tinyseqkd.reproduce import bootstrap, findings


def is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def mean_and_sd(values) -> tuple[float | None, float | None]:
    """(mean, sample standard deviation with n − 1) of the values that are numbers; sd None for fewer than two,
    mean None for none. Equal values give that value itself (an int stays an int) and sd 0."""
    values = [value for value in values if is_number(value)]
    if not values:
        return None, None
    if all(value == values[0] for value in values):
        return values[0], (0.0 if len(values) > 1 else None)
    mean = math.fsum(values) / len(values)
    sd = math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1))
    return mean, sd


def mean_figure(values: list):
    """The mean of one figure over the seeds: numbers averaged, a dict of numbers averaged key by key (a beam sweep),
    anything else (a signature, a scheme) the first seed's."""
    if all(is_number(value) for value in values):
        return mean_and_sd(values)[0]
    if all(isinstance(value, dict) for value in values):
        keys = list(dict.fromkeys(key for value in values for key in value))
        return {key: mean_figure([value[key] for value in values if key in value]) for key in keys}
    return values[0]


def rows_in_order(per_seed: dict) -> list[str]:
    """Every row of any seed, in the order the seeds give them."""
    return list(dict.fromkeys(row for rows in per_seed.values() for row in rows))


def mean_rows(per_seed: dict, shared=()) -> tuple[dict, dict]:
    """(``{row: mean figures}``, ``{row: {figure: sd}}``): the spread of the numeric figures of every row built in
    two seeds or more; none for a ``shared`` row (one measurement) or with one seed."""
    rows, spread = {}, {}
    for row in rows_in_order(per_seed):
        seeds = [rows_of[row] for rows_of in per_seed.values() if row in rows_of]
        keys = list(dict.fromkeys(key for figures in seeds for key in figures))
        rows[row] = {key: mean_figure([figures[key] for figures in seeds if key in figures]) for key in keys}
        if len(seeds) > 1 and row not in shared:
            spread[row] = {key: mean_and_sd([figures.get(key) for figures in seeds])[1] for key in keys
                           if all(is_number(figures.get(key)) for figures in seeds)}
    return rows, spread


def comparison_draws(per_seed: dict, draws) -> dict[str, dict[str, object]]:
    """``{seed: {comparison name: the bootstrap draws of its difference, or None}}``."""
    found = {}
    for seed, rows in per_seed.items():
        found[seed] = {comparison["name"]: bootstrap.difference_draws(
                           comparison["terms"], lambda row, decoding, seed=seed: draws(seed, row, decoding))
                       for comparison in findings.comparisons(rows)}
    return found


def intervals(per_seed: dict, draws) -> tuple[dict, dict]:
    """(``{seed: {comparison name: [low, high]}}``, ``{comparison name: [low, high]}`` of the seed mean); a
    comparison without draws (translations not saved, a row not built) has no interval."""
    by_seed = comparison_draws(per_seed, draws) if draws is not None else {seed: {} for seed in per_seed}
    names = list(dict.fromkeys(name for found in by_seed.values() for name in found))
    mean = {name: bootstrap.mean_draws([found.get(name) for found in by_seed.values()]) for name in names}
    return ({seed: {name: bootstrap.interval(d) for name, d in found.items() if d is not None}
             for seed, found in by_seed.items()},
            {name: bootstrap.interval(d) for name, d in mean.items() if d is not None})


def combined_deltas(means: dict, per_seed: dict, seed_intervals: dict, mean_intervals: dict) -> list[dict]:
    """:func:`~tinyseqkd.reproduce.findings.deltas` over the seeds: ``ours`` the mean over the seeds and ``sd``,
    ``interval`` the seed mean's (BLEU comparisons), ``by_seed`` each seed's ``{"ours", "interval"}``."""
    by_seed = {seed: {delta["name"]: delta for delta in findings.deltas(rows)} for seed, rows in per_seed.items()}
    combined = []
    for delta in findings.deltas(means):
        name = delta["name"]
        own = {seed: {"ours": found[name]["ours"], "interval": seed_intervals.get(seed, {}).get(name)}
               for seed, found in by_seed.items() if name in found and found[name]["ours"] is not None}
        mean, sd = mean_and_sd([value["ours"] for value in own.values()])
        combined.append({**delta, "ours": mean, "sd": sd, "interval": mean_intervals.get(name), "by_seed": own})
    return combined


def combined_checks(means: dict, per_seed: dict, seed_intervals: dict, mean_intervals: dict,
                    deltas: list[dict], shared=()) -> list[dict]:
    """:func:`~tinyseqkd.reproduce.findings.checks` per seed, combined: ``holds_in`` of ``seeds`` (the seeds it was
    measured in), ``holds`` true only when it holds in every one of them (None: measured in none); ``ours`` is the
    text of the mean figures, ``difference`` and ``interval`` the mean's comparison, ``by_seed`` each seed's check.
    A check that reads only ``shared`` rows (the teacher's) is one measurement: it counts in the first seed only."""
    differences = {delta["name"]: delta for delta in deltas}
    by_seed = {seed: {check["claim"]: check for check in findings.checks(rows, seed_intervals.get(seed))}
               for seed, rows in per_seed.items()}
    combined = []
    for check in findings.checks(means, mean_intervals):
        claim = check["claim"]
        own = {seed: found[claim] for seed, found in by_seed.items() if claim in found}
        measured = [found for found in own.values() if found["holds"] is not None]
        if check.get("rows") and set(check["rows"]) <= set(shared):
            measured = measured[:1]
        holds_in = sum(found["holds"] for found in measured)
        delta = differences.get(check["comparison"], {})
        combined.append({
            **check, "holds": holds_in == len(measured) if measured else None, "holds_in": holds_in,
            "seeds": len(measured), "difference": delta.get("ours") if check["holds"] is not None else None,
            "by_seed": {seed: {"holds": found["holds"], "ours": found["ours"], "interval": found["interval"],
                               "difference": delta.get("by_seed", {}).get(seed, {}).get("ours")}
                        for seed, found in own.items()}})
    return combined
