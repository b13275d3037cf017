"""Trains two small recurrent arrhythmia models on MIT-BIH DS1 and writes

    gru.keras    beat [N,256,1] → Conv1D 8 → MaxPool 4 → GRU 16  ⊕ rr [N,4] → Dense 32 → Dense 5
    lstm.keras   the same with LSTM 16 in place of the GRU

They measure how the int8 quantizer's float island around GRU and LSTM (README, int8)
costs accuracy on real beats. Same data as train_reference.py (its pipeline, its
held-out records 106 119 209 215 223, the RR standardization of
rr_normalization.json), so calibration.npz and validation.npz feed them unchanged.
These are quantization fixtures, not tuned classifiers.

Run from this directory with the pinned environment (requirements.txt):

    python train_recurrent.py [--datasets ../../../shared/datasets/mitdb-ds1]
"""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

import train_reference as ref

SEED = 20240611


def build(keras, cell):
    beat = keras.Input((ref.WINDOW, 1), name="beat")
    rr = keras.Input((4,), name="rr")
    x = keras.layers.Conv1D(8, 7, padding="same", activation="relu")(beat)
    x = keras.layers.MaxPooling1D(4)(x)  # 64 steps: keeps the recurrence short
    x = cell(16)(x)
    x = keras.layers.Concatenate()([x, rr])
    x = keras.layers.Dense(32, activation="relu")(x)
    out = keras.layers.Dense(5, activation="softmax")(x)
    return keras.Model([beat, rr], out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default=os.path.join(ref.HERE, "..", "..", "..", "shared", "datasets", "mitdb-ds1"))
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()

    import keras

    train = [r for r in ref.DS1 if r not in ref.HELD_OUT]
    xb, xr, y = ref.load(train, args.datasets)
    with open(os.path.join(ref.HERE, "rr_normalization.json")) as f:
        norm = json.load(f)
    xr = ((xr - np.array(norm["mean"], np.float32)) / np.array(norm["std"], np.float32)).astype(np.float32)
    counts = np.bincount(y, minlength=5).astype(np.float64)
    weights = {c: float(min(30.0, counts.sum() / (5 * max(counts[c], 1.0)))) for c in range(5)}
    val = np.load(os.path.join(ref.HERE, "validation.npz"))
    for name, cell in [("gru", keras.layers.GRU), ("lstm", keras.layers.LSTM)]:
        keras.utils.set_random_seed(SEED)
        model = build(keras, cell)
        model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit([xb[..., None], xr], y, batch_size=256, epochs=args.epochs, class_weight=weights, verbose=2, shuffle=True)
        model.save(os.path.join(ref.HERE, f"{name}.keras"))
        pred = model.predict([val["input_0"], val["input_1"]], verbose=0).argmax(1)
        print(f"{name}: held-out accuracy (validation.npz) {np.mean(pred == val['labels']):.4f}")


if __name__ == "__main__":
    main()
