#!/usr/bin/python3
"""Fixtures for test_gabor: run with Debian's /usr/bin/python3 (python3-opencv, numpy).

Writes tests/fixtures/analysis/gabor_<i>.npy, the kernels of cv2.getGaborKernel
(float64, cast to float32) for the parameter sets in CASES, and gabor_params.npy
(len(CASES), 6) float32: size, theta, lambda, psi, sigma, gamma per case (the
kernels are computed from the float32-rounded parameters, as the test reads them).
"""
import os

import cv2
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "analysis")

# size, theta (rad), lambda (px), psi (rad), sigma (px), gamma
CASES = [
    (11, 0.0, 6.0, 0.0, 3.0, 1.0),
    (11, np.pi / 4, 5.0, np.pi / 2, 2.5, 1.0),
    (7, 1.2, 4.0, 1.0, 1.75, 0.5),
    (15, 2.5, 9.0, -0.7, 3.75, 1.5),
    (3, 0.3, 2.0, 0.0, 0.75, 1.0),
    (21, np.pi / 2, 12.0, np.pi, 5.0, 0.8),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    params = []
    for i, case in enumerate(CASES):
        size, theta, lambd, psi, sigma, gamma = (float(v) for v in np.array(case, dtype=np.float32))
        size = int(size)
        k = cv2.getGaborKernel((size, size), sigma, theta, lambd, gamma, psi, ktype=cv2.CV_64F)
        np.save(os.path.join(OUT, f"gabor_{i}.npy"), k.astype(np.float32))
        params.append((size, theta, lambd, psi, sigma, gamma))
    np.save(os.path.join(OUT, "gabor_params.npy"), np.array(params, dtype=np.float32))


if __name__ == "__main__":
    main()
