"""The "## Comments" section of SCENARIO.md, computed from the generated tables."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import cohen_kappa_score

from ._ashbrook import FINANCIAL_YEAR_START_MONTH

__all__ = ["comments_scenario", "markdown_table", "period_label"]

_STANCES = ["negative", "positive", "neutral", "mixed"]


def period_label(dates: pd.Series) -> pd.Series:
    """Financial-quarter labels (``2025-26 Q2``) of ISO dates.

    >>> period_label(pd.Series(["2025-09-30", "2025-01-15"])).tolist()
    ['2025-26 Q2', '2024-25 Q4']
    """
    stamps = pd.to_datetime(dates)
    months_in = (stamps.dt.month - FINANCIAL_YEAR_START_MONTH) % 12
    start_year = stamps.dt.year - (stamps.dt.month < FINANCIAL_YEAR_START_MONTH).astype(int)
    return (start_year.astype(str) + "-" + ((start_year + 1) % 100).astype(str).str.zfill(2)
            + " Q" + (months_in // 3 + 1).astype(str))


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (index dropped).

    >>> print(markdown_table(pd.DataFrame({"a": [1], "b": ["x"]})))
    | a | b |
    |---|---|
    | 1 | x |
    """
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def comments_scenario(comments: pd.DataFrame, coded: pd.DataFrame, *, latest_periods: list[str],
                      hotspot_wards: list[str], new_rounds_start: str) -> str:
    """Describe the comments and their planted signals; every number comes from the tables."""
    frame = comments.copy()
    frame["period"] = period_label(frame["date"])
    frame["words"] = frame["text"].str.split().str.len()
    latest = frame[frame["period"].isin(latest_periods)]
    window = f"{latest_periods[0]} to {latest_periods[-1]}"
    parts = [
        "## Comments\n",
        f"`comments.csv` holds {len(frame):,} comments ({frame['text'].nunique():,} distinct texts) "
        f"dated {frame['date'].min()} to {frame['date'].max()}; `hand_coded.csv` holds "
        f"{len(coded):,} codings of {coded['comment_id'].nunique():,} comments by "
        f"{coded['coder'].nunique()} coders. Gold labels (`themes`, `theme_stances`, `sentiment`, "
        "`stance`, `evidence_rich`, `contains_pii`, `pii_types`, `campaign_group`) follow from "
        "how each text was composed.\n",
        "### Sources\n", markdown_table(_sources(frame)) + "\n",
        "### Services\n",
        f"Comments per service, all dates and in the four quarters {window} "
        "(blank `service_id` = cross-cutting or special codes).\n",
        markdown_table(_services(frame, latest)) + "\n",
        "### Sentiment\n", markdown_table(_shares(frame, "sentiment")) + "\n",
        "### Length and form\n", markdown_table(_lengths(frame)) + "\n",
        markdown_table(_form(frame)) + "\n",
        "### Personal data\n",
        f"{int((frame['contains_pii'] == 'true').sum())} comments contain fake personal data "
        "(for redaction tests); by type:\n",
        markdown_table(_pii(frame)) + "\n",
        "### Campaigns\n", markdown_table(_campaigns(frame)) + "\n",
        f"### Planted signals ({window})\n",
        _signal_summary(frame, latest, hotspot_wards, new_rounds_start) + "\n",
        "Mentions of each code (from `theme_stances`) by stance, and the share of the service's "
        "comments that mention it (domain.md §5 rule 14: a top issue is ≥ 10% of a service's "
        "comments with ≥ 60% of mentions negative).\n",
        markdown_table(_theme_mentions(latest)) + "\n",
        _hotspots(latest, hotspot_wards) + "\n",
        f"Waste and recycling by quarter (new collection rounds from {new_rounds_start}):\n",
        markdown_table(_waste_surge(frame)) + "\n",
        "Council tax (X1) in the budget consultations:\n",
        markdown_table(_budget(frame)) + "\n",
        "### Hand coding\n",
        "Agreement on sentiment (Cohen's kappa from `sklearn.metrics.cohen_kappa_score`) and on "
        "the exact set of themes.\n",
        markdown_table(_agreement(comments, coded)) + "\n",
    ]
    return "\n".join(parts)


def _sources(frame: pd.DataFrame) -> pd.DataFrame:
    table = (frame.groupby("source", sort=True)
             .agg(comments=("comment_id", "size"), first=("date", "min"), last=("date", "max"),
                  consultations=("consultation_id", lambda s: ", ".join(sorted(s.dropna().unique())))))
    table["share_pct"] = (100 * table["comments"] / len(frame)).round(1)
    return table.reset_index()[["source", "comments", "share_pct", "consultations", "first", "last"]]


