"""Writes the measured figures of the model cards into Models/README.md, between the
`<!-- figures:NAME -->` and `<!-- /figures:NAME -->` markers, so that every number there
comes from this command:

    python Models/training/model_card.py [--vigil .build/release/vigil] [--datasets ../shared/datasets]

Sources: cv_results.json and training results (train_arrhythmia.py, train_faults.py),
the quantization reports (package.sh), `vigil inspect --json` of each package, and
`vigil implant run --json` of both int8 packages over every DS1 record (the simulated
implant, its cost model fitted on the emulated Cortex-M4), from which the energy at
100,000 beats a day follows; noise robustness from `vigil dataset beats` over the Noise
Stress Test records and the trained model (run it with training/requirements.txt).
"""
import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MODELS = os.path.join(ROOT, "Models")
DS1 = ["101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124", "201", "203", "205",
       "207", "208", "209", "215", "220", "223", "230"]
BEATS_PER_DAY = 100_000


def pct(x):
    return "–" if x != x else f"{100 * x:.1f}"


def spread(values):
    values = [v for v in values if v == v]
    if not values:
        return "–"
    if len(values) == 1:
        return pct(values[0])
    return f"{100 * statistics.mean(values):.1f} ± {100 * statistics.stdev(values):.1f}"


def run(vigil, *args):
    out = subprocess.run([vigil, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return out.stdout


def arrhythmia_figures(cv):
    best = cv["configurations"][str(cv["selected_hidden"])]
    lines = [f"Selected: hidden layer of {cv['selected_hidden']} (configurations tried: "
             + ", ".join(f"H={c['hidden']} scoring {c['selection_score']:.4f}" for c in cv["configurations"].values())
             + "; score: mean of the pooled S and V F1 over seeds).", "",
             "Pooled over the 5 folds (every DS1 record held out once), per seed; gross figures pool the beats, "
             "average figures average the records':", "",
             "| seed | S Se | S +P | S Se avg | S +P avg | V Se | V +P | V Se avg | V +P avg | F Se | F +P | beats reaching stage 2 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in best["seeds"]:
        p = s["pooled"]
        lines.append(f"| {s['seed']} | {pct(p['S']['se'])} | {pct(p['S']['pp'])} | {pct(p['S']['average_se'])} | {pct(p['S']['average_pp'])} | "
                     f"{pct(p['V']['se'])} | {pct(p['V']['pp'])} | {pct(p['V']['average_se'])} | {pct(p['V']['average_pp'])} | "
                     f"{pct(p['F']['se'])} | {pct(p['F']['pp'])} | {pct(p['reaching_stage2'])} |")
    def over(key, cls):
        return spread([s["pooled"][cls][key] for s in best["seeds"]])
    lines += [f"| mean ± sd | {over('se', 'S')} | {over('pp', 'S')} | {over('average_se', 'S')} | {over('average_pp', 'S')} | "
              f"{over('se', 'V')} | {over('pp', 'V')} | {over('average_se', 'V')} | {over('average_pp', 'V')} | {over('se', 'F')} | {over('pp', 'F')} | |",
              "", "Per fold (gross, held-out records), every seed:", "",
              "| fold | records | seed | S Se | S +P | V Se | V +P | stage 2 |", "|---|---|---|---|---|---|---|---|"]
    for s in best["seeds"]:
        for k, f in enumerate(s["folds"]):
            lines.append(f"| {k} | {' '.join(f['records'])} | {s['seed']} | {pct(f['S']['se'])} | {pct(f['S']['pp'])} | "
                         f"{pct(f['V']['se'])} | {pct(f['V']['pp'])} | {pct(f['reaching_stage2'])} |")
    return lines


def fault_figures(results):
    names = results["classes"]
    lines = [f"Trained on {len(results['train_records'])} DS1 records ({' '.join(results['train_records'])}) with noise from the first "
             f"half of each NST noise record; tested on the other {len(results['test_records'])} ({' '.join(results['test_records'])}) "
             "with noise from the second half. Per seed:", "",
             "| class | " + " | ".join(f"Se (seed {s})" for s in results["seeds"]) + " | " + " | ".join(f"+P (seed {s})" for s in results["seeds"]) + " |",
             "|---|" + "---|" * (2 * len(results["seeds"]))]
    for name in names:
        se = [pct(results["seeds"][s]["per_class"][name]["se"]) for s in results["seeds"]]
        pp = [pct(results["seeds"][s]["per_class"][name]["pp"]) for s in results["seeds"]]
        lines.append(f"| {name} | " + " | ".join(se) + " | " + " | ".join(pp) + " |")
    lines += ["", "On the test set's clean windows, at one run a minute (1,440 a day):", "",
              "| seed | clean windows | lead-fault alarms | per day | noise flags | per day |", "|---|---|---|---|---|---|"]
    for s, r in results["seeds"].items():
        lines.append(f"| {s} | {r['clean_windows']} | {pct(r['clean_fault_alarm_rate'])} % | {r['fault_alarms_per_day']:.0f} | "
                     f"{pct(r['clean_noise_flag_rate'])} % | {r['noise_flags_per_day']:.0f} |")
    lines.append(f"\nThe package is seed {results['final_seed']}'s model.")
    return lines


def package_figures(vigil, name, report_path):
    report = json.load(open(report_path))
    int8 = json.loads(run(vigil, "inspect", os.path.join(MODELS, name, f"{name}.int8.vpkg"), "--json"))
    flt = json.loads(run(vigil, "inspect", os.path.join(MODELS, name, f"{name}.vpkg"), "--json"))
    size = lambda n: os.path.getsize(os.path.join(MODELS, name, n))
    agreement = report.get("agreement") or report.get("top1_agreement")
    return [f"| package | bytes | MACs | arena bytes | constant bytes |", "|---|---|---|---|---|",
            f"| `{name}.vpkg` (float) | {size(name + '.vpkg')} | {flt['macs']} | {flt['device_arena_bytes']} | {flt['constant_bytes']} |",
            f"| `{name}.int8.vpkg` | {size(name + '.int8.vpkg')} | {int8['macs']} | {int8['device_arena_bytes']} | {int8['constant_bytes']} |",
            "", f"float vs int8 (`vigil quantize`, `{name}.int8.report.json`): top-1 agreement {json.dumps(agreement)} on the held-out data."]


def energy_figures(vigil, datasets):
    """Instructions measured on the emulated Cortex-M4 (Sources/VigilImplant/Measurements,
    written by Device/measure.sh): a beat the gate settles and a beat the network runs
    on (the beat loop over record 208, morphology and gate included), and one run of the
    fault detector; the share of beats reaching the network from the simulated implant
    over every DS1 record; the price of an instruction from the simulator's ledger."""
    measurements = os.path.join(ROOT, "Sources", "VigilImplant", "Measurements")
    loop = json.load(open(os.path.join(measurements, "beat-loop.json")))
    arrhythmia = json.load(open(os.path.join(measurements, "models", "arrhythmia.int8.json")))
    faults = json.load(open(os.path.join(measurements, "models", "faults.int8.json")))
    settled_cost = loop["settled_beat_instructions"]
    inferred_cost = loop["beat_overhead_instructions"] + arrhythmia["instructions_per_inference"]
    beats = inferred = 0
    last = None
    for record in DS1:
        out = json.loads(run(vigil, "implant", "run", "--record", os.path.join(datasets, "mitdb-ds1", record),
                             "--model", os.path.join(MODELS, "arrhythmia", "arrhythmia.int8.vpkg"),
                             "--fault-model", os.path.join(MODELS, "faults", "faults.int8.vpkg"), "--json"))
        beats += out["beats"]
        inferred += out["inferred_beats"]
        last = out
    share = inferred / beats
    mean = (1 - share) * settled_cost + share * inferred_cost
    # Joules per instruction as the profile prices them (cycles per instruction × energy
    # per cycle), read back from the simulator's ledger of the last record.
    per_instruction = (last["inference_j_per_day"] - last["fault_model_j_per_day"]) / (last["beats_per_day"] * last["beat_instructions"])
    arrhythmia_j = BEATS_PER_DAY * mean * per_instruction
    fault_j = 1440 * faults["instructions_per_inference"] * per_instruction
    features = len(json.load(open(os.path.join(MODELS, "arrhythmia", "features.json")))["features"])
    macs = sum(n["macs"] for n in arrhythmia["nodes"])
    return [f"MACs per beat: stage 1, the gate, {2 * features} multiply-adds on every beat; stage 2, the network, {macs} MACs on the "
            f"{pct(share)} % of beats the gate passes: {2 * features + share * macs:.0f} on average (the fault detector: "
            f"{sum(n['macs'] for n in faults['nodes'])} MACs a run, once a minute).", "",
            f"Measured on the emulated Cortex-M4 (`Device/measure.sh`): a beat the gate settles costs {settled_cost:.0f} instructions "
            f"(signal stream, window, RR and morphology features, gate), a beat the network runs on {inferred_cost:.0f} "
            f"(the network {arrhythmia['instructions_per_inference']} of them), one fault-detector run {faults['instructions_per_inference']}. "
            f"Replaying all 22 DS1 records through the simulated implant (`vigil implant run`, both int8 packages): {beats} beats, "
            f"the network ran on {inferred} ({pct(share)} %), so {mean:.0f} instructions a beat on average.", "",
            f"At {BEATS_PER_DAY:,} beats a day, priced as the implant-m4 profile prices an instruction ({per_instruction * 1e9:.3f} nJ): "
            f"arrhythmia cascade {arrhythmia_j:.3f} J a day, fault detector (one run a minute) {fault_j:.3f} J a day, together "
            f"**{arrhythmia_j + fault_j:.2f} J a day against the {last['inference_budget_j_per_day']} J budget** "
            f"({(arrhythmia_j + fault_j) / last['inference_budget_j_per_day']:.1f}×). The simulator's own figure for a replay is higher: "
            f"its cost model, fitted across packages, prices this small network at {last['model_instructions']} instructions a run "
            f"against the {arrhythmia['instructions_per_inference']} measured."]


def noise_figures(vigil, datasets):
    """The cascade (gate, then the float network: the int8 package agrees with it on
    ≥ 99 % of beats) on record 118 and on the NST records that add electrode motion to it
    at 24, 12 and 0 dB, through the device's signal chain (`vigil dataset beats`: the
    streaming detector, conditioning and morphology tracker). EC57-style: the first 5
    minutes left out, beats matched within 150 ms; missed and extra detections reported."""
    import sys
    import tempfile
    import numpy as np
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import keras
    from beats import SKIP_SECONDS, Beats, se_pp, standardize
    from train_arrhythmia import gate_passes
    card = json.load(open(os.path.join(MODELS, "arrhythmia", "features.json")))
    mean, std = np.array(card["mean"], np.float32), np.array(card["std"], np.float32)
    g = card["gate"]
    gate = (np.array(g["weights"], np.float32), np.array(g["absolute_weights"], np.float32), np.float32(g["bias"]))
    model = keras.models.load_model(os.path.join(MODELS, "arrhythmia", "arrhythmia.keras"))
    lines = ["| record | noise | detections | matched | S Se | S +P | V Se | V +P | stage 2 |", "|---|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for folder, record, noise in [("mitdb-ds1", "118", "none"), ("nstdb", "118e24", "em, 24 dB"),
                                      ("nstdb", "118e12", "em, 12 dB"), ("nstdb", "118e00", "em, 0 dB")]:
            path = os.path.join(tmp, record + ".h5")
            run(vigil, "dataset", "beats", "--db", os.path.join(datasets, folder), "--records", record, "-o", path)
            data = Beats(path)
            x = standardize(data.x, mean, std)
            passes = gate_passes(x, gate)
            predicted = np.zeros(len(x), dtype=np.int64)
            if passes.any():
                predicted[passes] = np.argmax(model.predict(x[passes], verbose=0), axis=1)
            scored = (data.sample >= SKIP_SECONDS * data.rate)
            labelled = scored & data.matched & (data.labels >= 0) & (data.labels < 4)
            s = se_pp(data.labels[labelled], predicted[labelled], 1)
            v = se_pp(data.labels[labelled], predicted[labelled], 2)
            lines.append(f"| {record} | {noise} | {int(scored.sum())} | {int((scored & data.matched).sum())} | {pct(s[0])} | {pct(s[1])} | "
                         f"{pct(v[0])} | {pct(v[1])} | {pct(passes[scored].mean())} |")
    return ["Record 118 (in the final model's training data) and the NST records made from it, through the device's signal chain; "
            "the float network behind the gate (the int8 package agrees with it on ≥ 99 % of beats). 118 has about 96 S and 16 V beats:", ""] + lines


def replace(text, name, lines):
    begin, end = f"<!-- figures:{name} -->", f"<!-- /figures:{name} -->"
    a, b = text.index(begin) + len(begin), text.index(end)
    return text[:a] + "\n" + "\n".join(lines) + "\n" + text[b:]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vigil", default=os.path.join(ROOT, ".build", "release", "vigil"))
    parser.add_argument("--datasets", default=os.path.join(ROOT, "..", "shared", "datasets"))
    args = parser.parse_args()
    path = os.path.join(MODELS, "README.md")
    text = open(path).read()
    text = replace(text, "arrhythmia-cv", arrhythmia_figures(json.load(open(os.path.join(MODELS, "arrhythmia", "cv_results.json")))))
    text = replace(text, "arrhythmia-package", package_figures(args.vigil, "arrhythmia", os.path.join(MODELS, "arrhythmia", "arrhythmia.int8.report.json")))
    text = replace(text, "faults-test", fault_figures(json.load(open(os.path.join(MODELS, "faults", "results.json")))))
    text = replace(text, "faults-package", package_figures(args.vigil, "faults", os.path.join(MODELS, "faults", "faults.int8.report.json")))
    text = replace(text, "energy", energy_figures(args.vigil, args.datasets))
    text = replace(text, "arrhythmia-noise", noise_figures(args.vigil, args.datasets))
    open(path, "w").write(text)
    print(f"wrote the figures into {path}")


if __name__ == "__main__":
    main()
