"""The weighting walkthrough: one survey wave weighted step by step.

:func:`weighting_steps` rakes a wave, trims it as ``rules.yaml`` says (the weights every pack
uses) and to illustrative bounds; the other functions show what each step did to the sample,
the weights and an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from IPython.display import Image
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from .. import estimates, plots
from ..design import SurveyDesign
from ..errors import PmresearchError
from ..linkage import fielded_waves, has_valid_answers
from ..weighting import WeightingResult, rake, trim_weights, weight_wave
from ..workspace import Workspace
from ..sections import styled_table as styled

__all__ = ["WeightingSteps", "margins_achieved", "raking_diagnostics", "sample_vs_population",
           "trimming_comparison", "weight_distribution", "weighted_vs_unweighted",
           "weighting_steps"]

# The columns every table of margins starts with, and their formats.
_MARGIN_LABELS = {"variable": "Variable", "category": "Category",
                  "population_pct": "% of population", "sample_pct": "% of sample"}
_MARGIN_FORMATS = {"population_pct": "{:.1f}", "sample_pct": "{:.1f}"}


@dataclass(frozen=True, eq=False)
class WeightingSteps:
    """One wave raked without trimming, trimmed as ``rules.yaml`` says, and trimmed to
    illustrative bounds (``illustration`` is None, with ``illustration_error``, when no
    weighting can meet them)."""

    wave: str
    untrimmed: WeightingResult
    trimmed: WeightingResult
    bounds: tuple[float, float]
    illustration: WeightingResult | None
    illustration_bounds: tuple[float, float]
    illustration_error: str = ""


def weighting_steps(ws: Workspace, wave: str = "", *,
                    illustrative_bounds: tuple[float, float] = (0.3, 3.0)) -> WeightingSteps:
    """Weight a wave step by step: rake, trim to the configured bounds, trim to others.

    ``trimmed`` is what :func:`pmresearch.weighting.weight_wave` (and every pack) uses; the
    raking starts again from the margins it met, without trimming, so the two can be compared.
    ``wave`` defaults to the wave whose fieldwork ended last among those with responses.
    """
    waves = fielded_waves(ws).sort_values(["fieldwork_end", "fieldwork_start", "wave"])
    wave = str(wave) or str(waves["wave"].iloc[-1])
    packed = weight_wave(ws, wave)
    raking = packed.design.calibration[-1]
    margins = pd.DataFrame({"variable": np.repeat(raking.variables,
                                                  [len(c) for c in raking.categories]),
                            "category": [c for cats in raking.categories for c in cats],
                            "population": np.concatenate(raking.population)})
    data = packed.design.data
    untrimmed = rake(data, margins, variables=list(raking.variables),
                     design_weight="design_weight" if ws.filled("survey_responses", "design_weight")
                     else None)
    settings = ws.parameters.settings["weighting"]
    bounds = (settings["trim_lower"], settings["trim_upper"])
    illustrative_bounds = tuple(float(b) for b in illustrative_bounds)
    try:
        illustration, error = trim_weights(untrimmed, bounds=illustrative_bounds), ""
    except PmresearchError as failure:
        illustration, error = None, str(failure)
    return WeightingSteps(wave, untrimmed, trim_weights(untrimmed, bounds=bounds), bounds,
                          illustration, illustrative_bounds, error)


def sample_vs_population(steps: WeightingSteps) -> Styler:
    """Each weighting category's share of the population and of the respondents."""
    margins = steps.trimmed.diagnostics.margins.assign(
        gap=lambda m: m["sample_pct"] - m["population_pct"])
    worst = margins.loc[margins["gap"].abs().idxmax()]
    return styled(margins, {**_MARGIN_LABELS, "gap": "Gap (points)"},
                  {**_MARGIN_FORMATS, "gap": "{:+.1f}"},
                  caption=f"Survey wave {steps.wave}: {len(steps.trimmed.weights):,} "
                          f"respondents. Largest gap: {worst['variable']} "
                          f"{worst['category']}, {worst['gap']:+.1f} points.")


def _mean_weight(result: WeightingResult) -> float:
    return float(result.weights.sum() / len(result.weights))


