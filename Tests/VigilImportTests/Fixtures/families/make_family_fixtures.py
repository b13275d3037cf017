#!/usr/bin/env python3
"""The whole-model families of issue #10, trained and written in every format their
tools can write, with the frameworks' own outputs.

Families (beat windows [256, 1] at 256 Hz, RR features [4]; five AAMI classes):
    bn_after_act   Conv1D → ReLU → BatchNormalization (BN after the activation), twice
    rr_norm        a beat CNN beside a Normalization layer on the RR features
    bigru, bilstm  Bidirectional GRU / LSTM over the beat cut into 32 steps of 8
    residual       causal dilated Conv1D blocks with residual Add
    transformer    patch embedding, MultiHeadAttention + LayerNormalization encoder

Each is trained briefly (fixed seeds) on Models/arrhythmia/calibration.npz, 300 real
DS1 beats, so that its outputs have the margins of a real classifier; the float/int8
agreement is then measured by `vigil quantize` on validation.npz (held-out records).

Writes, per family NAME:
    NAME.keras, NAME.h5   Keras 3 (model.save)
    NAME.onnx             tf2onnx (opset 17), where it converts
    NAME.npz              input_0[, input_1]: the first 64 validation samples;
                          keras_0: Keras' outputs; onnx_0: onnxruntime's outputs
The int8 .tflite of each family is written by ../tflite/make_tflite_fixtures.py from
NAME.keras. Regenerate (pinned versions in ../onnx/requirements.txt and
../keras/requirements.txt):

    python Tests/VigilImportTests/Fixtures/families/make_family_fixtures.py [--seed N --out DIR] [NAME ...]
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..", "..")
sys.path.insert(0, HERE)
from families import FAMILIES, calibration_data, validation_data  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

SAMPLES = 64


def main():
    # --seed N trains with another seed and --out DIR writes there (the README's seed
    # study); the fixtures are written with the default seeds into this folder.
    args = sys.argv[1:]
    seed, out = None, HERE
    while args and args[0].startswith("--"):
        flag, value, args = args[0], args[1], args[2:]
        if flag == "--seed":
            seed = int(value)
        elif flag == "--out":
            out = value
        else:
            sys.exit(f"unknown option {flag}")
    names = args or list(FAMILIES)
    x_train, y_train = calibration_data()
    x_val, _ = validation_data()
    for name in names:
        build, uses_rr = FAMILIES[name]
        keras.utils.set_random_seed(seed if seed is not None else 1000 + sorted(FAMILIES).index(name))
        model = build(x_train[1])
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        inputs = x_train if uses_rr else x_train[:1]
        counts = np.bincount(y_train, minlength=5).astype(np.float64)
        weights = {c: float(len(y_train) / (5 * counts[c])) if counts[c] else 0.0 for c in range(5)}
        h = model.fit(inputs, y_train, epochs=40, batch_size=32, class_weight=weights, verbose=0)
        print(name, "train accuracy", round(float(h.history["accuracy"][-1]), 3), file=sys.stderr)
        model.save(os.path.join(out, name + ".keras"))
        model.save(os.path.join(out, name + ".h5"))
        sample = [x[:SAMPLES] for x in (x_val if uses_rr else x_val[:1])]
        arrays = {f"input_{i}": x for i, x in enumerate(sample)}
        arrays["keras_0"] = np.asarray(model.predict(sample, verbose=0), dtype=np.float32)
        onnx_outputs = write_onnx(model, name, sample, out)
        if onnx_outputs is not None:
            arrays["onnx_0"] = onnx_outputs
        np.savez(os.path.join(out, name + ".npz"), **arrays)


def write_onnx(model, name, sample, out):
    import onnxruntime as ort
    import tf2onnx
    spec = [tf.TensorSpec((None,) + tuple(x.shape[1:]), tf.float32, name=f"input_{i}") for i, x in enumerate(sample)]
    try:
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17)
    except Exception as e:  # noqa: BLE001 - reported, the family then has no .onnx
        print(name, "tf2onnx failed:", str(e)[:200], file=sys.stderr)
        return None
    path = os.path.join(out, name + ".onnx")
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = {i.name: x for i, x in zip(session.get_inputs(), sample)}
    return np.asarray(session.run(None, feed)[0], dtype=np.float32)


if __name__ == "__main__":
    main()
