"""Training the answer ranker on public QA data (train splits only): libraries, features and labels, the fit.

``library`` turns a SQuAD-format train file into a folder of reports and
labelled questions; ``collect`` builds that folder's index with the real
indexer and asks every question through the real pipeline, keeping each
candidate's features and whether it holds the gold answer; ``fit`` trains the
models and writes the model file and its card.  ``assistant train-ranker`` runs
all three.
"""
