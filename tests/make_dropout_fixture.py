#!/usr/bin/python3
"""PyTorch's dropout statistics (run by hand, not in CI):

    /usr/bin/python3 tests/make_dropout_fixture.py

torch.nn.Dropout(p) in training mode (EfficientNet's classifier.0 in
torchvision, _dropout in lukemelas'), applied to 2^20 ones under a fixed seed,
for p = 0.2 (the references' rate) and 0.9. Writes
tests/fixtures/arch_effnet/dropout_torch.npy, float32 rows
(p, count, fraction zeroed, smallest kept value, largest kept value), which
tests/train/test_effnet_dropout.c compares the engine's masks with (the two
draws differ, their statistics must agree within the binomial spread), and the
evaluation-mode output (exactly the input) is checked there too.
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "arch_effnet", "dropout_torch.npy")


def main():
    torch.manual_seed(0)
    count = 1 << 20
    rows = []
    for p in (0.2, 0.9):
        drop = torch.nn.Dropout(p).train()
        y = drop(torch.ones(count)).double().numpy()
        kept = y[y != 0]
        assert np.array_equal(torch.nn.Dropout(p).eval()(torch.ones(8)).numpy(), np.ones(8, np.float32))
        rows.append([p, count, float((y == 0).mean()), kept.min(), kept.max()])
    np.save(OUT, np.array(rows, np.float32))
    print(OUT, rows)


if __name__ == "__main__":
    main()
