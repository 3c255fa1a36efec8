"""The device kit of scripts/train_accurate.py: examples and a float16 base model that read back as written, and a
run from a kit that needs none of the libraries a bare GPU machine lacks (no training here)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from core.embedding import base_model_path, encoder_from, load_encoder
from scripts.accurate_kit import (
    EXAMPLES_FILE,
    MODEL_SUBDIR,
    WEIGHTS_FILE,
    TrainingData,
    export_base_model,
    folder_bytes,
    read_kit,
    write_kit,
)
from scripts.sentiment_data import Example, trained_on
from scripts.train_accurate import RunConfig, parse_configs, train_main

ROOT = Path(__file__).resolve().parents[1]
# invented sentences (no PhraseBank or transcript text is kept in the repository)
DATA = TrainingData(
    phrasebank_train=[Example("Sales of widgets rose sharply.", 2, True), Example("The plant is in Oulu.", 1)],
    phrasebank_validation=[Example("Profit fell by half.", 0, True), Example("Shares were flat.", 1, True)],
    incall=[Example("We had a great quarter.", 2, call="AAA/2024-01-01-AAA.txt", stratum="prepared-executive-rest"),
            Example("Supply was tight.", 0, call="BBB/2024-02-01-BBB.txt", stratum="qa-analyst-lmneg"),
            Example("Margins may recover.", 2, call="BBB/2024-02-01-BBB.txt", stratum="targeted-hedged")],
    weights=[12.5, 3.0, 0.0],
)


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kit")
    write_kit(DATA, base_model_path(), folder)
    return folder


def test_a_kit_reads_back_its_examples_and_weights(kit):
    assert read_kit(kit) == DATA
    assert DATA.held_out("BBB") == ([DATA.incall[1]], [3.0]) and DATA.tickers() == ["AAA", "BBB"]  # not the targeted
    assert read_kit(kit).incall[2].targeted
    assert trained_on(DATA.incall, targeted=False) == DATA.incall[:2]
    assert trained_on(DATA.incall, targeted=True) == DATA.incall


def test_an_edited_kit_is_refused(kit, tmp_path):
    for path in kit.iterdir():
        if path.is_file():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / EXAMPLES_FILE).write_text((kit / EXAMPLES_FILE).read_text(encoding="utf-8").replace("Oulu", "Espoo"),
                                          encoding="utf-8")
    with pytest.raises(ValueError, match="is not the file .*kit.json describes"):
        read_kit(tmp_path)


def test_the_base_model_travels_in_float16_and_loads_back_in_float32(kit):
    model_dir = kit / MODEL_SUBDIR
    with safe_open(str(model_dir / WEIGHTS_FILE), framework="pt") as handle:
        dtypes = {handle.get_tensor(k).dtype for k in handle.keys()}
    assert dtypes == {torch.float16, torch.int64}  # the weights; the position ids stay integers
    assert folder_bytes(kit) < 50 * 2**20  # with the real examples (1.3 MB) the kit stays well under 60 MB
    original = load_file(str(base_model_path() / WEIGHTS_FILE))
    copy = encoder_from(model_dir)
    assert copy.model.dtype == torch.float32
    state = copy.model.state_dict()
    shared = [k for k in original if k in state]
    assert len(shared) >= 100 and all(torch.equal(state[k], original[k].half().float()) for k in shared)
    texts = ["Revenue rose 40% to a record.", "Okay."]
    assert copy.tokenize(texts).ids[0].tolist() == load_encoder().tokenize(texts).ids[0].tolist()


def test_exporting_twice_gives_the_same_files(kit, tmp_path):
    export_base_model(base_model_path(), tmp_path)
    for path in (kit / MODEL_SUBDIR).iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_a_run_from_a_kit_imports_nothing_a_bare_gpu_machine_lacks(kit):
    code = (
        "import sys\n"
        "sys.path.insert(0, 'tests')\n"
        "import bare_gpu_env\n"
        "bare_gpu_env.hide()\n"
        "from pathlib import Path\n"
        "import torch\n"
        "from scripts.train_accurate import Batches, check_kit_imports, predict\n"
        "from scripts.accurate_kit import read_kit\n"
        "from core.analysis.sentiment_accurate import AdaptedClassifier\n"
        "from core.embedding import encoder_from\n"
        "kit = Path(sys.argv[1])\n"
        "data = read_kit(kit)\n"
        "encoder = encoder_from(kit / 'minilm')\n"
        "examples = data.phrasebank_train + data.incall\n"
        "batches = Batches(encoder.tokenizer, [e.text for e in examples], device='cpu')\n"
        "model = AdaptedClassifier(encoder.model, rank=2, alpha=4)\n"
        "print(len(predict(model, batches, batches.tokens(examples))))\n"
        "check_kit_imports()\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(kit)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "5\n" and "imports checked: nothing a bare GPU machine lacks" in done.stderr


def test_configurations_are_rank_lr_and_optional_epochs():
    args = type("Args", (), {"rank": 16, "lr": 5e-4, "epochs": 5, "alpha": None, "batch": 32, "dropout": 0.1,
                             "adapter_dropout": 0.1})()
    assert parse_configs(None, args) == [RunConfig(rank=16, lr=5e-4, epochs=5, alpha=32.0)]
    assert parse_configs("8:1e-3,16:2e-4:3", args) == [RunConfig(rank=8, lr=1e-3, epochs=5, alpha=16.0),
                                                        RunConfig(rank=16, lr=2e-4, epochs=3, alpha=32.0)]
    assert RunConfig(rank=8, lr=1e-3, epochs=5).name == "r8-lr0.001-e5"
    with pytest.raises(SystemExit, match="expected RANK:LR"):
        parse_configs("8", args)


def test_targeted_training_needs_targeted_labels(kit, tmp_path):
    with pytest.raises(SystemExit, match="--targeted: these examples hold no targeted label"):
        train_main(["--data", str(kit), "--targeted", "--limit", "1", "--out", str(tmp_path / "r.json")])
    assert not (tmp_path / "r.json").exists()


def test_final_takes_one_configuration(kit, tmp_path):
    with pytest.raises(SystemExit, match="--final trains one configuration"):
        train_main(["--data", str(kit), "--configs", "8:1e-3,16:1e-3", "--final", "--out", str(tmp_path / "r.json")])
    assert not (tmp_path / "r.json").exists()


def test_the_kit_manifest_counts_each_part(kit):
    manifest = json.loads((kit / "kit.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"phrasebank_train": 2, "phrasebank_validation": 2, "incall_AAA": 1,
                                  "incall_BBB": 1, "incall_targeted": 1}
