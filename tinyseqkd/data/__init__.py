"""Text in, padded id arrays out: corpora, tokenization, BPE, vocabularies and batches."""
