PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PORT    ?= 8501
SCALE   ?= default

.PHONY: install run test bench train-sentiment train-sentiment-phrasebank bench-sentiment bench-sentiment-ceiling clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

run: install
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

PHRASEBANK ?= ../shared/sentiment/phrasebank-train
CORPUS     ?= ../shared/corpus/streetevents

# the shipped model (models/sentiment): PhraseBank train part + the in-call labels (texts rebuilt from CORPUS)
train-sentiment: install
	$(BIN)/python -m scripts.train_sentiment $(PHRASEBANK) --corpus $(CORPUS)

# the PhraseBank-only baseline the benchmark compares with (models/sentiment-phrasebank)
train-sentiment-phrasebank: install
	$(BIN)/python -m scripts.train_sentiment $(PHRASEBANK) --phrasebank-only --label-smoothing 0 \
		--out models/sentiment-phrasebank

# all benchmarks into BENCHMARKS.md: ~10-15 min at the default sizes; SCALE=full = 1M vectors, 20k calls, 180 real calls
bench: install
	$(BIN)/python -m scripts.bench --scale $(SCALE)

bench-sentiment: install
	$(BIN)/python -m scripts.bench_sentiment $(PHRASEBANK) --corpus $(CORPUS)

# the whole base model fine-tuned, leave one company out: how far MiniLM-L6 goes with these labels (~25 min)
bench-sentiment-ceiling: install
	$(BIN)/python -m scripts.sentiment_ceiling $(PHRASEBANK) --corpus $(CORPUS)

clean:
	rm -rf $(VENV)
