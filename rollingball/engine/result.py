r"""The result of a run of the rolling ball (or of a baseline): :class:`RollResult`.

A run of ``N`` balls for ``T`` steps records, for ``t = 0..T``:

* ``theta`` ``(T+1, N, d)``: the iterates, the horizontal part of the footpoint;
* ``point`` ``(T+1, N, d+1)``: the footpoint :math:`p_t = (\theta_t, \lambda f(\theta_t))`;
* ``centre`` ``(T+1, N, d+1)``: the ball's centre :math:`c_t` (baselines: the point itself);
* ``loss`` ``(T+1, N)``: :math:`f(\theta_t)`;
* ``residual`` ``(T+1, N)``: the invariant residual (paper Eq. 9)

  .. math::  r_t = \big|\, d_\Gamma(c_t) - \rho_t \,\big|,

  computed after the run by an independent global distance evaluation
  (:func:`rollingball.numeric.distance.distance_to_graph`), never by the projection's own number;
  NaN where it was not measured (a baseline, which has no ball; a centre that is not finite;
  the steps ``residual_every`` skips), printed ``n/a``;
* the projection's per-step diagnostics ``proj_iterations``, ``proj_residual``, ``jumped``,
  ``certified`` ``(T+1, N)`` (row 0 describes the initial placement);
* per ball: ``status`` (a :class:`Status`), ``stopped_at`` (the step at which the ball was
  frozen, ``-1`` if never) and ``resting_on_two``.

A ball resting across a valley narrower than itself touches the graph at two points (a ring
in 2-D).  Its centre then sits still at a kink of the offset :math:`f_\rho` while the
footpoint alternates between the contacts; :attr:`RollResult.resting_on_two` detects this
(the centre moved less than a tolerance over the last steps while the footpoint jumped),
and :attr:`RollResult.final_theta` reports the centre's horizontal position for those balls
instead of a footpoint that flips from step to step.

The final point of a run, by name: :attr:`RollResult.x` is the final *footpoint*
:math:`\theta_T` (the iterate; for baselines the point itself) and :attr:`RollResult.fun`
is :math:`f(\theta_T)`, the loss *there* (so ``fun == f(x)`` always);
:attr:`RollResult.final_centre` is the final centre :math:`c_T` and
:attr:`RollResult.final_theta` the rest position (the footpoint, or the centre's horizontal
position for a ball resting on two contacts).

The run's method is recorded as its solver object (:attr:`RollResult.solver`, see
:mod:`rollingball.engine.solvers`); :attr:`RollResult.method` and
:attr:`RollResult.projection` are its names.
"""

from __future__ import annotations

import ast
import csv
import enum
import json
import os
import re
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from rollingball._files import atomic_write
from rollingball.engine.solvers import (
    BallSolver,
    Solver,
    make_solver,
    solver_from_spec,
    solver_spec,
)
from rollingball.symbolic.catalog import CATALOG
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.parsing import MAX_LENGTH, parse_loss

__all__ = ["RollResult", "Status", "atomic_write"]

#: Format version stored in ``.npz`` files (2: the solver is stored; 1 still loads).
_FORMAT = 2


class Status(enum.Enum):
    """Why a ball stopped (or did not): each member carries a message."""

    OK = ("ok", "ran every step")
    DIVERGED = ("diverged", "|theta| or |f| exceeded the divergence bound")
    NON_FINITE = ("non_finite", "a value (point, centre, loss or projection) became NaN or inf")
    LEFT_BOX = ("left_box", "the iterate left the domain")
    TOO_WIDE = ("too_wide", "the next step's search window (projection, offset or contact "
                "sub-steps) would exceed the sample budget")
    AT_REST = ("at_rest", "the centre stood still (roll's rest_tol) with the radius and "
               "learning rate constant for every later step: the later steps repeat its state")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message

    @classmethod
    def from_code(cls, code: str) -> Status:
        """The member whose ``code`` is ``code``."""
        for member in cls:
            if member.code == code:
                return member
        raise ValueError(f"unknown status code {code!r}")

    def __str__(self) -> str:
        return self.code


