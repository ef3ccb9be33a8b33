#!/usr/bin/env bash
# Installs what recognizer/train/train.py needs to train the field recognizer,
# from Debian 12's own packages. Only needed to retrain: building, testing and
# running intake never need it (the trained model ships as ONNX and runs through
# OpenCV's dnn module). Safe to run again.
set -euo pipefail

packages=(python3 python3-torch python3-numpy python3-opencv)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-training-deps: all ${#packages[@]} packages present"
