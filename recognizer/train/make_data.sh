#!/usr/bin/env bash
# Regenerates the field recognizer's data (synthetic, outside the repository):
# a training corpus and a separate held-out corpus from `intake corpus`, and
# their field crops from `intake bench crops` (the held-out one also read by
# Tesseract, for the comparison). Then train, evaluate and calibrate:
#
#   recognizer/train/make_data.sh build/intake /work/data
#   OMP_NUM_THREADS=1 /usr/bin/python3 recognizer/train/train.py --crops /work/data/crops-train \
#       --out recognizer/models --seed 7 --minutes 48 --epochs 60
#   build/recognizer/recognizer_eval recognizer/models/field_recognizer.onnx /work/data/crops-test /work/data/cal.csv
#   /usr/bin/python3 recognizer/train/calibrate.py /work/data/cal.csv recognizer/models/field_recognizer.json
set -euo pipefail
intake=${1:?usage: make_data.sh PATH/TO/intake DATA_DIR [TRAIN_DOCS] [TEST_DOCS]}
data=${2:?usage: make_data.sh PATH/TO/intake DATA_DIR [TRAIN_DOCS] [TEST_DOCS]}
train_docs=${3:-1500}
test_docs=${4:-500}
export OMP_THREAD_LIMIT=1
mix=hand=0.8,typed=0.2,efill=0
"$intake" corpus --out "$data/corpus-train" --count "$train_docs" --seed 101 --mix "$mix"
"$intake" bench crops "$data/corpus-train" --out "$data/crops-train" --threads 2
"$intake" corpus --out "$data/corpus-test" --count "$test_docs" --seed 202 --mix "$mix"
"$intake" bench crops "$data/corpus-test" --out "$data/crops-test" --threads 2 --tesseract
