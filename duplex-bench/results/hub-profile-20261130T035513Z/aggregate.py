import json, sys, collections
data = json.load(open(sys.argv[1]))
events = data["recording"]["events"]
for kind, name in (("jdk.ExecutionSample", "Java (jdk.ExecutionSample)"), ("jdk.NativeMethodSample", "native (jdk.NativeMethodSample)")):
    evs = [e for e in events if e["type"] == kind]
    evs = [e for e in evs if (e["values"].get("sampledThread") or {}).get("javaName", "").startswith(sys.argv[2])] if len(sys.argv) > 2 else evs
    leaf = collections.Counter(); incl = collections.Counter()
    def fname(f):
        m = f["method"]; return m["type"]["name"] + "." + m["name"]
    for e in evs:
        fr = (e["values"].get("stackTrace") or {}).get("frames") or []
        if not fr: continue
        leaf[fname(fr[0])] += 1
        for n in set(fname(f) for f in fr): incl[n] += 1
    n = len(evs)
    print(f"### {name}\nsamples {n}\n-- leaf")
    for k, v in leaf.most_common(18): print(f"{100*v/n:5.1f}% {k}")
    print("-- inclusive")
    for k, v in incl.most_common(30): print(f"{100*v/n:5.1f}% {k}")
