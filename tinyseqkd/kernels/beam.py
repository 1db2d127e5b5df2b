"""One step of beam search for a batch of sentences: a numba kernel beside its numpy twin.

At step t every live sentence b has k beam rows (k = 1 at the first step, K afterwards), each a partial
hypothesis with a score (the sum of its log-probabilities so far), and the model has just given log p(w | row)
for every word w. One step (Kim & Rush 2016, Sec. 3.2: the teacher's beam output ŷ)::

    candidate (row, w)  scores  beam_scores[row] + log p(w | row)               (k × V candidates)
    rank them           best first; equal scores: the lower flat index row · V + w first (deterministic)
    walk the ranking    a candidate ending in </s> with rank < K finishes: it leaves the beam for the finished set,
                        whose entry is (normalised score, score, t, parent row);
                        every other candidate joins the new beam until it holds K rows
    stop the sentence   when it cannot be beaten (below), or at its length limit

The **length limit** L (the longest output, without ``</s>``): at step t = L only ``</s>`` may follow, so every
live row finishes. Each finished hypothesis therefore ends in ``</s>`` and its score is log p(y </s> | s).

**Length normalisation**: finished hypotheses are ranked by ``score / (T + 1) ** length_penalty``, T the number of
words, T + 1 the number of predicted tokens (``</s>`` included). ``length_penalty = 0`` ranks by the score itself.

**The stopping rule** (exact, no heuristic): a sentence is done once its finished set holds ``n_best`` entries and
the worst of them is at least as good as anything the beam could still produce. Log-probabilities are ≤ 0, so a
row with score s can only lose score, and its best possible normalised score is ``s / (L + 1) ** length_penalty``
(the longest length divides the least-negative score most). With ``length_penalty = 0`` that bound is s itself, so
decoding stops as soon as the n-th best finished score reaches the best live score; with ``length_penalty > 0`` the
bound is loose and most sentences decode to their length limit.

A beam row that no candidate could fill (a vocabulary smaller than the beam) is *dead*: score -inf, word 0, parent
0; no candidate is ever made from it.

Arrays (Bc live sentences, k rows each, K the beam size, V the vocabulary, n = n_best, B all sentences)::

    log_probs   (Bc, k, V) float32     beam_scores (Bc, k) float32      sentence_ids (Bc,) int64 → rows of B
    limits      (B,) int64             new_tokens, new_parents (Bc, K) int64, new_scores (Bc, K) float32, done (Bc,)
    finished set, updated in place:    fin_norm (B, n) float64, fin_score (B, n) float32, fin_step, fin_parent
                                       (B, n) int64, fin_count (B,) int64; sorted best first, ties: earlier first

Where the time goes (one thread; 64 sentences × beam 5 = 320 rows, 8,000 words; per step): the teacher (2 × 256)
spends ~14 ms in the decoder step and ~16 ms in the output layer W_o h̃ + b — BLAS matrix products running near the
core's peak — ~3 ms in log-softmax and ~1.8 ms in this kernel; the student (1 × 64) ~1 ms, ~9 ms, ~3 ms and ~1.8 ms.
The numpy twin takes ~240 ms (it sorts all 40,000 candidates of each sentence; ``np.argpartition`` alone takes
~11 ms); reordering the decoder state by the parents, a row gather, 0.1 ms. Hence the boundary: the kernel does the
selection only, after the model's own ``log_probs``. Fusing log-softmax into it would save at most its ~3 ms a step
(under 10% for the teacher) at the price of a second copy of the output layer's arithmetic in decoding.

``beam_search`` (``tinyseqkd.decoding``) calls the dispatcher :func:`beam_step`, which runs the kernel or the twin
as ``tinyseqkd.kernels.switch`` says.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.kernels import kernel, switch


# ------------------------------------------------------------------------------------------- numpy twin
def beam_step_numpy(log_probs, beam_scores, sentence_ids, step, limits, length_penalty, eos,
                    new_tokens, new_parents, new_scores, done,
                    fin_norm, fin_score, fin_step, fin_parent, fin_count):
    """The readable twin of :func:`beam_step_kernel` (same arguments, same in-place results)."""
    Bc, k, V = log_probs.shape
    K = new_tokens.shape[1]
    # --- assignment beam-step: rank every (row, word), finish the </s> among the first K, fill the beam, stop ---
    candidates = (beam_scores[:, :, None] + log_probs).reshape(Bc, k * V)  # (Bc, k·V), float32 like the kernel
    ranking = np.argsort(-candidates, axis=1, kind="stable")  # best first; ties keep the lower index first
    new_tokens[:], new_parents[:], new_scores[:] = 0, 0, -np.inf
    for b in range(Bc):
        sentence = sentence_ids[b]
        ranked = ranking[b][np.isfinite(candidates[b, ranking[b]])]  # dead rows make no candidates
        rows, words = ranked // V, ranked % V
        at_limit = step == limits[sentence]
        ends = (words == eos) & (at_limit or np.arange(len(ranked)) < K)
        _add_finished_numpy(sentence, rows[ends], candidates[b, ranked[ends]], step, length_penalty,
                            fin_norm, fin_score, fin_step, fin_parent, fin_count)
        if at_limit:
            done[b] = True
            continue
        keep = np.flatnonzero(words != eos)[:K]
        new_tokens[b, :len(keep)], new_parents[b, :len(keep)] = words[keep], rows[keep]
        new_scores[b, :len(keep)] = candidates[b, ranked[keep]]
        done[b] = _cannot_be_beaten(new_scores[b].max(), limits[sentence], length_penalty, fin_norm[sentence],
                                    fin_count[sentence])
    # --- end assignment beam-step ---


def _add_finished_numpy(sentence, parents, scores, step, length_penalty, fin_norm, fin_score, fin_step, fin_parent,
                        fin_count):
    """Merge this step's finished hypotheses (in rank order) into the sentence's sorted finished set."""
    n, count = fin_norm.shape[1], fin_count[sentence]
    norms = scores.astype(np.float64) / float(step + 1) ** length_penalty
    merged_norm = np.concatenate([fin_norm[sentence, :count], norms])
    merged_score = np.concatenate([fin_score[sentence, :count], scores])
    merged_step = np.concatenate([fin_step[sentence, :count], np.full(len(scores), step)])
    merged_parent = np.concatenate([fin_parent[sentence, :count], parents])
    best = np.argsort(-merged_norm, kind="stable")[:n]  # stable: the earlier entry first on ties
    count = len(best)
    fin_norm[sentence, :count], fin_score[sentence, :count] = merged_norm[best], merged_score[best]
    fin_step[sentence, :count], fin_parent[sentence, :count] = merged_step[best], merged_parent[best]
    fin_count[sentence] = count


def _cannot_be_beaten(best_live_score, limit, length_penalty, norms, count) -> bool:
    """The stopping rule of the module docstring, for one sentence."""
    if best_live_score == -np.inf:
        return True
    bound = np.float64(best_live_score) / np.float64(limit + 1) ** length_penalty
    return count == len(norms) and norms[count - 1] >= bound


# ------------------------------------------------------------------------------------------- numba kernel
@kernel
def beam_step_kernel(log_probs, beam_scores, sentence_ids, step, limits, length_penalty, eos,
                     new_tokens, new_parents, new_scores, done,
                     fin_norm, fin_score, fin_step, fin_parent, fin_count):
    """Loop version of :func:`beam_step_numpy`: one partial top-2K selection per sentence, no full sort."""
    Bc, k, V = log_probs.shape
    K = new_tokens.shape[1]
    top_scores = np.empty(2 * K, np.float32)  # the 2K best candidates: at most K of them end in </s>
    top_index = np.empty(2 * K, np.int64)
    for b in range(Bc):
        sentence = sentence_ids[b]
        for j in range(K):
            new_tokens[b, j], new_parents[b, j], new_scores[b, j] = 0, 0, -np.inf
        if step == limits[sentence]:  # only </s> may follow: every live row finishes
            n_top = _top_candidates(log_probs[b, :, eos:eos + 1], beam_scores[b], top_scores, top_index)
            for j in range(n_top):
                fin_count[sentence] = _insert_finished(fin_norm[sentence], fin_score[sentence], fin_step[sentence],
                                                       fin_parent[sentence], fin_count[sentence],
                                                       top_scores[j], step, top_index[j], length_penalty)
            done[b] = True
            continue
        n_top = _top_candidates(log_probs[b], beam_scores[b], top_scores, top_index)
        filled = 0
        for j in range(n_top):
            row, word = top_index[j] // V, top_index[j] % V
            if word == eos:
                if j < K:
                    fin_count[sentence] = _insert_finished(fin_norm[sentence], fin_score[sentence],
                                                           fin_step[sentence], fin_parent[sentence],
                                                           fin_count[sentence], top_scores[j], step, row,
                                                           length_penalty)
            elif filled < K:
                new_tokens[b, filled], new_parents[b, filled], new_scores[b, filled] = word, row, top_scores[j]
                filled += 1
        done[b] = _cannot_be_beaten_kernel(new_scores[b, 0], limits[sentence], length_penalty, fin_norm[sentence],
                                           fin_count[sentence])


@kernel
def _top_candidates(log_probs, beam_scores, top_scores, top_index):
    """The best ``len(top_scores)`` finite candidates of one sentence, sorted; returns how many were found.

    log_probs (k, W), beam_scores (k,). Candidate i = row · W + w. Scanning in index order and inserting only a
    strictly better score keeps equal scores in index order: the deterministic tie-break.
    """
    k, W = log_probs.shape
    size = top_scores.shape[0]
    found = 0
    threshold = -np.inf  # a candidate must beat this to enter: -inf until the list is full, then its worst
    for row in range(k):
        base = beam_scores[row]
        if base == -np.inf:  # a dead row
            continue
        for w in range(W):
            score = base + log_probs[row, w]
            if not score > threshold:
                continue
            j = min(found, size - 1)  # insertion from the end: shift worse scores down one place
            while j > 0 and top_scores[j - 1] < score:
                top_scores[j], top_index[j] = top_scores[j - 1], top_index[j - 1]
                j -= 1
            top_scores[j], top_index[j] = score, row * W + w
            found = min(found + 1, size)
            if found == size:
                threshold = top_scores[size - 1]
    return found


@kernel
def _insert_finished(norms, scores, steps, parents, count, score, step, parent, length_penalty):
    """Insert one finished hypothesis into a sentence's sorted finished set of ``count`` entries (capacity n);
    ties: the earlier entry first. Returns the new count."""
    n = norms.shape[0]
    norm = np.float64(score) / np.float64(step + 1) ** length_penalty
    if count == n and not norm > norms[n - 1]:
        return count  # not better than the worst kept
    j = min(count, n - 1)  # insertion from the end, as in _top_candidates
    while j > 0 and norms[j - 1] < norm:
        norms[j], scores[j], steps[j], parents[j] = norms[j - 1], scores[j - 1], steps[j - 1], parents[j - 1]
        j -= 1
    norms[j], scores[j], steps[j], parents[j] = norm, score, step, parent
    return min(count + 1, n)


@kernel
def _cannot_be_beaten_kernel(best_live_score, limit, length_penalty, norms, count):
    """Loop-side copy of :func:`_cannot_be_beaten`."""
    if best_live_score == -np.inf:
        return True
    bound = np.float64(best_live_score) / np.float64(limit + 1) ** length_penalty
    return count == norms.shape[0] and norms[count - 1] >= bound


# ------------------------------------------------------------------------------------------- dispatcher
def beam_step(log_probs, beam_scores, sentence_ids, step, limits, length_penalty, eos,
              new_tokens, new_parents, new_scores, done, fin_norm, fin_score, fin_step, fin_parent, fin_count):
    """One step by the path the switch chooses: :func:`beam_step_kernel` or :func:`beam_step_numpy`."""
    step_function = beam_step_kernel if switch.numba_on else beam_step_numpy
    step_function(log_probs, beam_scores, sentence_ids, step, limits, length_penalty, eos,
                  new_tokens, new_parents, new_scores, done, fin_norm, fin_score, fin_step, fin_parent, fin_count)
