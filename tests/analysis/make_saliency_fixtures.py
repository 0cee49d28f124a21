#!/usr/bin/python3
"""Fixtures for the Grad-CAM and gradient-saliency tests (run by hand with
/usr/bin/python3: torch, numpy, PIL).

Writes under tests/fixtures/analysis/:
  saliency_image.png           image 0 of cka/images.npy (32x32 RGB)
  gradcam_<layer>_<c>.npy      Grad-CAM of tests/fixtures/core/r18_cifar_pp3 on it, at
                               layer4 and layer3, for the top-1 class (c = top) and class 3:
                               alpha_k = mean over (h, w) of d logit_c / d A_k,
                               cam = relu(sum_k alpha_k A_k), bilinear upsampling to 32x32
                               (F.interpolate, align_corners=False), divided by its max
  gradcam_layer4_top_raw.npy   the same before upsampling and normalising (4x4)
  saliency_top.npy             |d logit_top / d x| maxed over the channels, divided by its max
  saliency_meta.npy            [top-1 class, its logit, logit of class 3]
The gradients come from autograd on the committed fixture model (the reference
ResNet of tests/make_fixtures.py), eval mode."""
import importlib.util
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "analysis")
spec = importlib.util.spec_from_file_location("cka_fixtures", os.path.join(HERE, "make_cka_fixtures.py"))
cf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cf)


def gradcam(model, x, layer, cls):
    taps = {}
    logits = model(x, taps)
    act = taps[layer]
    act.retain_grad()
    logits[0, cls].backward()
    alpha = act.grad.mean(dim=(2, 3), keepdim=True)
    raw = F.relu((alpha * act).sum(1, keepdim=True))
    up = F.interpolate(raw, size=x.shape[2:], mode="bilinear", align_corners=False)[0, 0]
    up = up / up.max() if up.max() > 0 else up
    return raw[0, 0].detach().numpy(), up.detach().numpy(), logits.detach()


def main():
    images = np.load(os.path.join(OUT, "cka", "images.npy"))
    Image.fromarray(images[0]).save(os.path.join(OUT, "saliency_image.png"))
    scale = (1.0 / (255.0 * cf.CIFAR_STD)).astype(np.float32)
    offset = (cf.CIFAR_MEAN / cf.CIFAR_STD).astype(np.float32)
    x = torch.from_numpy(np.ascontiguousarray((images[:1].astype(np.float32) * scale - offset).transpose(0, 3, 1, 2)))
    model = cf.fixture_model("r18_cifar_pp3")
    with torch.no_grad():
        logits = model(x)
    top = int(logits.argmax(1))
    for layer in ("layer4", "layer3"):
        for name, cls in (("top", top), ("3", 3)):
            raw, up, _ = gradcam(model, x, layer, cls)
            np.save(os.path.join(OUT, f"gradcam_{layer}_{name}.npy"), up.astype(np.float32))
            if layer == "layer4" and name == "top":
                np.save(os.path.join(OUT, "gradcam_layer4_top_raw.npy"), raw.astype(np.float32))
    xg = x.clone().requires_grad_(True)
    model(xg)[0, top].backward()
    sal = xg.grad[0].abs().amax(0)
    np.save(os.path.join(OUT, "saliency_top.npy"), (sal / sal.max()).numpy().astype(np.float32))
    np.save(os.path.join(OUT, "saliency_meta.npy"),
            np.array([top, logits[0, top], logits[0, 3]], np.float32))
    print("top-1", top, "logits", logits.numpy().round(3))


if __name__ == "__main__":
    main()
