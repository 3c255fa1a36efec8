import numpy as np, time
from core.vectors import VectorIndex
rng = np.random.default_rng(1)
N=60_000; per=300
vecs = rng.normal(size=(N,384)).astype("float32"); vecs/=np.linalg.norm(vecs,axis=1,keepdims=True)
def rows(cid, lo, hi):
    return [dict(call_id=cid,pos=i-lo,ticker="NVDA",fiscal_year=2020+cid%5,fiscal_quarter=1+cid%4,section="qa",speaker_kind="analyst",topic=None,text=f"s {i}",vector=vecs[i]) for i in range(lo,hi)]
vi = VectorIndex("/tmp/vx/big")
t=time.time()
vi.write_calls({c: rows(c, c*per, (c+1)*per) for c in range(N//per)})
print("bulk write", time.time()-t, vi.count())
t=time.time(); vi.write_call(7, rows(7, 7*per, 8*per)); print("merge one call", time.time()-t, vi.count())
t=time.time(); vi.ensure_index(); print("ensure_index", time.time()-t, vi.index_names())
t=time.time(); vi.write_call(8, rows(8, 8*per, 9*per)); print("merge one call indexed", time.time()-t, vi.count())
q = rng.normal(size=(50,384)).astype("float32"); q/=np.linalg.norm(q,axis=1,keepdims=True)
exact = np.argsort(-(q@vecs.T),axis=1)[:,:10]
rec=[]; t=time.time()
for i in range(50):
    hits = vi.search(q[i], mode="vector", k=10)
    got = {h.call_id*per+h.pos for h in hits}
    rec.append(len(got & set(exact[i].tolist()))/10)
print("recall", np.mean(rec), (time.time()-t)/50)
t=time.time(); vi._table.optimize(); print("optimize", time.time()-t)
