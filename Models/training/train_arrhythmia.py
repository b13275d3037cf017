"""Trains the arrhythmia cascade on MIT-BIH DS1 from `vigil dataset beats` HDF5.

    python Models/training/train_arrhythmia.py --beats ds1.h5 [--out Models/arrhythmia]

(`make models` runs the whole chain: dataset, training, import, quantization.)

The cascade (issue #11):
  stage 1, the gate: a score over the 11 standardized beat features x, linear in x and
    |x| (so it can ask for a feature near its usual value); a beat scoring below 0 is
    settled as N without running any network. Its threshold keeps GATE_RECALL of the
    training folds' S, V and F beats for stage 2.
  stage 2: a small MLP (11 -> H -> 4, ReLU) over the same features, run only on the
    beats the gate passes, trained on those beats with class weights.
Features (beats.FEATURES): seven RR features normalized to the patient's own rhythm
(among them the local rhythm's irregularity) and four morphology features comparing
the beat's QRS with the patient's dominant beat, all computed causally, label-free and
in fixed memory by the device's beat loop. Features that measure the patient rather
than the beat (heart rate in seconds, absolute QRS width) and the P- and T-wave
correlations lowered the cross-validated S and V figures and are left out.

Protocol: leave-records-out cross-validation within DS1 (5 folds, whole records,
balanced by S and V counts), 3 seeds; H is selected by the pooled mean of the S and V
F1 scores. The final model is trained on all of DS1 with the selected H and seed 0.
Classes N, S, V, F under the de Chazal mapping; Q (5 beats in DS1) is left out.
Writes: arrhythmia.keras, arrhythmia.onnx, features.json (features, standardization,
gate), cv_results.json, calibration.npz, validation.npz, training.log.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from beats import CLASSES, FEATURES, SKIP_SECONDS, Beats, se_pp, standardize  # noqa: E402
from common import Log, export_onnx  # noqa: E402

FOLDS = 5
SEEDS = [0, 1, 2]
HIDDEN = [8, 16]
GATE_RECALL = 0.995
EPOCHS = 120
BATCH = 1024
log = Log()


def folds_by_record(data):
    """Whole records into FOLDS folds, S- and V-rich records spread (snake order)."""
    names = data.records
    counts = []
    for i, name in enumerate(names):
        m = data.record == i
        counts.append((int(np.sum(data.labels[m] == 1)), int(np.sum(data.labels[m] == 2)), name))
    order = sorted(counts, key=lambda c: (-c[0], -c[1], c[2]))
    folds = [[] for _ in range(FOLDS)]
    for k, (_, _, name) in enumerate(order):
        lap, pos = divmod(k, FOLDS)
        folds[pos if lap % 2 == 0 else FOLDS - 1 - pos].append(name)
    return [sorted(f) for f in folds]


def class_weights(y):
    """Class imbalance, handled deliberately: N and V get the square root of their
    balanced weight (rare classes count more, without the false positives fully
    balanced weights bring); S, the class the targets ask most of and the one a
    premature beat of normal shape hides, gets its full balanced weight; F (fusion,
    a V and an N at once, 1 % of DS1) gets 1, as weighting it drew V and N beats into
    false F calls in cross-validation."""
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float64)
    w = np.where(counts > 0, len(y) / (len(CLASSES) * np.maximum(counts, 1)), 0.0)
    return {0: float(np.sqrt(w[0])), 1: float(w[1]), 2: float(np.sqrt(w[2])), 3: 1.0}


def train_gate(x, y, seed):
    """Logistic regression of abnormal (S, V, F) against N over [x, |x|], class-balanced,
    by L-BFGS (deterministic; `seed` is unused); the bias then moves so that
    GATE_RECALL of the abnormal training beats score >= 0."""
    from scipy.optimize import minimize
    del seed
    z = np.hstack([x, np.abs(x), np.ones((len(x), 1), np.float32)]).astype(np.float64)
    target = (y != 0).astype(np.float64)
    weight = np.where(target == 1, 0.5 / target.mean(), 0.5 / (1 - target.mean()))

    def loss(b):
        s = z @ b
        p = 1 / (1 + np.exp(-s))
        value = -np.sum(weight * (target * np.log(p + 1e-12) + (1 - target) * np.log(1 - p + 1e-12))) / len(z)
        grad = z.T @ (weight * (p - target)) / len(z)
        value += 1e-4 * np.sum(b[:-1] ** 2)
        grad[:-1] += 2e-4 * b[:-1]
        return value, grad

    b = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x.astype(np.float32)
    n = x.shape[1]
    w, v, bias = b[:n], b[n:2 * n], b[2 * n]
    score = gate_score(x, w, v, bias)
    threshold = np.quantile(score[target == 1], 1 - GATE_RECALL)
    return w, v, np.float32(bias - threshold)


def gate_score(x, w, v, b):
    """As the device computes it (InputContract.Gate.settles), in float32 and in its order."""
    x = x.astype(np.float32)
    score = np.full(len(x), np.float32(b), dtype=np.float32)
    for k in range(x.shape[1]):
        score = score + (np.float32(w[k]) * x[:, k] + np.float32(v[k]) * np.abs(x[:, k]))
    return score


def gate_passes(x, gate):
    return gate_score(x, *gate) >= 0


def train_mlp(x, y, hidden, seed):
    import keras
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((x.shape[1],), name="features")
    h = keras.layers.Dense(hidden, activation="relu", name="hidden")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(len(CLASSES), name="scores")(h))
    model.compile(optimizer=keras.optimizers.Adam(0.003),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, class_weight=class_weights(y))
    return model


def fit(x, y, hidden, seed):
    """The whole cascade on standardized features x: gate, then stage 2 on what it passes."""
    gate = train_gate(x, y, seed)
    passes = gate_passes(x, gate)
    model = train_mlp(x[passes], y[passes], hidden, seed)
    return gate, model


def predict(x, gate, model):
    out = np.zeros(len(x), dtype=np.int64)
    passes = gate_passes(x, gate)
    if passes.any():
        out[passes] = np.argmax(model.predict(x[passes], batch_size=8192, verbose=0), axis=1)
    return out, passes


def statistics(truth, predicted, record_names):
    """Gross (pooled) and record-average Se/+P for S and V (and F), EC57 style."""
    result = {}
    for name, cls in (("S", 1), ("V", 2), ("F", 3)):
        se, pp, tp, fn, fp = se_pp(truth, predicted, cls)
        per = []
        for r in sorted(set(record_names)):
            m = record_names == r
            s, p, *_ = se_pp(truth[m], predicted[m], cls)
            per.append((s, p))
        ses = [s for s, _ in per if s == s]
        pps = [p for _, p in per if p == p]
        result[name] = {"se": se, "pp": pp, "tp": tp, "fn": fn, "fp": fp,
                        "average_se": float(np.mean(ses)) if ses else float("nan"),
                        "average_pp": float(np.mean(pps)) if pps else float("nan")}
    return result


def f1(stats, name):
    se, pp = stats[name]["se"], stats[name]["pp"]
    return 0.0 if not (se > 0 and pp > 0) else 2 * se * pp / (se + pp)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--beats", required=True, help="vigil dataset beats HDF5 of DS1")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "arrhythmia"))
    parser.add_argument("--data-out", help="where calibration.npz and validation.npz go (default: --out)")
    args = parser.parse_args()
    data_out = args.data_out or args.out
    os.makedirs(data_out, exist_ok=True)
    start = time.time()
    data = Beats(args.beats)
    usable = data.matched & (data.labels >= 0) & (data.labels < len(CLASSES))
    scored = usable & (data.sample >= SKIP_SECONDS * data.rate)
    names = data.record_names()
    folds = folds_by_record(data)
    log(f"{len(data.labels)} detected beats, {int(usable.sum())} labelled N/S/V/F, {int(scored.sum())} scored (after the first {SKIP_SECONDS} s)")
    log("folds:", "; ".join(" ".join(f) for f in folds))

    results = {"features": FEATURES, "classes": CLASSES, "folds": folds, "seeds": SEEDS, "gate_recall": GATE_RECALL,
               "skip_seconds": SKIP_SECONDS, "configurations": {}}
    for hidden in HIDDEN:
        per_seed = []
        for seed in SEEDS:
            predicted = np.full(len(data.labels), -1)
            passed = np.zeros(len(data.labels), dtype=bool)
            fold_stats = []
            for k, held in enumerate(folds):
                test = np.isin(names, held)
                train = usable & ~test
                mean = data.x[train].mean(axis=0).astype(np.float32)
                std = data.x[train].std(axis=0).astype(np.float32)
                x = standardize(data.x, mean, std)
                gate, model = fit(x[train], data.labels[train], hidden, seed)
                p, g = predict(x[test], gate, model)
                predicted[test], passed[test] = p, g
                m = scored[test]
                s = statistics(data.labels[test][m], p[m], names[test][m])
                s["records"] = held
                s["reaching_stage2"] = float(g[m].mean())
                fold_stats.append(s)
                log(f"H={hidden} seed={seed} fold={k} ({' '.join(held)}): "
                    f"S {s['S']['se']:.3f}/{s['S']['pp']:.3f}  V {s['V']['se']:.3f}/{s['V']['pp']:.3f}  "
                    f"stage 2 {s['reaching_stage2']:.3f}")
            pooled = statistics(data.labels[scored], predicted[scored], names[scored])
            pooled["reaching_stage2"] = float(passed[scored].mean())
            log(f"H={hidden} seed={seed} pooled: S {pooled['S']['se']:.3f}/{pooled['S']['pp']:.3f} "
                f"(avg {pooled['S']['average_se']:.3f}/{pooled['S']['average_pp']:.3f})  "
                f"V {pooled['V']['se']:.3f}/{pooled['V']['pp']:.3f} (avg {pooled['V']['average_se']:.3f}/{pooled['V']['average_pp']:.3f})  "
                f"F {pooled['F']['se']:.3f}/{pooled['F']['pp']:.3f}  stage 2 {pooled['reaching_stage2']:.3f}")
            per_seed.append({"seed": seed, "folds": fold_stats, "pooled": pooled})
        score = float(np.mean([(f1(s["pooled"], "S") + f1(s["pooled"], "V")) / 2 for s in per_seed]))
        results["configurations"][str(hidden)] = {"hidden": hidden, "seeds": per_seed, "selection_score": score}
        log(f"H={hidden}: mean of S and V F1, pooled, over seeds: {score:.4f}")
    best = max(HIDDEN, key=lambda h: results["configurations"][str(h)]["selection_score"])
    results["selected_hidden"] = best
    log(f"selected H={best}")

    # The final model: all of DS1, seed 0.
    train = usable
    mean = data.x[train].mean(axis=0).astype(np.float32)
    std = data.x[train].std(axis=0).astype(np.float32)
    x = standardize(data.x, mean, std)
    gate, model = fit(x[train], data.labels[train], best, SEEDS[0])
    passes = gate_passes(x, gate)
    log(f"final: stage 2 runs on {passes[usable].mean():.3f} of DS1's beats")
    os.makedirs(args.out, exist_ok=True)
    model.save(os.path.join(args.out, "arrhythmia.keras"))
    with open(os.path.join(args.out, "features.json"), "w") as f:
        json.dump({"features": FEATURES, "mean": mean.tolist(), "std": std.tolist(),
                   "gate": {"weights": gate[0].tolist(), "absolute_weights": gate[1].tolist(), "bias": float(gate[2]),
                            "class_index": 0}}, f, indent=1)
    export_onnx(model, os.path.join(args.out, "arrhythmia.onnx"))

    # Quantization data: calibration from the records outside fold 0, validation (the
    # float vs int8 agreement) on fold 0's records; both only beats the gate passes,
    # the only ones the network sees.
    rng = np.random.default_rng(SEEDS[0])
    held = np.isin(names, folds[0])
    cal = np.flatnonzero(passes & usable & ~held)
    cal = np.sort(rng.choice(cal, size=min(1000, len(cal)), replace=False))
    val = np.flatnonzero(passes & usable & held)
    np.savez(os.path.join(data_out, "calibration.npz"), input_0=x[cal], labels=data.labels[cal])
    np.savez(os.path.join(data_out, "validation.npz"), input_0=x[val], labels=data.labels[val])
    results["final"] = {"hidden": best, "seed": SEEDS[0], "stage2_fraction": float(passes[usable].mean()),
                        "calibration_beats": int(len(cal)), "validation_beats": int(len(val)), "validation_records": folds[0]}
    log.finish(args.out, "cv_results.json", results, time.time() - start)



if __name__ == "__main__":
    main()
