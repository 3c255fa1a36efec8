import numpy as np, time
from core.vectors import VectorIndex
rng = np.random.default_rng(2)
N=60_000; per=300
centers = rng.normal(size=(300,384)).astype("float32")
vecs = centers[rng.integers(0,300,N)] + 0.8*rng.normal(size=(N,384)).astype("float32")
vecs/=np.linalg.norm(vecs,axis=1,keepdims=True)
vi = VectorIndex("/tmp/vx/clu")
vi.write_calls({c: [dict(call_id=c,pos=i-c*per,ticker="NVDA",fiscal_year=2020,fiscal_quarter=1,section="qa",speaker_kind="analyst",topic=None,text=f"s {i}",vector=vecs[i]) for i in range(c*per,(c+1)*per)] for c in range(N//per)})
t0=time.time(); vi.ensure_index(); print("build", time.time()-t0)
q = centers[rng.integers(0,300,30)] + 0.8*rng.normal(size=(30,384)).astype("float32"); q/=np.linalg.norm(q,axis=1,keepdims=True)
print("sim of nn", np.sort(q@vecs.T,axis=1)[:,-1].mean(), "median", np.median(q@vecs.T))
exact = np.argsort(-(q@vecs.T),axis=1)[:,:10]
t = vi._table
for npb, ef, rf in [(20,None,None),(20,None,5),(20,200,5),(20,500,5),(20,1000,5)]:
    rec=[]; t0=time.time()
    for i in range(30):
        b = t.search(q[i]).distance_type("cosine").nprobes(npb).select(["call_id","pos","_distance"]).limit(10)
        if ef: b=b.ef(ef)
        if rf: b=b.refine_factor(rf)
        got = {r["call_id"]*per+r["pos"] for r in b.to_list()}
        rec.append(len(got & set(exact[i].tolist()))/10)
    print(npb, ef, rf, np.mean(rec), (time.time()-t0)/30)
