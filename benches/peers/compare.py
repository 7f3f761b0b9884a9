"""imgprompt side by side with the tools a user would pick instead: same input, same run.

Run by `benches/peers/run.sh` (which builds the release binary and the virtualenv); by hand:

    python compare.py IMGPROMPT_BINARY XTASK_BINARY

Jobs, each run `IMGPROMPT_PEERS_RUNS` times (default 5; medians of wall time, CPU time (user +
system) and peak RSS, all from `os.wait4` of the process):
1. batch: `IMGPROMPT_PEERS_N` briefs (default 100,000), the generator of
   `benches/throughput.rs` (four presets, exact text in every brief, 2 % with a two-value `vary`,
   1 % malformed), JSONL in, records out:
   - the serde_json floor (`xtask json-floor`: parse and re-serialise every line, one thread);
   - `imgprompt batch` (parallel, the default) and `imgprompt batch --sequential`;
   - the Jinja2 + fastjsonschema pipeline (`jinja_pipeline.py`);
2. expand: a brief with five text axes of ten values (100,000 variants), prompts out:
   `imgprompt expand --emit prompt` and Dynamic Prompts' combinatorial generator on the same axes;
   then a million variants (six axes) for imgprompt's memory;
3. cold start: one `imgprompt render` of a shipped example, and the Jinja2 pipeline on that one
   brief (interpreter start, imports, schema compilation included).

Every output is checked: one record per line (one per variant), in order; every variant once.
`IMGPROMPT_PEERS_QUICK=1` makes every job small (the CI test of this script): 200 briefs, 1,000
and 10,000 variants, one run each.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
QUALITIES = ["low", "medium", "high"]
PRESETS = [("poster", "headline"), ("product", "label"), ("ui", "title"), ("basic", "headline")]


def generate(n):
    """The briefs of benches/throughput.rs, line for line."""
    return "".join(lines(n))


def lines(n):
    """The lines of [`generate`], one at a time."""
    for i in range(n):
        if i % 100 == 99:
            yield '{"subject": "broken", \n'
            continue
        preset, role = PRESETS[i % len(PRESETS)]
        brief = {
            "name": f"b{i}",
            "preset": preset,
            "subject": f"item number {i}, a ceramic mug with a hand-painted glaze",
            "style": {
                "mood": ["warm", "inviting"],
                "lighting": "soft window light",
                "palette": ["terracotta", "cream"],
            },
            "composition": {
                "framing": "three-quarter view, centred",
                "background": "a linen tablecloth",
            },
            "text": {role: f'Exact Text {i} \u2014 "quoted" {{braces}}'},
            "context": {"purpose": "catalogue page", "channel": "web shop"},
            "avoid": ["clutter", "watermarks"],
            "output": {"quality": QUALITIES[i % 3]},
        }
        if i % 50 == 7:
            brief["vary"] = {"output.quality": ["low", "high"]}
        yield json.dumps(brief, ensure_ascii=False, separators=(",", ":")) + "\n"


def peak_rss_mb(pid):
    """The process's peak resident memory so far (`VmHWM`), in MB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(argv, stdout=None, cwd=ROOT):
    """Runs argv to its end: (wall s, CPU s, peak RSS MB, exit status).

    CPU time comes from `os.wait4`; the peak RSS is sampled from `/proc` every 2 ms (`wait4`'s
    `ru_maxrss` would count this driver's memory at the fork, which Linux carries over `exec`).
    """
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, cwd=cwd)
    peak = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, peak_rss_mb(proc.pid))
        time.sleep(0.002)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if stdout:
        out.close()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, peak, proc.returncode


def runs(argv, n, stdout=None, ok=(0,)):
    figures = []
    for _ in range(n):
        wall, cpu, rss, code = measure(argv, stdout)
        if code not in ok:
            sys.exit(f"{' '.join(argv)} exited {code}")
        figures.append((wall, cpu, rss))
    return tuple(statistics.median(f[i] for f in figures) for i in range(3))


def row(name, figures, per=None):
    wall, cpu, rss = figures
    text = f"{name:<46} wall {wall:8.3f} s  CPU {cpu:8.3f} s  peak RSS {rss:7.1f} MB"
    if per:
        text += f"  {cpu * 1e6 / per:7.2f} µs CPU/item"
    print(text, flush=True)


def check_batch(path, n):
    """One record per line (two for a line with `vary`), in input order."""
    extra = sum(1 for i in range(n) if i % 50 == 7 and i % 100 != 99)
    count, last = 0, 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            seen = json.loads(line)["line"]
            assert seen >= last, f"{path}: records out of order at line {seen}"
            count, last = count + 1, seen
    assert count == n + extra, f"{path}: {count} records for {n} lines"