#: Codes stored in the integer ``status`` arrays.
_STATUS_ORDER = list(Status)


def _catalog_spec(name: str) -> str | None:
    """``"weierstrass_like(n=100)"`` -> ``"weierstrass_like:n=100"``; None if not a catalog name."""
    m = re.fullmatch(r"([A-Za-z_]\w*)(?:\((.*)\))?", name.strip())
    if not m or m.group(1) not in CATALOG:
        return None
    args = (m.group(2) or "").replace(" ", "")
    return m.group(1) + (":" + args if args else "")


def _landscape_state(L: Landscape) -> dict[str, np.ndarray]:
    spec = _catalog_spec(L.name)
    out = {
        "landscape_name": np.array(L.name),
        "landscape_spec": np.array(spec or ""),
        "landscape_expr": np.array(str(L.expr)),
        "landscape_variables": np.array([str(v) for v in L.variables]),
        "landscape_domain": np.array(L.domain, dtype=float),
        "landscape_feature_scale": np.array(np.nan if L.feature_scale is None
                                            else L.feature_scale),
    }
    for key, value in L.data.items():
        out[f"landscape_data_{key}"] = value
    return out


def _rebuild_landscape(z) -> Landscape:
    spec = str(z["landscape_spec"])
    name = str(z["landscape_name"])
    if spec:
        L = Landscape(spec)
        if L.name != name:  # a catalog loss with other defaults (e.g. a different seed)
            L = None
        else:
            return L
    data = {k[len("landscape_data_"):]: z[k] for k in z.files if k.startswith("landscape_data_")}
    if data:
        raise ValueError(f"cannot rebuild the data-bound loss {name!r} from its file: "
                         "pass landscape= to RollResult.load")
    fs = float(z["landscape_feature_scale"])
    variables = [str(v) for v in z["landscape_variables"]]
    # the printed form of an accepted loss can be longer than what was typed
    expr, _ = parse_loss(str(z["landscape_expr"]), variables, max_length=4 * MAX_LENGTH)
    return Landscape(expr, variables, name=name, domain=z["landscape_domain"],
                     feature_scale=None if not np.isfinite(fs) else fs)


def _solver_of_format_1(method: str, projection: str, options: dict[str, str]) -> Solver:
    """The solver of a format-1 file: its method and projection names and the options
    (stored as ``repr`` strings) that hold the hyper-parameters."""
    def value(key: str) -> Any:
        return ast.literal_eval(options[key]) if key in options else None

    if method in ("rbo", "alg1", "tangent"):
        paper = projection == "paper"
        return make_solver(method, projection, gamma=value("gamma") if paper else None,
                           proj_steps=value("proj_steps") if paper else None)
    own = {"momentum": "momentum", "adam": "betas", "sam": "sam_radius"}.get(method)
    return make_solver(method, **({own: value(own)} if own else {}))


