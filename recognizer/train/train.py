#!/usr/bin/python3
"""Trains intake's field recognizer: a small convolutional network with CTC output.

Input: folders written by `intake bench crops` (PNG crops of field writing and
labels.jsonl with the characters as written, the format and the font). The
crops are split BY FONT FAMILY with a fixed rule (sorted families, every 4th
from the second is held out, hand and typed families apart), so the held-out
figures are on handwriting styles the network never saw.

Output, in --out: field_recognizer.onnx (fixed input 1x1x32x320, output
1xCx1x80 logits, class 0 the CTC blank) and field_recognizer.json (alphabet,
input size, split, seed, figures). The C++ side (recognizer/recognizer.cc)
prepares a crop exactly as `prepare` below does.

One torch thread (torch.set_num_threads(1)) and a fixed seed for the
shuffling, augmentation and initial weights. The learning rate follows the
time budget (--minutes), so a rerun on a machine of another speed gives a
close, not bit-identical, model.

  scripts/install-training-deps.sh
  recognizer/train/make_data.sh build/intake /work/data
  OMP_NUM_THREADS=1 /usr/bin/python3 recognizer/train/train.py --crops /work/data/crops-train \
      --out recognizer/models --seed 7 --minutes 48 --epochs 60

Smoke mode (--max-steps 40, tests/recognizer_train_test.cc): a few dozen
steps on a handful of crops, the whole path through to the ONNX file and its
check against OpenCV, in CI time. The note then records the loss of the
first and last steps, to show the network learns.
"""
import argparse
import json
import math
import os
import random
import re
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HEIGHT, WIDTH = 32, 320
STEPS = WIDTH // 4
# Every character a field value is written with; class k+1 is ALPHABET[k], class 0 the CTC blank.
ALPHABET = ("0123456789"
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "abcdefghijklmnopqrstuvwxyz"
            "ÁÉÍÓÚÜÑáéíóúüñ"
            " /-().,@'&#:;+_")


# Font files whose stem does not read as their family's name.
FAMILY_NAMES = {"YOzRN_": "YOzFont"}


def family(stem):
    """Fonts of one design family are held out together (ComicNeue-Light with ComicNeue-Regular)."""
    stem = FAMILY_NAMES.get(stem, stem)
    return re.sub(r"(Sans|Serif|Mono|Condensed|-Regular|-Light|Build|Create|Learn|Mentor)", "", stem)


def split_fonts(labels):
    """The fixed rule: per fill (hand, typed), sorted families, every 4th from the second is held out."""
    held = set()
    for fill in ("hand", "typed"):
        families = sorted({family(l["font"]) for l in labels if l["fill"] == fill})
        held |= {f for i, f in enumerate(families) if i % 4 == 1}
    return held


def scaled(gray):
    """A crop (white ground, dark ink) HEIGHT high, the width scaled alike
    (squeezed when wider than WIDTH), ink 1 and ground 0."""
    h, w = gray.shape
    new_w = max(1, min(WIDTH, int(w * HEIGHT / h + 0.5)))
    small = cv2.resize(gray, (new_w, HEIGHT), interpolation=cv2.INTER_AREA)
    return (255.0 - small.astype(np.float32)) / 255.0


def prepare(gray):
    """A crop as the network sees it at run time: scaled, left-aligned on a WIDTH-wide ground."""
    canvas = np.zeros((HEIGHT, WIDTH), np.float32)
    small = scaled(gray)
    canvas[:, :small.shape[1]] = small
    return canvas


