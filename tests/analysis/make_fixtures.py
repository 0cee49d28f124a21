#!/usr/bin/python3
"""Fixtures for the spectrum tests: run with /usr/bin/python3 (numpy only).

For each kernel, writes <name>_k.npy (kh, kw), <name>_mag<n>.npy (n, n)
|fft2(kernel, s=(n, n))| with fftshift (DC at (n/2, n/2)), and
<name>_prof<n>.npy (n/2 + 1) the radial mean over rings round(dist) = r, r <= n/2.
"""
import os
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "analysis")


def radial(mag):
    n = mag.shape[0]
    y, x = np.indices(mag.shape)
    r = np.floor(np.hypot(x - n // 2, y - n // 2) + 0.5).astype(int)
    bins = n // 2 + 1
    prof = np.zeros(bins)
    for i in range(bins):
        sel = r == i
        prof[i] = mag[sel].mean() if sel.any() else 0.0
    return prof.astype(np.float32)


def main():
    rng = np.random.default_rng(6)
    kernels = {
        "rand3": rng.standard_normal((3, 3)),
        "rand5x3": rng.standard_normal((5, 3)),
        "rand7": rng.standard_normal((7, 7)),
        "box5": np.full((5, 5), 1.0 / 25),
        "laplace3": np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], float),
    }
    os.makedirs(OUT, exist_ok=True)
    for name, k in kernels.items():
        k = k.astype(np.float32)
        np.save(os.path.join(OUT, f"{name}_k.npy"), np.ascontiguousarray(k))
        for n in (32, 64):
            mag = np.fft.fftshift(np.abs(np.fft.fft2(k.astype(np.float64), s=(n, n)))).astype(np.float32)
            np.save(os.path.join(OUT, f"{name}_mag{n}.npy"), np.ascontiguousarray(mag))
            np.save(os.path.join(OUT, f"{name}_prof{n}.npy"), radial(mag.astype(np.float64)))


if __name__ == "__main__":
    main()
