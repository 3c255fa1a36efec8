"""Memory section: peak RSS of the ingest subprocesses and of the app serving the pages (measured by the ingest and
dashboard benchmarks)."""
from __future__ import annotations

from .ingest import IngestResult
from .report import machine_facts, mib, table


def section(ingest: IngestResult | None, app: dict | None) -> str:
    """The markdown of the memory measurements that the run produced."""
    rows = []
    for run in ingest.runs if ingest else ():
        rows.append([f"ingest subprocess: {run.label}", f"{run.facts['calls']} calls, {run.facts['sentences']:,} "
                     "sentences", "ru_maxrss of the ingest process", mib(run.facts["peak_rss_kib"])])
    if ingest and ingest.memory:
        f = ingest.memory.facts
        rows.append([f"ingest subprocess alone: {ingest.memory.label}", f"{f['calls']} calls, {f['sentences']:,} "
                     f"sentences in {f['import_s'] + f['analyse_s']:.0f} s", "ru_maxrss (no baseline passes)",
                     mib(f["peak_rss_kib"])])
    for label, (mem, timings) in (app or {}).items():
        biggest = max(timings, key=lambda t: t.hwm_kib)
        rows.append([f"app server: {label}", f"idle after start {mib(mem['idle_rss'])} MiB; after all pages "
                     f"{mib(mem['rss'])} MiB", f"VmHWM after serving {len(timings)} pages twice "
                     f"(peak first reached by: {biggest.page})", mib(mem["hwm"])])
    return "\n".join([
        "## Memory: peak resident set size",
        "",
        machine_facts(),
        "",
        "Ingest: the worker process's own `ru_maxrss` after import + analysis (models loaded). App: "
        "`/proc/<pid>/status` VmHWM of the `streamlit run` process (one process serves "
        "every session) after the dashboard benchmark's page loads.",
        "",
        table(["process", "work", "measure", "peak RSS MiB"], rows),
    ])