def raking_diagnostics(ws: Workspace, steps: WeightingSteps) -> Styler:
    """How raking went for the weights the packs use, checked against ``rules.yaml``."""
    d = steps.trimmed.diagnostics
    limits = ws.parameters.settings["weighting"]
    mean = _mean_weight(steps.trimmed)
    low, high = steps.bounds

    def check(value: float, limit: float) -> str:
        return "within the limit" if value <= limit else "FLAG: above the limit"

    rows = [("Respondents", f"{len(steps.trimmed.weights):,}", "", "the wave's respondents"),
            ("Sweeps over the margins", f"{d.iterations}", "",
             "raking then trimming; a sweep adjusts every margin once"),
            ("Design effect of the weights (Kish)", f"{d.design_effect:.2f}",
             check(d.design_effect, limits["max_deff"]),
             f"1 + CV² of the weights; rules.yaml max_deff is {limits['max_deff']:g}"),
            ("Effective base", f"{d.effective_n:,.0f}", "",
             "respondents ÷ design effect: the simple random sample as precise as this one"),
            ("Smallest weight", f"{d.min_weight / mean:.2f} × mean", "",
             f"mean weight {mean:,.1f} residents per respondent"),
            ("Largest weight", f"{d.max_weight / mean:.2f} × mean", "", ""),
            ("Weights trimmed", f"{d.n_trimmed:,}", "",
             f"raked weights outside [{low:g}, {high:g}] × mean, brought inside and re-raked"),
            ("Largest margin miss", f"{d.max_margin_error:.3f} points",
             check(d.max_margin_error, limits["max_margin_error_points"]),
             f"rules.yaml max_margin_error_points is {limits['max_margin_error_points']:g}")]
    table = pd.DataFrame(rows, columns=["measure", "value", "check", "meaning"])
    return styled(table, {"measure": "Measure", "value": "Value", "check": "Check",
                          "meaning": "What it means"},
                  caption=f"Survey wave {steps.wave}, raked and trimmed as the packs do")


def margins_achieved(steps: WeightingSteps) -> Styler:
    """Population, sample and weighted share of each category: raking closes the gaps."""
    margins = steps.trimmed.diagnostics.margins.assign(
        difference=lambda m: m["difference_points"].round(3) + 0.0)  # no "-0.000"
    return styled(margins, {**_MARGIN_LABELS, "weighted_pct": "% weighted",
                            "difference": "Weighted − population"},
                  {**_MARGIN_FORMATS, "weighted_pct": "{:.1f}", "difference": "{:.3f}"},
                  caption=f"Survey wave {steps.wave}, weights as the packs use them")


def _versions(steps: WeightingSteps) -> list[tuple[str, WeightingResult | None]]:
    low, high = steps.bounds
    ilow, ihigh = steps.illustration_bounds
    return [("raked, not trimmed", steps.untrimmed),
            (f"trimmed to [{low:g}, {high:g}] × mean (rules.yaml, used by packs)", steps.trimmed),
            (f"trimmed to [{ilow:g}, {ihigh:g}] × mean (illustration)", steps.illustration)]


def trimming_comparison(steps: WeightingSteps) -> Styler:
    """The weights with and without trimming: range, design effect, effective base, margins."""
    low, high = steps.bounds
    rows = []
    for label, result in _versions(steps):
        if result is None:
            rows.append({"version": label, "note": steps.illustration_error})
            continue
        d, mean = result.diagnostics, _mean_weight(result)
        scaled = result.weights.to_numpy() / mean
        rows.append({"version": label, "outside": int(((scaled < low) | (scaled > high)).sum()),
                     "smallest": d.min_weight / mean, "largest": d.max_weight / mean,
                     "deff": d.design_effect, "effective_n": d.effective_n,
                     "sweeps": d.iterations, "miss": round(d.max_margin_error, 3), "note": ""})
    table = pd.DataFrame(rows).reindex(columns=["version", "outside", "smallest", "largest",
                                                "deff", "effective_n", "sweeps", "miss", "note"])
    return styled(table, {"version": "Weights", "outside": f"Outside [{low:g}, {high:g}] × mean",
                          "smallest": "Smallest (× mean)", "largest": "Largest (× mean)",
                          "deff": "Design effect", "effective_n": "Effective base",
                          "sweeps": "Sweeps", "miss": "Largest margin miss (points)",
                          "note": "Note"},
                  {"outside": "{:,.0f}", "smallest": "{:.2f}", "largest": "{:.2f}",
                   "deff": "{:.3f}", "effective_n": "{:,.0f}", "sweeps": "{:,.0f}",
                   "miss": "{:.3f}"}, caption=f"Survey wave {steps.wave}")