def _services(frame: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    key = frame["service_id"].fillna("(blank)")
    table = pd.DataFrame({"comments": key.value_counts(sort=False)})
    table["latest_four_quarters"] = latest["service_id"].fillna("(blank)").value_counts(sort=False)
    table = table.fillna(0).astype(int).sort_index()
    return table.rename_axis("service_id").reset_index()


def _shares(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    counts = frame[column].value_counts().reindex(_STANCES).fillna(0).astype(int)
    return pd.DataFrame({column: counts.index, "comments": counts.values,
                         "share_pct": (100 * counts.values / len(frame)).round(1)})


def _lengths(frame: pd.DataFrame) -> pd.DataFrame:
    quantiles = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
    values = frame["words"].quantile(quantiles).round(1)
    return pd.DataFrame({"words": ["min", "10%", "25%", "median", "75%", "90%", "max"],
                         "value": values.values})


def _form(frame: pd.DataFrame) -> pd.DataFrame:
    themes = frame["themes"].str.split(";")
    facts = {
        "comments with one / two / three codes": " / ".join(
            str(int((themes.str.len() == n).sum())) for n in (1, 2, 3)),
        "empty answers (Z2)": int((frame["themes"] == "Z2").sum()),
        "off-frame comments (Z1)": int((frame["themes"] == "Z1").sum()),
        "evidence-rich comments": int((frame["evidence_rich"] == "true").sum()),
        "consultation stance agree / disagree / unclear": " / ".join(
            str(int((frame["stance"] == s).sum())) for s in ("agree", "disagree", "unclear")),
        "blank ward_code": int(frame["ward_code"].isna().sum()),
        "blank age_band / sex / ethnic_group / disability": " / ".join(
            str(int(frame[c].isna().sum())) for c in ("age_band", "sex", "ethnic_group", "disability")),
    }
    return pd.DataFrame({"measure": list(facts), "value": list(facts.values())})


def _pii(frame: pd.DataFrame) -> pd.DataFrame:
    types = frame["pii_types"].dropna().str.split(";").explode()
    counts = types.value_counts().sort_index()
    return pd.DataFrame({"pii_type": counts.index, "comments": counts.values})


def _campaigns(frame: pd.DataFrame) -> pd.DataFrame:
    campaign = frame.dropna(subset=["campaign_group"])
    table = campaign.groupby("campaign_group", sort=True).agg(
        comments=("comment_id", "size"), distinct_texts=("text", "nunique"),
        source=("source", "first"), service_id=("service_id", "first"),
        first=("date", "min"), last=("date", "max"))
    return table.reset_index()


def _theme_mentions(latest: pd.DataFrame) -> pd.DataFrame:
    pairs = latest[["comment_id", "service_id", "theme_stances"]].copy()
    pairs["service_id"] = pairs["service_id"].fillna("(blank)")
    pairs = pairs.assign(pair=pairs["theme_stances"].str.split(";")).explode("pair")
    pairs[["theme", "stance"]] = pairs["pair"].str.split(":", expand=True)
    table = pd.crosstab([pairs["service_id"], pairs["theme"]], pairs["stance"])
    table = table.reindex(columns=_STANCES, fill_value=0)
    table.insert(0, "mentions", table.sum(axis=1))
    per_service = latest["service_id"].fillna("(blank)").value_counts()
    services = table.index.get_level_values("service_id")
    table.insert(1, "pct_of_service_comments",
                 (100 * table["mentions"] / per_service.reindex(services).values).round(1))
    table["pct_negative"] = (100 * table["negative"] / table["mentions"]).round(1)
    return table.reset_index()


def _signal_summary(frame: pd.DataFrame, latest: pd.DataFrame, hotspot_wards: list[str],
                    new_rounds_start: str) -> str:
    """One computed bullet per planted signal."""
    def mentions(service_id: str | None, code: str, rows: pd.DataFrame = latest) -> str:
        subset = rows if service_id is None else rows[rows["service_id"] == service_id]
        pairs = subset["theme_stances"].str.split(";").explode()
        stances = pairs[pairs.str.startswith(code + ":")].str.split(":").str[1]
        negative = int((stances == "negative").sum())
        return f"{code} {len(stances)} mentions ({100 * negative / max(len(stances), 1):.0f}% negative)"

    street = latest[latest["service_id"] == "street_cleansing"]
    wards = street["ward_code"].dropna()
    parks = latest[latest["service_id"] == "parks"]
    libraries = latest[(latest["service_id"] == "libraries") & latest["campaign_group"].notna()]
    budget = frame[frame["source"] == "budget_consultation"]
    waste = frame[(frame["service_id"] == "waste_recycling") & (frame["source"] != "survey")]
    hits = waste["theme_stances"].str.contains("W1:negative|W2:negative", regex=True)
    start, first, last = (pd.Timestamp(d) for d in
                          (new_rounds_start, frame["date"].min(), frame["date"].max()))
    months_before = (start - first).days / 30.44
    months_after = (last - start).days / 30.44
    before = hits[waste["date"] < new_rounds_start].sum() / months_before
    after = hits[waste["date"] >= new_rounds_start].sum() / months_after
    raises_tax = budget["themes"].str.split(";").apply(lambda codes: "X1" in codes).mean()
    bullets = [
        f"Street cleansing: {len(street)} comments; {mentions('street_cleansing', 'S1')}, "
        f"{mentions('street_cleansing', 'S2')}; {100 * wards.isin(hotspot_wards).mean():.0f}% of "
        f"those with a ward come from {', '.join(hotspot_wards)}.",
        "Waste and recycling (every source but the survey, whose autumn fieldwork would swamp "
        "the trend): comments with a "
        f"negative W1 or W2 rose from {before:.1f} a month before {new_rounds_start} to "
        f"{after:.1f} a month since; in the window {mentions('waste_recycling', 'W1')}, "
        f"{mentions('waste_recycling', 'W2')}.",
        f"Libraries: {mentions('libraries', 'L1')}, {mentions('libraries', 'L3')}, of which "
        f"{len(libraries)} are campaign copies ({', '.join(sorted(libraries['campaign_group'].unique()))}).",
        f"Parks: {int((parks['sentiment'] == 'positive').sum())} positive against "
        f"{int((parks['sentiment'] == 'negative').sum())} negative comments; "
        f"{mentions('parks', 'P1')}, {mentions('parks', 'P2')}.",
        f"Planning and customer services: {mentions('planning', 'PL1')}, "
        f"{mentions('customer_services', 'C1')}.",
        f"Budget consultations: {100 * raises_tax:.0f}% "
        f"of {len(budget)} comments raise council tax; {mentions(None, 'X1', budget)}.",
    ]
    return "\n".join(f"* {b}" for b in bullets) + "\n"


def _hotspots(latest: pd.DataFrame, hotspot_wards: list[str]) -> str:
    street = latest[(latest["service_id"] == "street_cleansing") & latest["ward_code"].notna()]
    in_hotspots = int(street["ward_code"].isin(hotspot_wards).sum())
    return (f"Street cleansing comments with a ward: {in_hotspots} of {len(street)} "
            f"({100 * in_hotspots / len(street):.1f}%) come from the hotspot wards "
            f"{', '.join(hotspot_wards)} (2 of 20 wards).")


def _waste_surge(frame: pd.DataFrame) -> pd.DataFrame:
    waste = frame[frame["service_id"] == "waste_recycling"]
    stances = waste["theme_stances"].str.split(";")
    table = pd.DataFrame({
        "period": waste["period"],
        "waste_comments": 1,
        "W1_negative": stances.apply(lambda s: "W1:negative" in s).astype(int),
        "W2_negative": stances.apply(lambda s: "W2:negative" in s).astype(int),
        "negative_comments": (waste["sentiment"] == "negative").astype(int),
    })
    return table.groupby("period", sort=True).sum().reset_index()


def _budget(frame: pd.DataFrame) -> pd.DataFrame:
    budget = frame[frame["source"] == "budget_consultation"]
    stances = budget["theme_stances"].str.split(";")
    table = pd.DataFrame({
        "consultation_id": budget["consultation_id"],
        "comments": 1,
        "mention_X1": budget["themes"].str.split(";").apply(lambda s: "X1" in s).astype(int),
        "X1_negative": stances.apply(lambda s: "X1:negative" in s).astype(int),
        "agree": (budget["stance"] == "agree").astype(int),
        "disagree": (budget["stance"] == "disagree").astype(int),
        "unclear": (budget["stance"] == "unclear").astype(int),
    })
    return table.groupby("consultation_id", sort=True).sum().reset_index()


def _agreement(comments: pd.DataFrame, coded: pd.DataFrame) -> pd.DataFrame:
    gold = comments.set_index("comment_id")[["sentiment", "themes"]].assign(coder="gold")
    by_coder = {name: group.set_index("comment_id")[["sentiment", "themes"]]
                for name, group in coded.groupby("coder", sort=True)}
    coders = sorted(by_coder)
    pairs = [(c, "gold") for c in coders] + [(a, b) for i, a in enumerate(coders) for b in coders[i + 1:]]
    rows = []
    for left, right in pairs:
        x = by_coder[left]
        y = gold if right == "gold" else by_coder[right]
        joined = x.join(y, how="inner", suffixes=("_x", "_y"))
        same_themes = [set(a.split(";")) == set(b.split(";"))
                       for a, b in zip(joined["themes_x"], joined["themes_y"])]
        rows.append({
            "comparison": f"{left} vs {right}",
            "comments": len(joined),
            "sentiment_agreement_pct": round(
                100 * float((joined["sentiment_x"] == joined["sentiment_y"]).mean()), 1),
            "sentiment_kappa": round(float(cohen_kappa_score(joined["sentiment_x"].tolist(),
                                                             joined["sentiment_y"].tolist())), 3),
            "themes_identical_pct": round(100 * sum(same_themes) / len(joined), 1),
        })
    return pd.DataFrame(rows)