def batch(tmp, imgprompt, xtask, python, n, k):
    src = os.path.join(tmp, "briefs.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        f.writelines(lines(n))
    schema = os.path.join(tmp, "brief.schema.json")
    with open(schema, "wb") as f:
        f.write(subprocess.run([imgprompt, "schema", "spec"], check=True, capture_output=True).stdout)
    out = os.path.join(tmp, "out.jsonl")
    print(f"\nbatch: {n} briefs ({os.path.getsize(src) / 1e6:.1f} MB JSONL)")
    floor = runs([xtask, "json-floor", src, out], k)
    row("floor: serde_json parse + serialise (1 thread)", floor, per=n)
    parallel = runs([imgprompt, "batch", "-q", src, "-o", out], k, ok=(0, 1))
    check_batch(out, n)
    row("imgprompt batch (parallel, 2 cores)", parallel, per=n)
    sequential = runs([imgprompt, "batch", "-q", "--sequential", src, "-o", out], k, ok=(0, 1))
    check_batch(out, n)
    row("imgprompt batch --sequential", sequential, per=n)
    requests = os.path.join(ROOT, "schemas/targets/openai-images-generations.schema.json")
    prices = os.path.join(ROOT, "data/prices.json")
    pipeline = os.path.join(HERE, "jinja_pipeline.py")
    peer = runs([python, pipeline, schema, requests, prices, src, out], k)
    check_batch(out, n)
    row("Jinja2 + fastjsonschema pipeline", peer, per=n)
    print(
        f"ratios: peer CPU / imgprompt batch CPU = {peer[1] / parallel[1]:.1f}x; "
        f"imgprompt batch wall / floor wall = {parallel[0] / floor[0]:.2f}x "
        f"(--sequential {sequential[0] / floor[0]:.2f}x)"
    )
    return {"floor": floor, "batch": parallel, "sequential": sequential, "jinja": peer}


def expand_brief(tmp, axes, name):
    vary = {f"text.t{a}": [f"word {a}-{v}" for v in range(10)] for a in range(axes)}
    path = os.path.join(tmp, f"{name}.json")
    with open(path, "w") as f:
        json.dump({"name": name, "subject": "a grid of words", "vary": vary}, f)
    return path


def check_expand(path, total):
    """Every variant once: `total` lines, no prompt twice (hashes, to keep this driver small)."""
    with open(path, encoding="utf-8") as f:
        prompts = {hash(json.loads(line)["prompt"]) for line in f}
    assert len(prompts) == total, f"{path}: {len(prompts)} distinct prompts, not {total}"


def expand(tmp, imgprompt, python, k, axes):
    out = os.path.join(tmp, "variants.jsonl")
    brief = expand_brief(tmp, axes, "grid")
    total = 10**axes
    print(f"\nexpand: {axes} text axes of 10 values, {total:,} variants, prompts out")
    ours = runs([imgprompt, "expand", brief, "--emit", "prompt"], k, stdout=out)
    check_expand(out, total)
    row("imgprompt expand --emit prompt", ours, per=total)
    peer = runs([python, os.path.join(HERE, "dynamic_prompts.py"), str(axes), "10", out], k)
    check_expand(out, total)
    row("Dynamic Prompts 0.31.0, combinatorial", peer, per=total)
    print(f"ratios: Dynamic Prompts CPU / imgprompt CPU = {peer[1] / ours[1]:.1f}x")
    million = expand_brief(tmp, axes + 1, "million")
    many = total * 10
    argv = [imgprompt, "expand", million, "--emit", "prompt", "--max-variants", str(many)]
    big = runs(argv, 1, stdout=out)
    check_expand(out, many)
    row(f"imgprompt expand, {many:,} variants", big, per=many)
    return {"expand": ours, "dynamicprompts": peer, "million": big}


def cold(tmp, imgprompt, python, k):
    example = os.path.join(ROOT, "examples/poster-future-forms.yaml")
    print("\ncold start: one brief, the whole process")
    ours = runs([imgprompt, "render", example], k)
    row("imgprompt render examples/poster-future-forms.yaml", ours)
    src = os.path.join(tmp, "one.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        f.write(generate(1))
    schema = os.path.join(tmp, "brief.schema.json")
    requests = os.path.join(ROOT, "schemas/targets/openai-images-generations.schema.json")
    prices = os.path.join(ROOT, "data/prices.json")
    pipeline = os.path.join(HERE, "jinja_pipeline.py")
    out = os.path.join(tmp, "one.out")
    peer = runs([python, pipeline, schema, requests, prices, src, out], k)
    row("Jinja2 + fastjsonschema pipeline, one brief", peer)
    return {"render": ours, "jinja": peer}


def main(imgprompt, xtask):
    quick = os.environ.get("IMGPROMPT_PEERS_QUICK") == "1"
    n = int(os.environ.get("IMGPROMPT_PEERS_N", "200" if quick else "100000"))
    k = int(os.environ.get("IMGPROMPT_PEERS_RUNS", "1" if quick else "5"))
    axes = 3 if quick else 5
    python = sys.executable
    print(f"imgprompt vs peers: {os.cpu_count()} cores, {k} runs each, medians; {python}")
    with tempfile.TemporaryDirectory(prefix="imgprompt-peers-") as tmp:
        results = batch(tmp, imgprompt, xtask, python, n, k)
        results.update(expand(tmp, imgprompt, python, k, axes))
        cold_runs = k if quick else max(k, 20)
        results.update({f"cold-{key}": v for key, v in cold(tmp, imgprompt, python, cold_runs).items()})
    report = os.environ.get("IMGPROMPT_PEERS_JSON")
    if report:
        with open(report, "w") as f:
            json.dump({key: dict(zip(("wall", "cpu", "rss_mb"), v)) for key, v in results.items()},
                      f, indent=2)


if __name__ == "__main__":
    main(*sys.argv[1:3])
