import numpy as np, time
from core.vectors import VectorIndex
rng = np.random.default_rng(1)
N=60_000; per=300
vecs = rng.normal(size=(N,384)).astype("float32"); vecs/=np.linalg.norm(vecs,axis=1,keepdims=True)
vecs[8*per:9*per] = vecs[8*per:9*per]  # same
vi = VectorIndex("/tmp/vx/big")
print(vi._table.index_stats("vector_idx"))
q = rng.normal(size=(30,384)).astype("float32"); q/=np.linalg.norm(q,axis=1,keepdims=True)
exact = np.argsort(-(q@vecs.T),axis=1)[:,:10]
t = vi._table
for npb, ef, rf in [(20,1000,10),(20,3000,10),(20,10000,10)]:
    rec=[]; t0=time.time()
    for i in range(30):
        b = t.search(q[i]).distance_type("cosine").nprobes(npb).refine_factor(rf).select(["call_id","pos","_distance"]).limit(10)
        if ef: b=b.ef(ef)
        got = {r["call_id"]*per+r["pos"] for r in b.to_list()}
        rec.append(len(got & set(exact[i].tolist()))/10)
    print(npb, ef, rf, np.mean(rec), (time.time()-t0)/30)
