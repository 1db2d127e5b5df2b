"""A straightforward batched beam search in PyTorch, timed beside ``tinyseqkd.decoding.beam_search``.

It runs the same search on ``torch_reference.TorchSeq2Seq`` (the same model, weights copied from tinyseqkd): beam K;
candidates ranked by their score (the sum of log-probabilities); a candidate ending in ``</s>`` among the K best
finishes; the beam is refilled to K with the best other candidates; a sentence is done when its best finished score
is at least its best live score, or at its length limit (2 × source length + 10 words, where only ``</s>`` may
follow); done sentences leave the batch. No length normalisation; only the best hypothesis is kept. Ties are left
to ``torch.topk``.
"""

from __future__ import annotations

import torch

BOS, EOS = 2, 3


@torch.no_grad()
def torch_beam_search(model, src: torch.Tensor, src_lengths: torch.Tensor, beam_size: int = 5,
                      max_len_ratio: float = 2.0, max_len_extra: int = 10) -> list[list[int]]:
    """Best hypothesis (ids without ``</s>``) of each sentence of a padded batch."""
    B, K = src.shape[0], beam_size
    memory, keys, mask, states = model.encode(src, src_lengths)
    limits = (src_lengths.double() * max_len_ratio).long() + max_len_extra
    steps = int(limits.max()) + 1
    tokens_seen = torch.zeros(steps, B, K, dtype=torch.long)
    parents_seen = torch.zeros(steps, B, K, dtype=torch.long)
    best_score = torch.full((B,), float("-inf"))
    best_end = torch.zeros(B, dtype=torch.long)  # (step, row) of the best finished hypothesis
    best_row = torch.zeros(B, dtype=torch.long)
    alive = torch.arange(B)
    rows_memory, rows_keys, rows_mask = memory, keys, mask
    h_tilde = torch.zeros(B, model.hidden_size)
    prev = torch.full((B,), BOS, dtype=torch.long)
    scores = torch.zeros(B, 1)
    for t in range(steps):
        h_tilde, states, _ = model.decode_step(prev, h_tilde, states, rows_memory, rows_keys, rows_mask)
        n, k = scores.shape
        log_probs = torch.log_softmax(model.generator(h_tilde), dim=-1).view(n, k, -1)
        V = log_probs.shape[2]
        candidates = (scores.unsqueeze(2) + log_probs).view(n, k * V)
        top_scores, top_index = candidates.topk(min(2 * K, k * V), dim=1)  # sorted, best first
        rows, words = top_index // V, top_index % V
        at_limit = limits[alive] == t
        # finished this step: </s> among the K best, or every row's </s> at the limit
        end_scores = torch.where((words == EOS) & (torch.arange(top_scores.shape[1]) < K), top_scores,
                                 torch.tensor(float("-inf")))
        end_best, end_rank = end_scores.max(dim=1)
        end_row = rows.gather(1, end_rank[:, None])[:, 0]
        limit_best, limit_row = (scores + log_probs[:, :, EOS]).max(dim=1)
        end_best = torch.where(at_limit, limit_best, end_best)
        end_row = torch.where(at_limit, limit_row, end_row)
        better = end_best > best_score[alive]
        best_score[alive] = torch.where(better, end_best, best_score[alive])
        best_end[alive] = torch.where(better, torch.tensor(t), best_end[alive])
        best_row[alive] = torch.where(better, end_row, best_row[alive])
        # the next beam: the K best candidates that do not end
        next_scores, pick = top_scores.masked_fill(words == EOS, float("-inf")).topk(K, dim=1)
        next_tokens, next_parents = words.gather(1, pick), rows.gather(1, pick)
        tokens_seen[t, alive], parents_seen[t, alive] = next_tokens, next_parents
        done = at_limit | (best_score[alive] >= next_scores[:, 0])
        if bool(done.all()):
            break
        live = torch.nonzero(~done)[:, 0]
        keep_rows = (live[:, None] * k + next_parents[live]).view(-1)
        states = [(h.index_select(0, keep_rows), c.index_select(0, keep_rows)) for h, c in states]
        h_tilde, prev, scores = h_tilde.index_select(0, keep_rows), next_tokens[live].view(-1), next_scores[live]
        if t == 0 or len(live) < n:
            alive = alive[live]
            sentence_rows = alive.repeat_interleave(K)
            rows_memory, rows_keys, rows_mask = memory[sentence_rows], keys[sentence_rows], mask[sentence_rows]
    return [_read_back(tokens_seen, parents_seen, b, int(best_end[b]), int(best_row[b])) for b in range(B)]


def _read_back(tokens, parents, b: int, end: int, row: int) -> list[int]:
    """The words of the hypothesis that ended at step ``end`` from beam row ``row``, following the parents back."""
    words = []
    for t in range(end - 1, -1, -1):
        words.append(int(tokens[t, b, row]))
        row = int(parents[t, b, row])
    return words[::-1]
