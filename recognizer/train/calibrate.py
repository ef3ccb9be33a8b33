#!/usr/bin/python3
"""Fits the field recognizer's confidence and writes it into the model's note.

Input: the CSV `recognizer_eval MODEL CROPS CSV` writes for held-out fonts
(one row per crop: the chosen reading's log share of the beam, whether it
passed the format's grammar, its log probability, whether it was right).
A logistic model on those three is fitted on every other row and judged on
the rest (buckets of confidence against observed accuracy), then written to
field_recognizer.json as "calibration", which FieldRecognizer::Confidence uses.

  /usr/bin/python3 recognizer/train/calibrate.py calibration.csv recognizer/models/field_recognizer.json
"""
import csv
import json
import sys

import numpy as np


def features(rows):
    return np.array([[1.0, float(r["log_share"]), float(r["grammar"]), float(r["log_prob"])] for r in rows])


def fit(x, y, iterations=50, ridge=1e-3):
    """Logistic regression by Newton's method (a small ridge keeps it finite when a feature separates)."""
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + ridge * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + ridge * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fit_rows, judge_rows = rows[0::2], rows[1::2]
    w = fit(features(fit_rows), np.array([float(r["correct"]) for r in fit_rows]))
    confidence = 1 / (1 + np.exp(-features(judge_rows) @ w))
    right = np.array([float(r["correct"]) for r in judge_rows])
    edges = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0001]
    buckets = []
    print("| our confidence | crops | mean confidence | observed exact |\n|---|---:|---:|---:|")
    for low, high in zip(edges, edges[1:]):
        inside = (confidence >= low) & (confidence < high)
        if inside.sum() == 0:
            continue
        buckets.append({"from": low, "to": min(high, 1.0), "crops": int(inside.sum()),
                        "mean_confidence": round(float(confidence[inside].mean()), 3),
                        "observed": round(float(right[inside].mean()), 3)})
        print(f"| {low:.2f}-{min(high, 1.0):.2f} | {inside.sum()} | {confidence[inside].mean():.3f} | "
              f"{right[inside].mean():.1%} |")
    with open(sys.argv[2], encoding="utf-8") as f:
        note = json.load(f)
    note["calibration"] = {"bias": float(w[0]), "log_share": float(w[1]), "grammar": float(w[2]),
                           "log_prob": float(w[3]), "fitted_on": len(fit_rows), "judged_on": len(judge_rows),
                           "buckets": buckets}
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(note, f, ensure_ascii=False, indent=1)
    print(f"calibration written to {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
