#!/usr/bin/env python3
"""Fits and checks the confidence of extract/reading.cc's DecideWriting.

    field_evidence CROPS_DIR evidence.jsonl
    fit_confidence.py evidence.jsonl HELD_OUT_FONTS...

Replays the decision exactly as ReadWriting makes it on every crop (one
Tesseract reading and the recognizer's beam), computes the same evidence
features as DecideWriting, fits a logistic
model of "the value is right" on half of the held-out crops (fonts the
recognizer never saw; split by document) and prints the reliability table on
the other half, with accuracy per format and fill. A second model, Tesseract's readings
alone, is fitted the same way on all crops with the recognizer taken out:
multi-line fields, which the recognizer does not read, use it. Prints the
constants as confidence.cc declares them. Needs numpy (Debian's python3-numpy).
"""
import json
import math
import sys
import zlib

import numpy as np

STRICT = {"date", "mrn", "zip", "phone", "state"}
CHECKED_RANK = {"failed": 0, "repaired": 1, "implausible": 2, "passed": 3, "none": 3}
FAILED_CONFIDENCE = 0.02  # confidence.cc's kFailedConfidence
MAX_CONFIDENCE = 0.99     # confidence.cc's kMaxTextConfidence
SURE_SHARE = 0.97         # reading.cc's kSureShare
WORDS_MARGIN = 1.0        # reading.cc's kWordsMargin
IN_WORDS = {"name", "city", "street", "text", "relationship"}  # reading.cc's ReadInWords


def accepted(reading):
    return reading["check"] in ("passed", "none")


def recognizer_pick(rec, words=None):
    """The reading in words when about as probable as the free one, else the first beam candidate the
    grammar accepts."""
    if not rec:
        return None
    if words and accepted(words) and words["value"] and words["log_prob"] is not None and \
            words["log_prob"] >= rec[0]["log_prob"] - WORDS_MARGIN:
        return {"value": words["value"], "check": words["check"]}
    total = -math.inf
    for c in rec:
        total = np.logaddexp(total, c["log_prob"])
    for c in rec:
        if accepted(c) and c["value"]:
            return {"value": c["value"], "check": c["check"], "log_share": c["log_prob"] - total,
                    "log_prob": c["log_prob"]}
    return None


def known(value, ev):
    """Whether field_evidence found every word of `value` in the lexicon (on some reading giving it)."""
    readings = ev["tesseract"] + ev["recognizer"] + ([ev["words"]] if ev.get("words") else [])
    return any(r.get("known", False) for r in readings if r["value"] == value)


def beam_share(rec, value):
    """The share of the beam's probability on readings that mean `value`."""
    if not rec:
        return 0.0
    total = -math.inf
    for c in rec:
        total = np.logaddexp(total, c["log_prob"])
    return float(sum(math.exp(c["log_prob"] - total) for c in rec if c["value"] == value))


def decide(ev, reads):
    """Mirror of DecideWriting: the chosen value and its features."""
    tess = [t for t in ev["tesseract"][:reads] if t["text"]]
    pick = recognizer_pick(ev["recognizer"], ev.get("words"))
    in_words = ev["format"] in IN_WORDS
    values = {}
    for i, t in enumerate(tess):
        v = values.setdefault(t["value"], {"check": t["check"], "support": 0, "ocr": 0.0, "first": i,
                                           "known": in_words and t["known"]})
        v["support"] += 1
        v["ocr"] = max(v["ocr"], t["confidence"])
        if CHECKED_RANK[t["check"]] > CHECKED_RANK[v["check"]]:
            v["check"] = t["check"]
    if pick:
        v = values.setdefault(pick["value"], {"check": pick["check"], "support": 0, "ocr": 0.0, "first": 9})
        v["recognizer"] = True
        v["known"] = in_words and known(pick["value"], ev)
    if not values:
        return None
    def key(item):
        value, v = item
        # On a tie of a strict format the recognizer's reading wins: it is the better reader of digits.
        rec_first = ev["format"] in STRICT and v.get("recognizer", False)
        return (CHECKED_RANK[v["check"]], v["known"], v["support"] + (1 if v.get("recognizer") else 0), rec_first,
                -v["first"])
    value, v = max(values.items(), key=key)
    fmt = ev["format"]
    features = {
        "strict": float(v["check"] == "passed" and fmt in STRICT),
        "loose": float(v["check"] == "passed" and fmt not in STRICT),
        "repaired": float(v["check"] == "repaired"),
        "implausible": float(v["check"] == "implausible"),
        "ocr": v["ocr"],
        "tess_agree": float(v["support"]),
        "tess_disagree": float(len(tess) - v["support"]),
        "rec_agree": float(v.get("recognizer", False)),
        "rec_share": beam_share(ev["recognizer"], value),
        "unchecked": float(v["check"] == "none"),
        "strict_unconfirmed": float(v["check"] == "passed" and fmt in STRICT and not v.get("recognizer", False)),
        "rec_alone": float(reads == 0),
        "known": float(v["known"]),
        "bare_initial": float(fmt == "name" and any(len(w) == 1 and w.isalpha() for w in value.split())),
    }
    confirmed = v.get("recognizer", False) and accepted(v) and (
        reads == 0 or (v["support"] > 0 and v["support"] == len(tess)))
    return {"value": value, "check": v["check"], "confirmed": confirmed, "features": features}


