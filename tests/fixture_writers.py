"""Fixture writers shared by the tests/make_arch_fixtures_*.py scripts (imported,
never run): one training step of a model in the layout tests/train reads
(tests/train/make_fixtures.py, test_train_pytorch)."""
import os

import numpy as np
import torch.nn.functional as F

from make_fixtures import save_safetensors


def training_step_fixtures(out, name, model, x, y, meta, engine_names):
    """Writes, under out: NAME.safetensors (the model's state dict under the engine's
    names, engine_names(tensors), with metadata meta), NAME_x.npy and NAME_y.npy (the
    batch, labels int64), NAME_loss.npy (float64: the mean cross-entropy of one
    train-mode forward of model(x, taps)) and NAME_grad.safetensors (the gradient of
    every trainable parameter, engine names)."""
    save_safetensors(os.path.join(out, f"{name}.safetensors"), engine_names(model.state_dict()), meta)
    np.save(os.path.join(out, f"{name}_x.npy"), x.numpy())
    np.save(os.path.join(out, f"{name}_y.npy"), y.numpy().astype(np.int64))
    model.train()
    model.zero_grad()
    loss = F.cross_entropy(model(x, {}), y)
    loss.backward()
    np.save(os.path.join(out, f"{name}_loss.npy"), np.array([loss.item()], dtype=np.float64))
    grads = engine_names({n: p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad})
    save_safetensors(os.path.join(out, f"{name}_grad.safetensors"), grads, None)
    print(f"{name}: training loss {loss.item():.6f}")
