"""Low-rank adapters: a fresh adapter is exactly the base layer, merging keeps the function, only adapters and head
are saved (and read back exactly), every linear layer of every BERT encoder layer is adapted."""
from __future__ import annotations

import pytest
import torch
from safetensors import safe_open
from transformers import BertConfig, BertModel

from core.analysis.lora import (
    TARGETS,
    LoRALinear,
    adapter_state,
    adapters,
    add_adapters,
    load_adapters,
    merge_adapters,
    read_shape,
    save_adapters,
)
from core.analysis.sentiment_accurate import HEAD, AdaptedClassifier
from core.embedding import load_encoder


def tiny_bert(seed: int = 0) -> BertModel:
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=48, max_position_embeddings=16)
    return BertModel(config).eval()


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.tensor([[2, 7, 9, 11, 3, 0], [2, 5, 3, 0, 0, 0]])
    return ids, (ids != 0).long()


def randomise(model: torch.nn.Module, seed: int) -> None:
    """Non-zero B matrices (and head), as after training."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for layer in adapters(model):
            layer.lora_b.normal_(std=0.05)
        if hasattr(model, "head"):
            model.head.weight.normal_(std=0.1)


def test_a_fresh_adapter_is_exactly_the_base_layer():
    torch.manual_seed(1)
    base = torch.nn.Linear(8, 5)
    x = torch.randn(4, 8)
    adapted = LoRALinear(base, rank=2, alpha=4)
    assert adapted.scaling == 2.0 and adapted.lora_a.shape == (2, 8) and adapted.lora_b.shape == (5, 2)
    assert torch.count_nonzero(adapted.lora_b) == 0 and torch.count_nonzero(adapted.lora_a) > 0
    assert torch.equal(adapted(x), base(x))
    with torch.no_grad():
        adapted.lora_b.fill_(0.5)
    expected = base(x) + (x @ adapted.lora_a.T @ adapted.lora_b.T) * 2.0
    assert torch.allclose(adapted(x), expected, atol=1e-6)


def test_rank_must_be_positive():
    with pytest.raises(ValueError, match="rank must be positive, got 0"):
        LoRALinear(torch.nn.Linear(4, 4), rank=0, alpha=1)


def test_every_linear_of_every_encoder_layer_is_adapted_and_only_adapters_train():
    model = tiny_bert()
    ids, mask = batch()
    before = model(input_ids=ids, attention_mask=mask).last_hidden_state
    names = add_adapters(model, rank=4, alpha=8)
    assert names == [f"encoder.layer.{i}.{t}" for i in range(2) for t in TARGETS]
    assert torch.equal(model(input_ids=ids, attention_mask=mask).last_hidden_state, before)  # B = 0: the base
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable == {f"{n}.{m}" for n in names for m in ("lora_a", "lora_b")}


def test_the_minilm_copy_is_adapted_and_the_search_encoder_untouched():
    encoder = load_encoder()
    frozen = {name: p.clone() for name, p in encoder.model.named_parameters()}
    classifier = AdaptedClassifier(encoder.model, rank=8, alpha=16)
    assert len(adapters(classifier)) == 6 * len(TARGETS) == 36
    assert not any(isinstance(m, LoRALinear) for m in encoder.model.modules())
    tokens = encoder.tokenizer(["Revenue rose 40% to a record.", "Okay."], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(classifier.encoder(**tokens).last_hidden_state, encoder.model(**tokens).last_hidden_state)
    assert all(torch.equal(p, frozen[name]) for name, p in encoder.model.named_parameters())
    # rank 16 fits the 5 MB artefact limit in float32: 6 layers x (4 x 16 x 768 + 2 x 16 x 1920), + the head
    saved = adapter_state(AdaptedClassifier(encoder.model, rank=16, alpha=32), also=HEAD)
    count = sum(t.numel() for t in saved.values())
    assert count == 663_552 + 384 * 3 + 3 and count * 4 < 5 * 2**20


def test_merged_layers_compute_the_same_function():
    classifier = AdaptedClassifier(tiny_bert(), rank=4, alpha=8).eval()
    randomise(classifier, seed=2)
    ids, mask = batch()
    with torch.no_grad():
        adapted = classifier(ids, mask)
        assert merge_adapters(classifier) == 2 * len(TARGETS)
        merged = classifier(ids, mask)
    assert not adapters(classifier)
    assert torch.allclose(adapted, merged, atol=1e-5)


def test_save_and_load_round_trip_only_adapters_and_head(tmp_path):
    trained = AdaptedClassifier(tiny_bert(), rank=4, alpha=6).eval()
    randomise(trained, seed=3)
    path = tmp_path / "adapter.safetensors"
    size = save_adapters(trained, path, also=HEAD)
    assert size == path.stat().st_size
    with safe_open(str(path), framework="pt") as handle:
        keys, metadata = set(handle.keys()), handle.metadata()
        assert all(handle.get_tensor(k).dtype == torch.float32 for k in keys)
    assert metadata == {"rank": "4", "alpha": "6.0"} and read_shape(path) == (4, 6.0)
    assert keys == set(adapter_state(trained, also=HEAD))
    assert {k.rsplit(".", 1)[-1] for k in keys} == {"lora_a", "lora_b", "weight", "bias"}
    assert all(".lora_" in k or k.startswith("head.") for k in keys)  # no base weight is saved

    fresh = AdaptedClassifier(tiny_bert(), rank=4, alpha=6).eval()  # same base, untrained adapters and head
    ids, mask = batch()
    with torch.no_grad():
        assert not torch.allclose(fresh(ids, mask), trained(ids, mask))
        load_adapters(fresh, path, also=HEAD)
        assert torch.equal(fresh(ids, mask), trained(ids, mask))


def test_loading_adapters_of_another_shape_is_an_error(tmp_path):
    path = tmp_path / "adapter.safetensors"
    save_adapters(AdaptedClassifier(tiny_bert(), rank=4, alpha=8), path, also=HEAD)
    with pytest.raises(ValueError, match="other shapes than the model's"):
        load_adapters(AdaptedClassifier(tiny_bert(), rank=2, alpha=8), path, also=HEAD)
    with pytest.raises(ValueError, match=r"rank 4, alpha 8 differ from the model's"):
        load_adapters(AdaptedClassifier(tiny_bert(), rank=4, alpha=16), path, also=HEAD)
    with pytest.raises(ValueError, match=r"do not fit the model \(missing \[\], unexpected \['head.bias'"):
        load_adapters(AdaptedClassifier(tiny_bert(), rank=4, alpha=8), path)


def test_rank_zero_trains_every_weight_of_a_copy_and_adds_no_adapter():
    base = tiny_bert().requires_grad_(False)
    full = AdaptedClassifier(base, rank=0, alpha=0.0)
    assert not adapters(full)
    assert all(p.requires_grad for p in full.parameters())
    assert not any(p.requires_grad for p in base.parameters())
