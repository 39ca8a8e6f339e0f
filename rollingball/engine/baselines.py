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
  :math:`e_t = r\, g_t/(|g_t| + 10^{-12}),\ x_{t+1} = x_t - \eta\,\nabla f(x_t + e_t)`;
  a probe whose loss is not finite, or whose segment from :math:`x_t` crosses a pole
  (:func:`_crosses_pole`), gives a NaN iterate: the engine flags the ball ``non_finite``.

Each rule is a frozen object holding its hyper-parameters (each default written once, here):
:class:`GD`, :class:`Momentum`, :class:`Adam`, :class:`SAM`; :data:`BASELINES` maps the
method names to them and :func:`Optimizer` builds one from a name.

>>> import numpy as np
>>> from rollingball import Landscape
>>> L = Landscape("x^2")
>>> opt = GD()
>>> state = opt.init(np.array([[1.0]]))
>>> x, state = opt.step(L, np.array([[1.0]]), state, lr=np.array([0.1]), t=0)
>>> x
array([[0.8]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from rollingball.symbolic.landscape import Landscape

__all__ = ["BASELINES", "Baseline", "GD", "Momentum", "Adam", "SAM", "Optimizer"]

_ADAM_EPS = 1e-8
_SAM_EPS = 1e-12
#: Sample intervals of the segment from an iterate to its SAM probe in the pole test.
POLE_SAMPLES = 32


class Baseline:
    """What every baseline rule shares: the name, the state and its subsets.

    The iterate of a baseline is its own "centre" (the point on the graph); it has no
    projection and no radius.
    """

    name: ClassVar[str]

    def init(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The optimizer state for iterates ``x`` ``(N, d)`` (none by default)."""
        return {}

    def step(self, landscape: Landscape, x: np.ndarray, state: dict[str, np.ndarray],
             lr: np.ndarray, t: int, grad: np.ndarray | None = None
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """One step for every ball: returns the next iterates ``(N, d)`` and state.

        ``grad`` (the gradient at ``x``) is computed when not given; ``t`` is the step index
        (Adam's bias correction uses ``t + 1``).
        """
        if grad is None:
            grad = landscape.value_and_grad(landscape.as_input(x))[1]
        eta = np.asarray(lr, dtype=float)[:, None]
        return self._update(landscape, x, state, eta, t, grad)

    def _update(self, landscape, x, state, eta, t, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    def subset(self, state: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
        """The state of the balls ``idx``."""
        return {k: v[idx] for k, v in state.items()}


@dataclass(frozen=True)
class GD(Baseline):
    """Gradient descent, :math:`x_{t+1} = x_t - \\eta\\, g_t`."""

    name: ClassVar[str] = "gd"

    def _update(self, landscape, x, state, eta, t, grad):
        return x - eta * grad, state


@dataclass(frozen=True)
class Momentum(Baseline):
    """Heavy ball, :math:`v_{t+1} = \\beta v_t + g_t,\\ x_{t+1} = x_t - \\eta v_{t+1}`.

    Args:
        beta: the heavy-ball coefficient :math:`\\beta \\in [0, 1)` (``momentum=``).
    """

    beta: float = 0.9
    name: ClassVar[str] = "momentum"

    def __post_init__(self) -> None:
        if not (0.0 <= self.beta < 1.0):
            raise ValueError(f"momentum must lie in [0, 1), got {self.beta}")

    def init(self, x: np.ndarray) -> dict[str, np.ndarray]:
        return {"v": np.zeros_like(x, dtype=float)}

    def _update(self, landscape, x, state, eta, t, grad):
        v = self.beta * state["v"] + grad
        return x - eta * v, {"v": v}


@dataclass(frozen=True)
class Adam(Baseline):
    """Adam (Kingma & Ba 2015, :math:`\\epsilon = 10^{-8}`), see the module notes.

    Args:
        betas: :math:`(\\beta_1, \\beta_2)`, each in ``[0, 1)``.
    """

    betas: tuple[float, float] = (0.9, 0.999)
    name: ClassVar[str] = "adam"

    def __post_init__(self) -> None:
        betas = tuple(float(b) for b in self.betas)
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"betas must lie in [0, 1), got {self.betas}")
        object.__setattr__(self, "betas", betas)

    def init(self, x: np.ndarray) -> dict[str, np.ndarray]:
        z = np.zeros_like(x, dtype=float)
        return {"m": z, "v": z.copy()}

    def _update(self, landscape, x, state, eta, t, grad):
        b1, b2 = self.betas
        m = b1 * state["m"] + (1 - b1) * grad
        v = b2 * state["v"] + (1 - b2) * grad * grad
        mhat = m / (1 - b1 ** (t + 1))
        vhat = v / (1 - b2 ** (t + 1))
        return x - eta * mhat / (np.sqrt(vhat) + _ADAM_EPS), {"m": m, "v": v}


@dataclass(frozen=True)
class SAM(Baseline):
    """Sharpness-aware minimisation (Foret et al. 2021, Eq. 2, exact gradient).

    Args:
        radius: the neighbourhood radius :math:`r \\ge 0` (``sam_radius=``).
    """

    radius: float = 0.05
    name: ClassVar[str] = "sam"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.radius) and self.radius >= 0):
            raise ValueError(f"sam_radius must be >= 0, got {self.radius}")

    def _update(self, landscape, x, state, eta, t, grad):
        norm = np.linalg.norm(grad, axis=-1, keepdims=True)
        e = self.radius * grad / (norm + _SAM_EPS)
        f_adv, g_adv = landscape.value_and_grad(landscape.as_input(x + e))
        x_new = x - eta * g_adv
        # a probe where the loss is not finite, or across a pole, is not a step: NaN (the
        # engine flags the ball non_finite)
        bad = ~np.isfinite(f_adv) | _crosses_pole(landscape, x, e)
        return np.where(bad[:, None], np.nan, x_new), state


def _crosses_pole(landscape: Landscape, x: np.ndarray, e: np.ndarray,
                  samples: int = POLE_SAMPLES) -> np.ndarray:
    r"""Per ball: the segment from ``x`` to the probe ``x + e`` crosses a pole of the loss.

    :math:`\phi(s) = f(x + s e)` is sampled with its slope :math:`\phi' = \nabla f\cdot e`
    at ``samples`` + 1 points of :math:`[0, 1]`; a pole of odd order (as of :math:`1/x`)
    shows as an interval whose two slopes have one sign while the values move the other
    way (:math:`\phi` climbs to :math:`+\infty` and comes back from :math:`-\infty`), or as
    a value that is not finite.  (A smooth loss would need two stationary points within
    one sample interval, a 32nd of the probe, to do the same.)
    """
    n, d = x.shape
    s = np.linspace(0.0, 1.0, samples + 1)
    pts = x[:, None, :] + s[None, :, None] * e[:, None, :]
    with np.errstate(all="ignore"):
        f, g = landscape.value_and_grad(landscape.as_input(pts.reshape(-1, d)))
        f = np.asarray(f, dtype=float).reshape(n, -1)
        slope = np.sum(np.asarray(g, dtype=float).reshape(n, -1, d) * e[:, None, :], axis=-1)
        df = np.diff(f, axis=1)
        up = (slope[:, :-1] > 0) & (slope[:, 1:] > 0) & (df < 0)
        down = (slope[:, :-1] < 0) & (slope[:, 1:] < 0) & (df > 0)
    return np.any(up | down, axis=1) | ~np.all(np.isfinite(f), axis=1)


#: The baseline methods by name.
BASELINES: dict[str, type[Baseline]] = {c.name: c for c in (GD, Momentum, Adam, SAM)}


def Optimizer(name: str, *, momentum: float | None = None,  # noqa: N802 - kept name
              betas: tuple[float, float] | None = None,
              sam_radius: float | None = None) -> Baseline:
    """The baseline ``name`` (one of :data:`BASELINES`) with the given hyper-parameters (the
    others at their defaults); a hyper-parameter of another rule is a ``ValueError``."""
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}")
    given = {"momentum": ("beta", momentum), "betas": ("betas", betas),
             "sam_radius": ("radius", sam_radius)}
    own = {"momentum": "momentum", "adam": "betas", "sam": "sam_radius"}.get(name)
    kw = {}
    for key, (field_name, value) in given.items():
        if value is None:
            continue
        if key != own:
            raise ValueError(f"{key} does not apply to the baseline {name!r}")
        kw[field_name] = value
    return BASELINES[name](**kw)