def weight_distribution(steps: WeightingSteps) -> Image:
    """Histogram of the weights (as multiples of the mean) with and without trimming."""
    figure = Figure(figsize=(7.0, 3.4))
    figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.15)
    axes = figure.add_subplot(1, 1, 1)
    versions = [(label, result) for label, result in _versions(steps) if result is not None]
    top = max(float(r.weights.max()) / _mean_weight(r) for _, r in versions)
    bins = np.linspace(0, np.ceil(top * 2) / 2, 41)
    for (label, result), colour, style in zip(versions, ("#9aa8b6", "#1f4e79", "#e69500"),
                                              ("-", "-", "--")):
        axes.hist(result.weights.to_numpy() / _mean_weight(result), bins=bins,
                  histtype="step", color=colour, linestyle=style, linewidth=1.4, label=label)
    for bound in steps.bounds:
        axes.axvline(bound, color="#c62828", linestyle=":", linewidth=1.2)
    axes.set_yscale("log")  # the trimmed tail is a handful of respondents among thousands
    axes.set_xlabel("weight ÷ mean weight", fontsize=8)
    axes.set_ylabel("respondents (log scale)", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, frameon=False)
    axes.set_title(f"Survey wave {steps.wave}: red dotted lines are the rules.yaml bounds",
                   fontsize=9, loc="left")
    alt = (f"Histograms of the wave {steps.wave} weights as multiples of the mean weight, raked "
           "without trimming and trimmed, on a log scale, with the trimming bounds marked. The "
           "table above gives the figures.")
    return Image(data=plots.figure_png(figure), format="png", alt=alt)


def weighted_vs_unweighted(ws: Workspace, steps: WeightingSteps, item: str = "") -> Styler:
    """% satisfied with ``item`` unweighted and under each weighting, with intervals.

    ``item`` defaults to the first item of ``survey_items.csv`` with valid answers in the wave.
    The unweighted row gives every respondent the mean weight; its interval treats the sample
    as simple random.
    """
    answered = [str(i) for i in ws.survey_items["item"] if has_valid_answers(ws, steps.wave, str(i))]
    if not item and not answered:
        raise PmresearchError(f"survey wave {steps.wave!r} has no item with valid answers: "
                              "every answer is blank or \"don't know\". Choose another wave.")
    item = item or answered[0]
    data = steps.trimmed.design.data
    total = float(steps.trimmed.weights.sum())
    designs = [("unweighted", SurveyDesign(data, weights=np.full(len(data), total / len(data))))]
    designs += [(label, result.design) for label, result in _versions(steps)
                if result is not None]
    suppression = ws.parameters.settings["suppression"]
    table = pd.concat([estimates.proportion(design, item, min_base=suppression["min_base"],
                                            low_base=suppression["low_base"]).assign(version=label)
                       for label, design in designs], ignore_index=True)
    for column in ("estimate", "ci_low", "ci_high"):
        table[column] = 100 * table[column]
    table["change"] = table["estimate"] - table["estimate"].iloc[0]
    question = ws.survey_items.set_index("item")["question"].get(item, item)
    return styled(table, {"version": "Weights", "estimate": "% satisfied", "ci_low": "95% CI from",
                          "ci_high": "95% CI to", "change": "Change from unweighted (points)",
                          "n_unweighted": "Base", "n_effective": "Effective base",
                          "deff": "Design effect of the estimate"},
                  {"estimate": "{:.1f}", "ci_low": "{:.1f}", "ci_high": "{:.1f}",
                   "change": "{:+.1f}", "n_unweighted": "{:,}", "n_effective": "{:,.0f}",
                   "deff": "{:.2f}"},
                  caption=f"{question} ({item}), survey wave {steps.wave}")