def replay(ev):
    """ReadWriting: the recognizer first, and for a strict format it is sure of, nothing more; then one
    Tesseract reading, and a second for letters when the two engines are not agreed on a value the
    grammar accepts. Three Tesseract readings when the recognizer does not read the field."""
    if not ev["recognizer_read"]:
        return decide(ev, 3), 3
    alone = decide(ev, 0)
    strict = ev["format"] in STRICT
    if strict and alone is not None and alone["confirmed"] and alone["features"]["rec_share"] >= SURE_SHARE:
        return alone, 0
    one = decide(ev, 1)
    if strict or (one is not None and one["confirmed"]):
        return one, 1
    return decide(ev, 2), 2


NAMES = ["strict", "loose", "unchecked", "repaired", "implausible", "ocr", "tess_agree", "tess_disagree",
         "rec_agree", "rec_share", "strict_unconfirmed", "bare_initial", "rec_alone", "known"]
TESSERACT_NAMES = [n for n in NAMES if not n.startswith("rec_") and n != "strict_unconfirmed"]


def fit(x, y, l2=1e-2, steps=50):
    w = np.zeros(x.shape[1] + 1)
    xb = np.hstack([np.ones((len(x), 1)), x])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        g = xb.T @ (p - y) + l2 * w
        h = (xb * (p * (1 - p))[:, None]).T @ xb + l2 * np.eye(len(w))
        w -= np.linalg.solve(h, g)
    return w


def table(conf, right, label):
    edges = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.01]
    print(f"\n{label}\n| confidence | fields | mean confidence | observed right |\n|---|---:|---:|---:|")
    for lo, hi in zip(edges, edges[1:]):
        m = (conf >= lo) & (conf < hi)
        if m.sum():
            print(f"| {lo:.2f}-{min(hi, 1):.2f} | {m.sum()} | {conf[m].mean():.3f} | {right[m].mean():.1%} |")


def model(data, names, label, constant):
    """Fits on the even half of `data` by document, judges on the odd half; returns a confidence function."""
    usable = [d for d in data if d[1] is not None]
    # A value its format rejects gets FAILED_CONFIDENCE, as confidence.cc does: not fitted.
    fitted = [d for d in usable if d[1]["check"] != "failed"]
    half = lambda d: zlib.crc32(d[0]["png"].split("-")[0].encode()) % 2
    x = lambda ds: np.array([[d[1]["features"][n] for n in names] for d in ds]).reshape(len(ds), len(names))
    y = lambda ds: np.array([float(d[3]) for d in ds])
    w = fit(x([d for d in fitted if half(d) == 0]), y([d for d in fitted if half(d) == 0]))
    print(f"\n## {label}: fitted on {sum(half(d) == 0 for d in fitted)} crops\n")
    weights = dict(zip(["bias"] + names, w))
    fields = ", ".join(f".{n} = {weights.get(n, 0.0):.3f}" for n in ["bias"] + NAMES)
    print(f"constexpr TextModel {constant} = {{{fields}}};")

    def conf(ds):
        z = np.hstack([np.ones((len(ds), 1)), x(ds)]) @ w
        c = np.minimum(1 / (1 + np.exp(-z)), MAX_CONFIDENCE)
        failed = np.array([d[1]["check"] == "failed" for d in ds])
        return np.where(failed, FAILED_CONFIDENCE, c)
    judged = [d for d in usable if half(d) == 1]
    table(conf(judged), y(judged), f"{label}: judged on the other half ({len(judged)} crops)")
    return conf, y


def load(path, strip_recognizer=False):
    data = []
    for line in open(path):
        ev = json.loads(line)
        # JSON has no -inf: an impossible reading's log probability is written null.
        ev["recognizer"] = [] if strip_recognizer else [c for c in ev["recognizer"] if c["log_prob"] is not None]
        ev["recognizer_read"] = not strip_recognizer and ev.get("recognizer_read", bool(ev["recognizer"]))
        decision, reads = replay(ev)
        data.append((ev, decision, reads, decision is not None and decision["value"] == ev["truth"]))
    return data


def main():
    path, held_out = sys.argv[1], set(sys.argv[2:])
    data = load(path)
    alone = load(path, strip_recognizer=True)
    held = [d for d in data if d[0]["font"] in held_out]
    conf, y = model(held, NAMES, "Both engines, fonts the recognizer never saw", "kBothEngines")
    others = [d for d in data if d[0]["font"] not in held_out and d[1] is not None]
    if others:
        table(conf(others), y(others), "Both engines, fonts the recognizer trained on (same constants)")
    model(alone, TESSERACT_NAMES, "Tesseract alone (multi-line fields), all fonts", "kTesseractAlone")
    print("\n| format | fill | crops | right: both engines | right: Tesseract alone (3 readings) | Tesseract readings per field |")
    print("|---|---|---:|---:|---:|---:|")
    for subset, label in ((data, "all fonts"), (held, "held-out fonts")):
        groups = {}
        for (ev, decision, reads, right), (_, _, _, right_alone) in zip(data, alone):
            if subset is held and ev["font"] not in held_out:
                continue
            for key in ((ev["format"], ev["fill"]), ("all " + ev["fill"], label), ("all", label)):
                g = groups.setdefault(key, [0, 0, 0, 0])
                g[0] += 1
                g[1] += right
                g[2] += right_alone
                g[3] += reads
        for (fmt, fill), g in sorted(groups.items(), key=lambda kv: (kv[0][0].startswith("all"), kv[0])):
            if subset is held and not fmt.startswith("all"):
                continue
            print(f"| {fmt} | {fill} | {g[0]} | {g[1] / g[0]:.1%} | {g[2] / g[0]:.1%} | {g[3] / g[0]:.2f} |")


if __name__ == "__main__":
    main()
