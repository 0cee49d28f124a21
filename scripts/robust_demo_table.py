#!/usr/bin/python3
"""mean +- std over seeds of E, mCE, relative mCE and R_net for the robustness demo
set (scripts/train_robust_demo.sh): reads OUT/fmnist-wWIDTH-CONFIG-seedS.compare.json
(`pushpull compare` against the baseline of the same seed) and prints Markdown.
Usage: robust_demo_table.py OUT WIDTH EPOCHS EVAL_LIMIT TRAIN_IMAGES SEED..."""
import json
import os
import statistics
import sys

CONFIGS = [('baseline', 'baseline'), ('pushpull', 'PushPull (avg 3, trainable alpha)'),
           ('augmix', 'AugMix + JSD'), ('augmix-pushpull', 'AugMix + JSD + PushPull')]
KEYS = [('clean_error', 'E (%)', 100), ('mCE', 'mCE (%)', 100), ('relative_mCE', 'relative mCE (%)', 100),
        ('R_net', 'R_net', 1)]


def cell(values, scale):
    """mean +- std; seeds where compare gave null (e.g. relative mCE when the clean
    errors are equal) are left out and the count of the rest is shown."""
    n = len(values)
    values = [v * scale for v in values if v is not None]
    if not values:
        return 'n/a'
    note = '' if len(values) == n else ' (%d of %d seeds)' % (len(values), n)
    if len(values) == 1:
        return '%.2f%s' % (values[0], note)
    return '%.2f +- %.2f%s' % (statistics.mean(values), statistics.stdev(values), note)


def main():
    out, width, epochs, limit, train_images = sys.argv[1:6]
    seeds = sys.argv[6:]
    print('Trained on the first %s Fashion-MNIST training images, ResNet18 width %s, CIFAR stem, %s epochs,' %
          (train_images, width, epochs))
    print('batch 128, one-cycle SGD (lr 0.1); evaluated on the first %s test images;' % limit)
    print('corruptions by the engine at the CIFAR-10-C parameters, seed 0; each model compared with the baseline')
    print('of its own seed (CE normalised by it). mean +- std over seeds %s (sample std).\n' % ', '.join(seeds))
    print('| model | ' + ' | '.join(k[1] for k in KEYS) + ' |')
    print('|---|' + '---|' * len(KEYS))
    for name, title in CONFIGS:
        rows = []
        for s in seeds:
            path = os.path.join(out, 'fmnist-w%s-%s-seed%s.compare.json' % (width, name, s))
            with open(path) as f:
                rows.append(json.load(f))
        print('| %s | %s |' % (title, ' | '.join(cell([r.get(k) for r in rows], sc) for k, _, sc in KEYS)))


if __name__ == '__main__':
    main()
