import numpy as np, time, lancedb
from core.vectors import VectorIndex
rng = np.random.default_rng(2)
N=60_000; per=300
centers = rng.normal(size=(300,384)).astype("float32")
vecs = centers[rng.integers(0,300,N)] + 0.8*rng.normal(size=(N,384)).astype("float32")
vecs/=np.linalg.norm(vecs,axis=1,keepdims=True)
vi = VectorIndex("/tmp/vx/clu")
q = centers[rng.integers(0,300,30)] + 0.8*rng.normal(size=(30,384)).astype("float32"); q/=np.linalg.norm(q,axis=1,keepdims=True)
exact = np.argsort(-(q@vecs.T),axis=1)[:,:10]
t = vi._table
for cfg in [dict(ef_construction=150, m=16), dict(ef_construction=100, m=12, sample_rate=128)]:
    t0=time.time(); t.create_index("vector", config=lancedb.index.IvfHnswSq(distance_type="cosine", **cfg), replace=True); print(cfg, "build", time.time()-t0)
    rec=[]
    for i in range(30):
        b = t.search(q[i]).distance_type("cosine").nprobes(20).refine_factor(5).select(["call_id","pos","_distance"]).limit(10)
        got = {r["call_id"]*per+r["pos"] for r in b.to_list()}
        rec.append(len(got & set(exact[i].tolist()))/10)
    print(np.mean(rec))
