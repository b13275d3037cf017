#!/usr/bin/env python3
"""Vigil against its peers on the DESIGN §11 model, all measured in one run.

Builds the Keras model once (seeded), writes .keras, .onnx (tf2onnx), float .tflite and
full-int8 .tflite into a work dir, quantizes the .onnx with ONNX Runtime's static
quantizer (QDQ, per-channel int8 weights, int8 activations, the same calibration
data as the TFLite converter), times LiteRT (float32, int8) and ONNX Runtime
(float32, int8) through their Python APIs (batch-1 latency on one thread, batch-256
throughput on all threads), runs `vigil import` + `vigil bench --json` on the .onnx
and `vigil bench --json INT8.tflite` on the int8 file, and prints Vigil/peer ratios.

    swift build -c release
    /work/venv/bin/python Benchmarks/peers.py [--vigil .build/release/vigil] [--work /tmp/vigil-peers]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "Models"))
from design_model import design_model as shared_design_model  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def design_model(keras):
    keras.utils.set_random_seed(11)
    return shared_design_model(keras)


def build(work):
    import tensorflow as tf
    import keras
    import tf2onnx

    model = design_model(keras)
    model.save(work / "design.keras")
    spec = [tf.TensorSpec((None, 256, 1), tf.float32, name="beat"), tf.TensorSpec((None, 4), tf.float32, name="rr")]
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=str(work / "design.onnx"))
    (work / "design_float.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    rng = np.random.default_rng(5)
    calibration = [{"beat": rng.uniform(-1, 1, (1, 256, 1)).astype(np.float32), "rr": rng.uniform(0.5, 1.5, (1, 4)).astype(np.float32)}
                   for _ in range(200)]

    def representative():
        yield from calibration

    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = representative
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = tf.int8
    c.inference_output_type = tf.int8
    (work / "design_int8.tflite").write_bytes(c.convert())

    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(calibration)

        def get_next(self):
            return next(self.items, None)

    quantize_static(str(work / "design.onnx"), str(work / "design_int8.onnx"), Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)


def latency_us(fn, runs):
    for _ in range(runs // 10):
        fn()
    samples = np.empty(runs)
    for i in range(runs):
        t = time.perf_counter_ns()
        fn()
        samples[i] = (time.perf_counter_ns() - t) / 1000
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 99))


def throughput(fn, batch, seconds):
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n * batch / (time.perf_counter() - start)


def litert(path, threads, batch):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=str(path), num_threads=threads)
    details = it.get_input_details()
    for d in details:
        shape = list(d["shape"]); shape[0] = batch
        it.resize_tensor_input(d["index"], shape)
    it.allocate_tensors()
    rng = np.random.default_rng(1)
    for d in it.get_input_details():
        if d["dtype"] == np.int8:
            it.set_tensor(d["index"], rng.integers(-128, 128, d["shape"], dtype=np.int8))
        else:
            it.set_tensor(d["index"], rng.uniform(-1, 1, d["shape"]).astype(np.float32))
    return it.invoke


def onnx(path, threads, batch):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    feed = {i.name: rng.uniform(-1, 1, [batch] + [d for d in i.shape[1:]]).astype(np.float32) for i in s.get_inputs()}
    return lambda: s.run(None, feed)


def vigil(binary, args):
    out = subprocess.run([binary, "bench", "--json"] + args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", default=".build/release/vigil")
    ap.add_argument("--work", default="/tmp/vigil-peers")
    ap.add_argument("--runs", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--batch", type=int, default=256)
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    build(work)
    threads = os.cpu_count()
    rows = []

    def peer(name, make, path):
        p50, p99 = latency_us(make(path, 1, 1), a.runs)
        tput = throughput(make(path, threads, a.batch), a.batch, a.seconds)
        rows.append((name, p50, p99, tput))

    peer("LiteRT float32", litert, work / "design_float.tflite")
    peer("LiteRT int8", litert, work / "design_int8.tflite")
    peer("ONNX Runtime float32", onnx, work / "design.onnx")
    peer("ONNX Runtime int8", onnx, work / "design_int8.onnx")
    pkg = work / "design.vigil"
    subprocess.run([a.vigil, "import", str(work / "design.onnx"), "-o", str(pkg)], check=True, capture_output=True)
    common = ["--runs", str(max(a.runs, 10)), "--seconds", str(a.seconds), "--batch", str(a.batch), "--threads", str(threads)]
    vf = vigil(a.vigil, [str(pkg)] + common)
    vi = vigil(a.vigil, [str(work / "design_int8.tflite"), "--int8"] + common)
    rows.append(("Vigil float32", vf["p50_us"], vf["p99_us"], vf["throughput_per_s"]))
    rows.append(("Vigil int8", vi["p50_us"], vi["p99_us"], vi["throughput_per_s"]))

    load = os.getloadavg()
    print(f"DESIGN §11 model; batch-1 on 1 thread, batch {a.batch} throughput on {threads} threads; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'runtime':<22}{'p50 µs':>10}{'p99 µs':>10}{'samples/s':>12}")
    for name, p50, p99, tput in rows:
        print(f"{name:<22}{p50:>10.2f}{p99:>10.2f}{tput:>12.0f}")
    peers = {r[0]: r for r in rows}
    print("\nVigil / peer (latency: peer p50 ÷ Vigil p50; throughput: Vigil ÷ peer; >1 means Vigil wins)")
    for mine, theirs in [("Vigil float32", "LiteRT float32"), ("Vigil float32", "ONNX Runtime float32"), ("Vigil int8", "LiteRT int8"), ("Vigil int8", "ONNX Runtime int8")]:
        m, t = peers[mine], peers[theirs]
        print(f"  {mine} vs {theirs:<22} latency {t[1] / m[1]:5.2f}×   throughput {m[3] / t[3]:5.2f}×")
    print(f"  Vigil int8 arena {vi['arena_bytes']} bytes, allocations per invoke {vi['allocations_per_invoke']}")


if __name__ == "__main__":
    sys.exit(main())