def batch_of(images):
    """Training batches are only as wide as their widest crop (plus ground, a multiple of 4):
    the network is convolutional, so this is what it sees on the full width, at a fraction of the cost."""
    width = min(WIDTH, (max(i.shape[1] for i in images) + 16 + 3) // 4 * 4)
    x = np.zeros((len(images), 1, HEIGHT, width), np.float32)
    for k, i in enumerate(images):
        x[k, 0, :, :min(width, i.shape[1])] = i[:, :width]
    return torch.from_numpy(x)


def augment(gray, rng):
    """Small changes a different pen, scanner or fax would make."""
    h, w = gray.shape
    # Margins: the crop's cut is not always as tight.
    top, bottom = rng.randint(0, 3), rng.randint(0, 3)
    left, right = rng.randint(0, 6), rng.randint(0, 6)
    gray = cv2.copyMakeBorder(gray, top, bottom, left, right, cv2.BORDER_CONSTANT, value=255)
    h, w = gray.shape
    # Width, slant and a slight tilt of the line.
    sx = rng.uniform(0.8, 1.2)
    shear = rng.uniform(-0.2, 0.2)
    tilt = rng.uniform(-0.015, 0.015)
    m = np.float32([[sx, shear, max(0.0, -shear * h)], [tilt, 1, max(0.0, -tilt * w * sx)]])
    out_w = int(w * sx + abs(shear) * h) + 1
    out_h = int(h + abs(tilt) * w * sx) + 1
    gray = cv2.warpAffine(gray, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=255)
    # Thickness.
    r = rng.random()
    if r < 0.2:
        gray = cv2.erode(gray, np.ones((2, 2), np.uint8))  # erode of white ground: thicker ink
    elif r < 0.35:
        gray = cv2.dilate(gray, np.ones((2, 2), np.uint8))
    # Blur and noise.
    if rng.random() < 0.3:
        gray = cv2.GaussianBlur(gray, (3, 3), rng.uniform(0.3, 1.0))
    if rng.random() < 0.3:
        noise = np.frombuffer(rng.randbytes(gray.size), np.uint8).reshape(gray.shape)
        gray = gray.copy()
        gray[noise < 4] = 0
        gray[noise > 250] = 255
    return gray


class Recognizer(nn.Module):
    def __init__(self, classes):
        super().__init__()

        def block(cin, cout, pool):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                    nn.MaxPool2d(pool, pool)]

        self.features = nn.Sequential(
            *block(1, 16, (2, 2)),     # 16 x 160
            *block(16, 32, (2, 2)),    # 8 x 80
            *block(32, 64, (2, 1)),    # 4 x 80
            *block(64, 96, (2, 1)),    # 2 x 80
            nn.Conv2d(96, 128, (2, 3), padding=(0, 1), bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
            nn.Conv2d(128, 128, (1, 3), padding=(0, 1), bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
            nn.Conv2d(128, 128, (1, 3), padding=(0, 1), bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
            nn.Dropout(0.1),
            nn.Conv2d(128, classes, 1))

    def forward(self, x):  # N x 1 x 32 x 320 -> N x C x 1 x 80 logits
        return self.features(x)


def greedy(logits):
    """Best path: classes per step, repeats merged, blanks dropped."""
    out, prev = [], 0
    for k in logits.argmax(0):
        if k != prev and k != 0:
            out.append(ALPHABET[k - 1])
        prev = k
    return "".join(out)


def load(folders, max_len):
    items = []
    for folder in folders:
        with open(os.path.join(folder, "labels.jsonl"), encoding="utf-8") as f:
            for line in f:
                label = json.loads(line)
                value = label["value"]
                if not value or len(value) > max_len or any(c not in ALPHABET for c in value):
                    continue
                gray = cv2.imread(os.path.join(folder, label["png"]), cv2.IMREAD_GRAYSCALE)
                if gray is None or gray.shape[0] < 4:
                    continue
                label["image"] = gray
                items.append(label)
    return items


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crops", action="append", required=True, help="folder from `intake bench crops` (repeat)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--minutes", type=float, default=40, help="training time budget")
    parser.add_argument("--epochs", type=int, default=30, help="at most this many epochs")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: no limit; smoke mode)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    np.random.seed(args.seed)
    started = time.time()

    items = load(args.crops, STEPS // 2)
    held_families = split_fonts(items)
    train = [i for i in items if family(i["font"]) not in held_families]
    test = [i for i in items if family(i["font"]) in held_families]
    print(f"{len(items)} crops: {len(train)} to train on, {len(test)} held out (families {sorted(held_families)})",
          flush=True)

    model = Recognizer(len(ALPHABET) + 1)
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    budget = args.minutes * 60
    step, epoch_done = 0, 0
    step_losses = []
    # The schedule runs on time: lr follows a cosine from 2e-3 down over the budget.
    for item in train:
        item["width"] = min(WIDTH, item["image"].shape[1] * HEIGHT / item["image"].shape[0])
    for epoch in range(args.epochs):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        # Crops of like width batched together, batches in random order.
        batches = []
        for start in range(0, len(order), 64 * args.batch):
            chunk = sorted(order[start:start + 64 * args.batch], key=lambda i: train[i]["width"])
            batches += [chunk[k:k + args.batch] for k in range(0, len(chunk), args.batch)]
        rng.shuffle(batches)
        total, seen = 0.0, 0
        for b in range(len(batches)):
            elapsed = time.time() - started
            if elapsed > budget or (args.max_steps and step >= args.max_steps):
                break
            for group in optimizer.param_groups:
                group["lr"] = 2e-3 * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / budget))))
            batch = [train[i] for i in batches[b]]
            x = batch_of([scaled(augment(i["image"], rng)) for i in batch])
            targets = [torch.tensor([ALPHABET.index(c) + 1 for c in i["value"]]) for i in batch]
            logits = model(x)[:, :, 0, :]                          # N x C x T
            log_probs = F.log_softmax(logits, 1).permute(2, 0, 1)   # T x N x C
            loss = ctc(log_probs, torch.cat(targets), torch.full((len(batch),), log_probs.shape[0], dtype=torch.long),
                       torch.tensor([len(t) for t in targets]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step_losses.append(loss.item())
            total += loss.item() * len(batch)
            seen += len(batch)
            step += 1
            if step % 200 == 0:
                print(f"epoch {epoch + 1} step {step} loss {total / seen:.3f} {time.time() - started:.0f} s", flush=True)
        if seen:
            epoch_done = epoch + 1
        print(f"epoch {epoch + 1}: loss {total / max(1, seen):.3f}, {time.time() - started:.0f} s", flush=True)
        if time.time() - started > budget or (args.max_steps and step >= args.max_steps):
            break

    model.eval()
    per_format = {}
    with torch.no_grad():
        for start in range(0, len(test), 64):
            chunk = test[start:start + 64]
            x = torch.from_numpy(np.stack([prepare(i["image"]) for i in chunk]))[:, None]
            logits = model(x)[:, :, 0, :].numpy()
            for item, l in zip(chunk, logits):
                right, n = per_format.get(item["format"], (0, 0))
                per_format[item["format"]] = (right + (greedy(l) == item["value"]), n + 1)
    for fmt, (right, n) in sorted(per_format.items()):
        print(f"held out {fmt:9s} {right / n:6.1%} exact (greedy) of {n}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "field_recognizer.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, HEIGHT, WIDTH), onnx_path, opset_version=11,
                      input_names=["crop"], output_names=["logits"], do_constant_folding=True)
    # OpenCV's dnn (the C++ runtime's library) must load it and agree with torch.
    sample = (test or train)[:16]
    x = np.stack([prepare(i["image"]) for i in sample])[:, None]
    with torch.no_grad():
        reference = model(torch.from_numpy(x)).numpy()
    net = cv2.dnn.readNetFromONNX(onnx_path)
    opencv_diff = 0.0
    for k in range(len(sample)):
        net.setInput(x[k:k + 1])
        opencv_diff = max(opencv_diff, float(np.abs(net.forward() - reference[k:k + 1]).max()))
    print(f"OpenCV dnn vs torch: max |logit difference| {opencv_diff:.2e} on {len(sample)} crops", flush=True)
    note = {
        "input": {"height": HEIGHT, "width": WIDTH, "steps": STEPS},
        "alphabet": ALPHABET,
        "seed": args.seed,
        "epochs": epoch_done,
        "train_seconds": round(time.time() - started),
        "train_crops": len(train),
        "held_out_crops": len(test),
        "held_out_families": sorted(held_families),
        "train_fonts": sorted({i["font"] for i in train}),
        "held_out_fonts": sorted({i["font"] for i in test}),
        "held_out_greedy_exact": {k: round(r / n, 4) for k, (r, n) in sorted(per_format.items())},
        "opencv_max_abs_logit_diff": opencv_diff,
        "steps": step,
        "loss_first_steps": round(float(np.mean(step_losses[:5])), 4) if step_losses else None,
        "loss_last_steps": round(float(np.mean(step_losses[-5:])), 4) if step_losses else None,
    }
    with open(os.path.join(args.out, "field_recognizer.json"), "w", encoding="utf-8") as f:
        json.dump(note, f, ensure_ascii=False, indent=1)
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
