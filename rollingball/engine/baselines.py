r"""Baseline update rules, vectorised over a batch of iterates, with exact gradients.

Every rule maps a batch of iterates ``x`` ``(N, d)`` and its exact gradient
``g = grad f(x)`` to the next batch; learning rates may differ per ball (``lr`` ``(N,)``).

* ``gd``: :math:`x_{t+1} = x_t - \eta\, g_t`.
* ``momentum``, heavy ball (PyTorch convention, :math:`v_0 = 0`):
  :math:`v_{t+1} = \mu v_t + g_t,\ x_{t+1} = x_t - \eta v_{t+1}`.
* ``adam`` (Kingma & Ba 2015, :math:`\epsilon = 10^{-8}`):
  :math:`m_{t+1} = \beta_1 m_t + (1-\beta_1) g_t`,
  :math:`v_{t+1} = \beta_2 v_t + (1-\beta_2) g_t^2`,
  :math:`x_{t+1} = x_t - \eta\,\hat m/(\sqrt{\hat v} + \epsilon)` with
  :math:`\hat m = m_{t+1}/(1-\beta_1^{t+1})`, :math:`\hat v = v_{t+1}/(1-\beta_2^{t+1})`.
* ``sam`` (Foret et al. 2021, Eq. 2, exact gradient):
  :math:`e_t = r\, g_t/(|g_t| + 10^{-12}),\ x_{t+1} = x_t - \eta\,\nabla f(x_t + e_t)`.

>>> import numpy as np
>>> from rollingball import Landscape
>>> L = Landscape("x^2")
>>> opt = Optimizer("gd")
>>> state = opt.init(np.array([[1.0]]))
>>> x, state = opt.step(L, np.array([[1.0]]), state, lr=np.array([0.1]), t=0)
>>> x
array([[0.8]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rollingball.symbolic.landscape import Landscape

__all__ = ["BASELINES", "Optimizer"]

#: Names of the baseline methods.
BASELINES = ("gd", "momentum", "adam", "sam")

_ADAM_EPS = 1e-8
_SAM_EPS = 1e-12


@dataclass(frozen=True)
class Optimizer:
    """One baseline update rule with its hyper-parameters.

    Args:
        name: one of :data:`BASELINES`.
        momentum: heavy-ball coefficient :math:`\\mu \\in [0, 1)`.
        betas: Adam's :math:`(\\beta_1, \\beta_2)`, each in ``[0, 1)``.
        sam_radius: SAM's neighbourhood radius :math:`r \\ge 0`.
    """

    name: str
    momentum: float = 0.9
    betas: tuple[float, float] = (0.9, 0.999)
    sam_radius: float = 0.05

    def __post_init__(self) -> None:
        if self.name not in BASELINES:
            raise ValueError(f"unknown baseline {self.name!r}; "
                             f"choose one of {', '.join(BASELINES)}")
        if not (0.0 <= self.momentum < 1.0):
            raise ValueError(f"momentum must lie in [0, 1), got {self.momentum}")
        b1, b2 = self.betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"betas must lie in [0, 1), got {self.betas}")
        if not (np.isfinite(self.sam_radius) and self.sam_radius >= 0):
            raise ValueError(f"sam_radius must be >= 0, got {self.sam_radius}")

    def init(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The optimizer state for iterates ``x`` ``(N, d)``."""
        z = np.zeros_like(x, dtype=float)
        if self.name == "momentum":
            return {"v": z}
        if self.name == "adam":
            return {"m": z, "v": z.copy()}
        return {}

    def step(self, landscape: Landscape, x: np.ndarray, state: dict[str, np.ndarray],
             lr: np.ndarray, t: int, grad: np.ndarray | None = None
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """One step for every ball: returns the next iterates ``(N, d)`` and state.

        ``grad`` (the gradient at ``x``) is computed when not given; ``t`` is the step index
        (Adam's bias correction uses ``t + 1``).
        """
        if grad is None:
            grad = landscape.value_and_grad(_as_input(landscape, x))[1]
        eta = np.asarray(lr, dtype=float)[:, None]
        if self.name == "gd":
            return x - eta * grad, state
        if self.name == "momentum":
            v = self.momentum * state["v"] + grad
            return x - eta * v, {"v": v}
        if self.name == "adam":
            b1, b2 = self.betas
            m = b1 * state["m"] + (1 - b1) * grad
            v = b2 * state["v"] + (1 - b2) * grad * grad
            mhat = m / (1 - b1 ** (t + 1))
            vhat = v / (1 - b2 ** (t + 1))
            return x - eta * mhat / (np.sqrt(vhat) + _ADAM_EPS), {"m": m, "v": v}
        # sam
        norm = np.linalg.norm(grad, axis=-1, keepdims=True)
        e = self.sam_radius * grad / (norm + _SAM_EPS)
        g_adv = landscape.value_and_grad(_as_input(landscape, x + e))[1]
        return x - eta * g_adv, state

    def subset(self, state: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
        """The state of the balls ``idx``."""
        return {k: v[idx] for k, v in state.items()}


def _as_input(landscape: Landscape, x: np.ndarray) -> np.ndarray:
    """(N, d) iterates as the landscape's input: (N,) in 1-D."""
    return x[:, 0] if landscape.dim == 1 else x
