"""Unweighted % satisfied, don't-know share, bases and suppression, against hand counts."""

import math

import pandas as pd
import pytest

from pmresearch.estimates import satisfaction_by_wave


def _responses(codes_by_wave: dict[str, list]) -> pd.DataFrame:
    rows = [(wave, code) for wave, codes in codes_by_wave.items() for code in codes]
    return pd.DataFrame({"wave": [w for w, _ in rows],
                         "sat": pd.array([c for _, c in rows], dtype="Int64")})


def test_percent_satisfied_excludes_dont_know_from_the_base():
    # 2024: codes 1,1,2,3,4,5,9,9 -> 3 satisfied of 6 valid = 50%; DK 2 of 8 = 25%;
    # dissatisfied (4, 5) 2 of 6 = 33.3%; net = 50 - 33.3 = 16.7
    table = satisfaction_by_wave(_responses({"2024": [1, 1, 2, 3, 4, 5, 9, 9]}), ["sat"], min_base=1)
    row = table.iloc[0]
    assert (row.n_answered, row.n_valid) == (8, 6)
    assert row.pct_satisfied == pytest.approx(50.0)
    assert row.pct_dissatisfied == pytest.approx(100 * 2 / 6)
    assert row.net_satisfied == pytest.approx(50.0 - 100 * 2 / 6)
    assert row.pct_dont_know == pytest.approx(25.0)


def test_four_point_items_count_the_bottom_two_codes_as_dissatisfied():
    # codes 1,2,3,4 on a 4-point scale: satisfied 1-2 (50%), dissatisfied 3-4 (50%)
    table = satisfaction_by_wave(_responses({"2024": [1, 2, 3, 4]}), ["sat"], min_base=1,
                                 scale_points={"sat": 4})
    assert table.iloc[0].pct_dissatisfied == pytest.approx(50.0)


def test_waves_not_asked_are_left_out_and_blank_answers_are_not_counted():
    table = satisfaction_by_wave(_responses({"2023": [pd.NA, pd.NA], "2024": [1, pd.NA, 5]}),
                                 ["sat"], min_base=1)
    assert table["wave"].tolist() == ["2024"]
    assert table.iloc[0].n_answered == 2


def test_small_bases_are_suppressed_and_low_bases_flagged():
    codes = {"small": [1] * 49, "low": [1] * 99, "fine": [1] * 100}
    table = satisfaction_by_wave(_responses(codes), ["sat"], min_base=50, low_base=100)
    by_wave = table.set_index("wave")
    assert math.isnan(by_wave.loc["small", "pct_satisfied"]) and by_wave.loc["small", "suppressed"]
    assert not by_wave.loc["small", "low_base"]  # suppressed, not merely low
    assert by_wave.loc["low", "low_base"] and not by_wave.loc["low", "suppressed"]
    assert not by_wave.loc["fine", "low_base"] and by_wave.loc["fine", "pct_satisfied"] == 100.0
