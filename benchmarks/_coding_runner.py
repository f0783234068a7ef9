"""Run one sentiment peer on texts handed over by benchmarks/coding.py, in the peer's own venv.

Usage: python _coding_runner.py PEER TEXTS_JSON OUT_JSON REPEATS

Reads a JSON list of texts, labels each with the peer's own documented rule, and writes the
labels and the best time of REPEATS timed passes (after one untimed warm-up pass):

* vaderSentiment: compound score of ``polarity_scores`` ≥ 0.05 positive, ≤ −0.05 negative,
  else neutral (the thresholds of Hutto & Gilbert, 2014, and of the evaluation set's labels).
* textblob: ``TextBlob(text).sentiment.polarity`` > 0 positive, < 0 negative, else neutral
  (its default PatternAnalyzer; polarity is exactly 0 when no word is known).
"""

import json
import sys
import time


def vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def label(text):
        compound = analyzer.polarity_scores(text)["compound"]
        return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
    return label


def textblob():
    from textblob import TextBlob

    def label(text):
        polarity = TextBlob(text).sentiment.polarity
        return "positive" if polarity > 0 else "negative" if polarity < 0 else "neutral"
    return label


def main():
    peer, texts_path, out_path, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    texts = json.load(open(texts_path, encoding="utf-8"))
    label = {"vaderSentiment": vader, "textblob": textblob}[peer]()
    labels = [label(t) for t in texts]  # warm-up, and the labels reported
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            label(text)
        best = min(best, time.perf_counter() - start)
    json.dump({"labels": labels, "seconds": best}, open(out_path, "w", encoding="utf-8"))


if __name__ == "__main__":
    main()
