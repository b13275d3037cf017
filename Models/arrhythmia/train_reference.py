"""Trains the DESIGN §11 reference arrhythmia model on MIT-BIH DS1 and writes

    rr_normalization.json  mean and deviation that standardize the 4 RR features
    reference.onnx     the float model (tf2onnx, opset 17), inputs beat [N,256,1], rr [N,4]
    calibration.npz    input_0 [n,256,1], input_1 [n,4], labels [n] (training beats)
    validation.npz     input_0, input_1, labels, onnx_probabilities (held-out records)

Run from this directory with the pinned environment (requirements.txt):

    python train_reference.py [--datasets ../../../shared/datasets/mitdb-ds1]

Pipeline: lead 0 (MLII), 360 → 256 Hz (resample_poly 32/45), 0.5–40 Hz band-pass
(2nd-order Butterworth, zero-phase), beat windows of 256 samples with the annotated R
peak at index 90, four RR features normalized to the patient's running rhythm, AAMI
classes N S V F Q with the de Chazal (2004) mapping of DESIGN §5. Leave-records-out:
the HELD_OUT records never reach training or calibration. This model is a fixture for
quantization (float vs int8 agreement), not a tuned classifier.
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import scipy.signal
import wfdb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from design_model import design_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DS1 = ["101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122",
       "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230"]
HELD_OUT = ["106", "119", "209", "215", "223"]
CLASSES = ["N", "S", "V", "F", "Q"]
# de Chazal 2004 (DESIGN §5): N = N L R e j; S = A a J S; V = V E; F = F; Q = / f Q.
AAMI = {**{s: 0 for s in "NLRej"}, **{s: 1 for s in "AaJS"}, **{s: 2 for s in "VE"},
        "F": 3, **{s: 4 for s in "/fQ"}}
ALL_BEATS = set("NLRBAaJSVrFejnE/fQ?")
FS_IN, FS = 360, 256
WINDOW, R_INDEX = 256, 90
SEED = 20240607


def record_beats(path):
    """Beat windows [n,256], RR features [n,4] and AAMI labels [n] of one record."""
    rec = wfdb.rdrecord(path)
    ann = wfdb.rdann(path, "atr")
    x = scipy.signal.resample_poly(rec.p_signal[:, 0], 32, 45)
    sos = scipy.signal.butter(2, [0.5, 40.0], btype="bandpass", fs=FS, output="sos")
    x = scipy.signal.sosfiltfilt(sos, x).astype(np.float32)
    beats = [(int(round(s * FS / FS_IN)), sym) for s, sym in zip(ann.sample, ann.symbol) if sym in ALL_BEATS]
    r = np.array([b[0] for b in beats], dtype=np.float64)
    rr = np.diff(r) / FS  # seconds
    windows, feats, labels = [], [], []
    for i in range(1, len(beats) - 1):
        pos, sym = beats[i]
        if sym not in AAMI or pos - R_INDEX < 0 or pos - R_INDEX + WINDOW > len(x):
            continue
        pre, post = rr[i - 1], rr[i]
        local = rr[max(0, i - 10):i].mean()  # the 10 intervals before this beat
        feats.append([pre / local, post / local, pre / post, local])
        w = x[pos - R_INDEX:pos - R_INDEX + WINDOW]
        windows.append(w - np.median(w))
        labels.append(AAMI[sym])
    return np.array(windows, np.float32), np.array(feats, np.float32), np.array(labels, np.int32)


def load(records, root):
    parts = [record_beats(os.path.join(root, r)) for r in records]
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def build_model(keras):
    return design_model(keras, window=WINDOW)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default=os.path.join(HERE, "..", "..", "..", "shared", "datasets", "mitdb-ds1"))
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--calibration", type=int, default=300)
    parser.add_argument("--validation", type=int, default=2000)
    args = parser.parse_args()

    import keras
    import tensorflow as tf
    import tf2onnx
    import onnxruntime as ort

    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    train = [r for r in DS1 if r not in HELD_OUT]
    xb, xr, y = load(train, args.datasets)
    vb, vr, vy = load(HELD_OUT, args.datasets)
    # Standardize the RR features with the training set's mean and deviation. Besides
    # helping training, this matters for int8: Concatenate shares one scale between
    # the RR features and the pooled conv features (range ~10); raw ratios near 1
    # would keep only a few int8 levels there. The constants go to rr_normalization.json.
    mean, std = xr.mean(0), xr.std(0) + 1e-6
    xr, vr = ((xr - mean) / std).astype(np.float32), ((vr - mean) / std).astype(np.float32)
    import json
    with open(os.path.join(HERE, "rr_normalization.json"), "w") as f:
        json.dump({"features": ["pre/local", "post/local", "pre/post", "local_s"],
                   "mean": [float(m) for m in mean], "std": [float(s) for s in std]}, f, indent=1)
    print("train beats per class", np.bincount(y, minlength=5), "held-out", np.bincount(vy, minlength=5))

    counts = np.bincount(y, minlength=5).astype(np.float64)
    # Balanced class weights, capped so that the few F and Q beats do not dominate.
    weights = {c: float(min(30.0, counts.sum() / (5 * max(counts[c], 1.0)))) for c in range(5)}
    model = build_model(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit([xb[..., None], xr], y, batch_size=128, epochs=args.epochs, class_weight=weights, verbose=2,
              shuffle=True)

    specs = (tf.TensorSpec((None, WINDOW, 1), tf.float32, name="beat"), tf.TensorSpec((None, 4), tf.float32, name="rr"))
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=specs, opset=17)
    onnx_path = os.path.join(HERE, "reference.onnx")
    with open(onnx_path, "wb") as f:
        f.write(proto.SerializeToString())

    # Calibration: random training beats, stratified so every class that exists shows.
    cal = []
    for c in range(5):
        idx = np.flatnonzero(y == c)
        take = min(len(idx), max(10, int(args.calibration * counts[c] / counts.sum())))
        cal.extend(rng.choice(idx, take, replace=False))
    cal = np.array(sorted(cal[:args.calibration] if len(cal) > args.calibration else cal))
    np.savez(os.path.join(HERE, "calibration.npz"), input_0=xb[cal][..., None], input_1=xr[cal], labels=y[cal])

    # Validation: every minority beat of the held-out records (up to 300 per class), the rest N.
    val = []
    for c in range(1, 5):
        idx = np.flatnonzero(vy == c)
        val.extend(rng.choice(idx, min(len(idx), 300), replace=False))
    n_idx = np.flatnonzero(vy == 0)
    val.extend(rng.choice(n_idx, min(len(n_idx), args.validation - len(val)), replace=False))
    val = np.array(sorted(val))
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    probs = session.run(None, {"beat": vb[val][..., None], "rr": vr[val]})[0].astype(np.float32)
    np.savez(os.path.join(HERE, "validation.npz"), input_0=vb[val][..., None], input_1=vr[val], labels=vy[val],
             onnx_probabilities=probs)
    pred = probs.argmax(1)
    for c in range(5):
        m = vy[val] == c
        if m.any():
            print(f"held-out {CLASSES[c]}: {m.sum()} beats, ONNX Runtime accuracy {np.mean(pred[m] == c):.3f}")
    print("overall held-out accuracy (subsample)", float(np.mean(pred == vy[val])))


if __name__ == "__main__":
    main()
