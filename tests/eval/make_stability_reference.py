#!/usr/bin/python3
"""Reference flip probabilities and top-5 distances for tests/eval/test_stability.c:
the metric functions of hendrycks/robustness ImageNet-P/test.py (flip_prob,
ranking_dist with dist(mode='top5')), transcribed line by line, on logits with many
ties drawn from a 32-bit LCG that the C test reproduces.

Run with Debian's python: /usr/bin/python3 tests/eval/make_stability_reference.py
Writes tests/fixtures/eval/stability_reference.txt, one case a line:
  seed videos frames classes noise difficulty flip_prob top5_distance
"""
import os

import numpy as np
from scipy.stats import rankdata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'eval', 'stability_reference.txt')


def lcg_logits(seed, videos, frames, classes):
    """Per video a base score per class (13 levels, many ties), then per frame half
    a point added to about a quarter of the classes."""
    x = seed & 0xffffffff
    out = np.zeros((videos, frames, classes), np.float32)

    def nxt():
        nonlocal x
        x = (1664525 * x + 1013904223) & 0xffffffff
        return x >> 16
    for v in range(videos):
        base = [(nxt() % 13) * 0.5 for _ in range(classes)]
        for f in range(frames):
            for c in range(classes):
                out[v, f, c] = base[c] + (0.5 if nxt() % 4 == 0 else 0.0)
    return out


# ---- test.py, transcribed (args.difficulty and the noise test made parameters) ----

def make_dist(num_classes):
    identity = np.asarray(range(1, num_classes + 1))
    cum_sum_top5 = np.cumsum(np.asarray([0] + [1] * 5 + [0] * (num_classes - 1 - 5)))
    recip = 1. / identity

    def dist(sigma, mode='top5'):
        if mode == 'top5':
            return np.sum(np.abs(cum_sum_top5[:5] - cum_sum_top5[sigma - 1][:5]))
        elif mode == 'zipf':
            return np.sum(np.abs(recip - recip[sigma - 1]) * recip)
    return dist


def ranking_dist(ranks, dist, difficulty, noise_perturbation, mode='top5'):
    result = 0
    step_size = 1 if noise_perturbation else difficulty

    for vid_ranks in ranks:
        result_for_vid = []

        for i in range(step_size):
            perm1 = vid_ranks[i]
            perm1_inv = np.argsort(perm1)

            for rank in vid_ranks[i::step_size][1:]:
                perm2 = rank
                result_for_vid.append(dist(perm2[perm1_inv], mode))
                if not noise_perturbation:
                    perm1 = perm2
                    perm1_inv = np.argsort(perm1)

        result += np.mean(result_for_vid) / len(ranks)

    return result


def flip_prob(predictions, difficulty, noise_perturbation):
    result = 0
    step_size = 1 if noise_perturbation else difficulty

    for vid_preds in predictions:
        result_for_vid = []

        for i in range(step_size):
            prev_pred = vid_preds[i]

            for pred in vid_preds[i::step_size][1:]:
                result_for_vid.append(int(prev_pred != pred))
                if not noise_perturbation:
                    prev_pred = pred

        result += np.mean(result_for_vid) / len(predictions)

    return result


CASES = [  # seed, videos, frames, classes, noise, difficulty
    (1, 6, 31, 10, False, 1), (2, 6, 31, 10, False, 2), (3, 5, 31, 10, False, 3),
    (4, 6, 31, 10, True, 1), (5, 5, 31, 10, True, 2), (6, 4, 16, 20, False, 1),
    (7, 4, 16, 20, True, 1), (8, 3, 41, 20, False, 3), (9, 2, 41, 1000, False, 1),
    (10, 2, 31, 1000, True, 1), (11, 3, 21, 6, False, 2), (12, 4, 9, 10, True, 1),
]


def main():
    lines = []
    for seed, videos, frames, classes, noise, d in CASES:
        logits = lcg_logits(seed, videos, frames, classes)
        predictions = [vid.argmax(1) for vid in logits]
        ranks = np.asarray([[np.uint16(rankdata(-frame, method='ordinal')) for frame in vid] for vid in logits])
        fp = flip_prob(predictions, d, noise)
        t5 = ranking_dist(ranks, make_dist(classes), d, noise)
        lines.append('%d %d %d %d %d %d %.17g %.17g' % (seed, videos, frames, classes, noise, d, fp, t5))
        print(lines[-1])
    with open(OUT, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