@dataclass
class RollResult:
    """Everything a run recorded; see the module docstring for the shapes.

    Field names follow :class:`scipy.optimize.OptimizeResult` where one exists:
    :attr:`x` (final footpoints), :attr:`fun` (the loss there), :attr:`nit`,
    :attr:`success`, :attr:`message`.
    """

    landscape: Landscape
    solver: Solver  #: the solver object the run used (replayed by check)
    radius: np.ndarray  #: (N,) radius at step 0
    lr: np.ndarray  #: (N,) learning rate at step 0
    theta: np.ndarray  #: (T+1, N, d)
    point: np.ndarray  #: (T+1, N, d+1) footpoint p_t
    centre: np.ndarray  #: (T+1, N, d+1) centre c_t
    loss: np.ndarray  #: (T+1, N)
    residual: np.ndarray  #: (T+1, N) |d_Gamma(c_t) - rho_t|, independent evaluation
    radius_t: np.ndarray  #: (T+1, N) radius used at each step
    proj_iterations: np.ndarray  #: (T+1, N) int
    proj_residual: np.ndarray  #: (T+1, N) the projection's stationarity residual
    jumped: np.ndarray  #: (T+1, N) bool, the footpoint moved discontinuously
    certified: np.ndarray  #: (T+1, N) bool, global optimality of the projection established
    offset_solve: np.ndarray  #: (T+1, N) bool, the candidate's footpoint was unreachable
    status: np.ndarray  #: (N,) object array of Status
    stopped_at: np.ndarray  #: (N,) int, -1 if never stopped
    wall_time: float = 0.0
    scale: float = 1.0
    options: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- names
    @property
    def method(self) -> str:
        """The solver's method name (``"rbo"``, ``"alg1"``, ``"gd"``, ...)."""
        return self.solver.name

    @property
    def projection(self) -> str | None:
        """The name of the ball solver's graph projection (None for a baseline)."""
        return self.solver.projection.name if isinstance(self.solver, BallSolver) else None

    # ---------------------------------------------------------------- shapes
    @property
    def steps(self) -> int:
        """T, the number of steps run."""
        return self.theta.shape[0] - 1

    @property
    def n_balls(self) -> int:
        """N, the number of balls."""
        return self.theta.shape[1]

    @property
    def dim(self) -> int:
        """d, the parameter dimension."""
        return self.theta.shape[2]

    # ------------------------------------------------------------- analysis
    def resting_mask(self, window: int = 12, ratio: float = 10.0) -> np.ndarray:
        """Per ball: over the last ``window`` steps the footpoint jumped between contacts
        while the centre barely moved.

        The footpoint's horizontal range exceeds ``ratio`` times the centre's (and 1e-8):
        the ball rests across a valley narrower than itself (a ring of contacts in 2-D).
        The discrete step makes the centre rock by O(eta) about the kink of the offset
        between the contacts (a 2- or 3-cycle, say), so "barely" is relative to the
        footpoint's jumps.  A ball rolling normally moves footpoint and centre alike; one
        pivoting on a crest moves its centre, not its footpoint.
        """
        T = self.steps
        if T < 2 or not isinstance(self.solver, BallSolver):
            return np.zeros(self.n_balls, dtype=bool)
        w = min(window, T)
        c = self.centre[-w - 1:, :, : self.dim]
        p = self.theta[-w - 1:]
        range_c = np.linalg.norm(np.max(c, axis=0) - np.min(c, axis=0), axis=-1)
        range_p = np.linalg.norm(np.max(p, axis=0) - np.min(p, axis=0), axis=-1)
        big = range_p > 1e-8 * (1.0 + np.linalg.norm(p[-1], axis=-1))
        with np.errstate(invalid="ignore"):
            return big & (range_p > ratio * range_c)

    @property
    def resting_on_two(self) -> np.ndarray:
        """(N,) bool: the ball ends resting on two contacts (see :meth:`resting_mask`)."""
        return self.resting_mask()

    @property
    def final_theta(self) -> np.ndarray:
        """(N, d): the final iterate; for balls resting on two contacts, the centre's
        horizontal position (its mean over the detection window, across which it rocks by
        O(eta) about the rest position) instead of the jumping footpoint."""
        out = self.theta[-1].copy()
        r = self.resting_on_two
        if np.any(r):
            w = min(12, self.steps)
            out[r] = np.mean(self.centre[-w - 1:, r, : self.dim], axis=0)
        return out

    @property
    def x(self) -> np.ndarray:
        """(N, d) the final footpoints :math:`\\theta_T` (for a frozen ball, its last valid
        one); :attr:`fun` is the loss there."""
        return self.theta[-1].copy()

    @property
    def fun(self) -> np.ndarray:
        """(N,) the final losses :math:`f(\\theta_T)`, at the footpoints :attr:`x`."""
        return self.loss[-1].copy()

    @property
    def final_centre(self) -> np.ndarray:
        """(N, d+1) the final centres :math:`c_T` (baselines: the final point)."""
        return self.centre[-1].copy()

    @property
    def nit(self) -> np.ndarray:
        """(N,) steps each ball actually ran."""
        return np.where(self.stopped_at >= 0, self.stopped_at, self.steps)

    @property
    def success(self) -> np.ndarray:
        """(N,) bool: status is ok or at_rest (stopped early because nothing would change)."""
        return np.array([s in (Status.OK, Status.AT_REST) for s in self.status], dtype=bool)

    @property
    def message(self) -> list[str]:
        """Per ball, the status message."""
        return [s.message for s in self.status]

    @property
    def max_residual(self) -> np.ndarray:
        """(N,) max over t of the invariant residual (NaN-aware, frozen steps included)."""
        r = np.where(np.isfinite(self.residual), self.residual, -np.inf)
        out = np.max(r, axis=0)
        return np.where(np.isfinite(out), out, np.nan)

    @property
    def n_jumps(self) -> np.ndarray:
        """(N,) number of steps whose projection jumped (crossed the medial axis)."""
        return np.sum(self.jumped, axis=0)

    def summary(self, max_rows: int = 20) -> str:
        """A printable summary: final theta, loss, max invariant residual, jumps, wall time."""
        L = self.landscape
        n, d = self.n_balls, self.dim
        lines = [f"rollingball run: {L.name} (d={d}), method={self.method}"
                 + (f", projection={self.projection}" if self.projection is not None
                    else "")
                 + f", {n} ball{'s' * (n != 1)}, {self.steps} steps, scale={self.scale:g}"]
        head = (f"{'ball':>4} {'radius':>9} {'lr':>9} {'final theta':>24} {'loss':>14} "
                f"{'max |d-rho|':>11} {'jumps':>5} {'status':>10}  note")
        lines.append(head)
        theta, rest = self.final_theta, self.resting_on_two
        maxres = self.max_residual
        for i in range(min(n, max_rows)):
            th = ", ".join(f"{v:.8g}" for v in theta[i])
            note = "resting on two contacts (centre shown)" if rest[i] else ""
            if self.stopped_at[i] >= 0:
                note = (note + "; " if note else "") + f"stopped at step {self.stopped_at[i]}"
            res = f"{maxres[i]:.3e}" if np.isfinite(maxres[i]) else "n/a"
            lines.append(f"{i:>4} {self.radius[i]:>9.4g} {self.lr[i]:>9.3g} {th:>24} "
                         f"{self.loss[-1, i]:>14.8g} {res:>11} "
                         f"{int(self.n_jumps[i]):>5} {str(self.status[i]):>10}  {note}")
        if n > max_rows:
            lines.append(f"... {n - max_rows} more balls")
        if np.any(np.isfinite(maxres)):
            worst = f"{np.nanmax(maxres):.3e}"
        else:  # a baseline has no ball: the residual is not measured
            worst = "n/a (not measured" + (": no ball)" if not isinstance(
                self.solver, BallSolver) else ")")
        lines.append(f"max invariant residual |d_Gamma(c) - rho|: {worst}")
        lines.append(f"jumps: {int(np.sum(self.n_jumps))}; "
                     f"offset projections: {int(np.sum(self.offset_solve))}; "
                     f"ok: {int(np.sum(self.success))}/{n}")
        for st in Status:  # why the others stopped, once per status
            k = int(sum(s is st for s in self.status))
            if st is not Status.OK and k:
                lines.append(f"{st.code} ({k} ball{'s' * (k != 1)}): {st.message}")
        lines.append(f"wall time: {self.wall_time:.3f} s")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # -------------------------------------------------------------- storage
    _ARRAYS = ("radius", "lr", "theta", "point", "centre", "loss", "residual", "radius_t",
               "proj_iterations", "proj_residual", "jumped", "certified", "offset_solve",
               "stopped_at")

    def save(self, path: str | os.PathLike) -> None:
        """Save to ``.npz`` atomically; the landscape is stored as its name/expression,
        never as compiled functions (rebuilt by :meth:`load`)."""
        arrays = {k: np.asarray(getattr(self, k)) for k in self._ARRAYS}
        arrays["status"] = np.array([s.code for s in self.status])
        arrays["method"] = np.array(self.method)
        arrays["projection"] = np.array(self.projection or "")
        arrays["solver"] = np.array(json.dumps(solver_spec(self.solver)))
        arrays["wall_time"] = np.array(self.wall_time)
        arrays["scale"] = np.array(self.scale)
        arrays["format"] = np.array(_FORMAT)
        arrays["options_keys"] = np.array(list(self.options), dtype=str)
        arrays["options_values"] = np.array([repr(v) for v in self.options.values()], dtype=str)
        arrays.update(_landscape_state(self.landscape))
        with atomic_write(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike, landscape: Landscape | None = None) -> RollResult:
        """Load a result saved by :meth:`save`, rebuilding its :class:`Landscape`."""
        with np.load(path, allow_pickle=False) as z:
            version = int(z["format"])
            if version not in (1, _FORMAT):
                raise ValueError(f"{path}: unknown result format {version}")
            L = landscape if landscape is not None else _rebuild_landscape(z)
            kw = {k: z[k] for k in cls._ARRAYS}
            status = np.array([Status.from_code(str(s)) for s in z["status"]], dtype=object)
            options = dict(zip([str(k) for k in z["options_keys"]],
                               [str(v) for v in z["options_values"]], strict=True))
            if version == 1:
                solver = _solver_of_format_1(str(z["method"]), str(z["projection"]), options)
            else:
                solver = solver_from_spec(json.loads(str(z["solver"])))
            return cls(landscape=L, solver=solver, status=status,
                       wall_time=float(z["wall_time"]), scale=float(z["scale"]),
                       options=options, **kw)

    def to_csv(self, path: str | os.PathLike) -> None:
        """Export one row per (step, ball) to CSV, atomically.

        Columns: step, ball, radius, lr, theta_1..d, point_1..d+1, centre_1..d+1, loss,
        residual, jumped, certified, offset_solve, status.
        """
        d = self.dim
        cols = (["step", "ball", "radius", "lr"] + [f"theta_{i + 1}" for i in range(d)]
                + [f"point_{i + 1}" for i in range(d + 1)]
                + [f"centre_{i + 1}" for i in range(d + 1)]
                + ["loss", "residual", "jumped", "certified", "offset_solve", "status"])
        T1, n = self.theta.shape[:2]
        with atomic_write(path, "w") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for t in range(T1):
                for i in range(n):
                    w.writerow([t, i, repr(float(self.radius_t[t, i])), repr(float(self.lr[i]))]
                               + [repr(float(v)) for v in self.theta[t, i]]
                               + [repr(float(v)) for v in self.point[t, i]]
                               + [repr(float(v)) for v in self.centre[t, i]]
                               + [repr(float(self.loss[t, i])), repr(float(self.residual[t, i])),
                                  int(self.jumped[t, i]), int(self.certified[t, i]),
                                  int(self.offset_solve[t, i]), self.status[i].code])

    def __eq__(self, other) -> bool:  # arrays make the dataclass default ambiguous
        if not isinstance(other, RollResult):
            return NotImplemented
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "landscape":
                if str(a.expr) != str(b.expr):
                    return False
            elif isinstance(a, np.ndarray):
                if a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                    return False
            elif f.name not in ("options", "wall_time") and a != b:
                return False
        return True
