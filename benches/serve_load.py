"""Load figure of `imgprompt serve`: THREADS client threads post the given briefs to /api/render in
turn, PER requests each; prints requests/s and p50/p99 latency. Usage:
    imgprompt serve --port 7878 &
    python3 benches/serve_load.py 7878 8 250 examples/*.yaml examples/*.json
"""
import json, sys, threading, time, urllib.request
port = int(sys.argv[1]); threads = int(sys.argv[2]); per = int(sys.argv[3])
briefs = [open(f).read() for f in sys.argv[4:]]
lat = []; errors = [0]; lock = threading.Lock()
def worker(k):
    for i in range(per):
        body = json.dumps({"brief": briefs[(k + i) % len(briefs)], "format": "json" if sys.argv[4 + (k + i) % len(briefs)].endswith(".json") else "yaml"}).encode()
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/render", data=body, headers={"Content-Type": "application/json"})) as r:
                r.read()
                ok = r.status == 200
        except Exception:
            ok = False
        d = time.perf_counter() - t
        with lock:
            lat.append(d)
            if not ok: errors[0] += 1
t0 = time.perf_counter()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
total = time.perf_counter() - t0
lat.sort()
print(json.dumps({"requests": len(lat), "errors": errors[0], "seconds": round(total, 2), "rps": round(len(lat) / total, 1), "p50_ms": round(lat[len(lat)//2]*1000, 2), "p99_ms": round(lat[int(len(lat)*0.99)]*1000, 2)}))
