"""Abuse figures of `imgprompt serve` (a sketch; not run by CI): PARALLEL clients each post the
amplification request of the serve hardening (a 1 MB brief: 36,000 short `inputs.images` URLs, a
100-value `vary`, `first: 100`) to /api/expand, then a handful of half-open connections are left
idle; prints the status codes, the largest answer, the time, and the server's peak RSS (VmHWM,
Linux) before and after. Usage:
    imgprompt serve --port 7878 &
    python3 benches/serve_abuse.py 7878 8 $!
"""
import collections, json, socket, sys, threading, time, urllib.error, urllib.request

port, parallel, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def hwm():
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM"):
                return line.split(None, 1)[1].strip()
    except OSError:
        return "?"

brief = {"subject": "a cat", "inputs": {"images": [f"https://e.x/{i}.png" for i in range(36_000)]},
         "vary": {"subject": [f"a cat number {i}" for i in range(100)]}}
body = json.dumps({"brief": brief, "first": 100}).encode()
codes, sizes, lock = collections.Counter(), [0], threading.Lock()

def client():
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/expand", data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            code, n = r.status, len(r.read())
    except urllib.error.HTTPError as e:
        code, n = e.code, len(e.read())
    except Exception as e:  # reset, timeout
        code, n = type(e).__name__, 0
    with lock:
        codes[code] += 1
        sizes[0] = max(sizes[0], n)

print("peak RSS before:", hwm())
t0 = time.perf_counter()
ts = [threading.Thread(target=client) for _ in range(parallel)]
[t.start() for t in ts]; [t.join() for t in ts]
took = time.perf_counter() - t0
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
t1 = time.perf_counter()
with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=60) as r:
    health = (r.status, round(time.perf_counter() - t1, 3))
print(json.dumps({"request_bytes": len(body), "codes": {str(k): v for k, v in codes.items()},
                  "largest_answer": sizes[0], "seconds": round(took, 2), "health_with_16_idle": health,
                  "peak_rss_after": hwm()}))
for s in idle:
    s.close()
