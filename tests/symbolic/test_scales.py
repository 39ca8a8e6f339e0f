"""The single resolution policy of rollingball.symbolic.scales: its numbers against hand
values, and the numeric modules' defaults are exactly these spacings."""

from __future__ import annotations

import numpy as np
import pytest

from rollingball import Landscape, catalog, distance_to_graph, project, upper_offset
from rollingball.symbolic import scales


def test_sine_spacings_are_fractions_of_its_wavelength():
    L = catalog.sine()  # feature scale 2 pi
    ell = 2 * np.pi
    assert scales.feature_scale(L) == ell
    assert scales.projection_resolution(L) == ell / 16
    assert scales.projection_lattice_spacing(L) == pytest.approx(ell / 5, rel=1e-15)
    assert scales.projection_lattice_spacing(L, 0.1) == pytest.approx(0.32, rel=1e-15)
    assert scales.referee_resolution(L) == ell / 32
    assert scales.referee_lattice_spacing(ell / 32) == pytest.approx(ell / 4, rel=1e-15)
    assert scales.default_resolution(L) == ell / 40
    assert scales.offset_projection_resolution(L) == 0.05  # min(0.05, 2 pi / 16 = 0.39)
    assert scales.offset_projection_resolution(L, 0.2) == 0.2
    assert scales.curvature_scan_spacing(L) == ell / 160
    assert scales.curvature_scan_spacing(L, 0.1) == 0.025


def test_spacings_without_bumps():
    """x^2 on [-2, 2]: no third derivative, so powers of two of the domain and a 400th."""
    L = catalog.parabola()
    assert scales.feature_scale(L) == np.inf
    assert scales.projection_resolution(L) == 2.0**-6  # 4/256 = 2^-6
    assert scales.referee_resolution(L) == 2.0**-7  # 4/512
    assert scales.default_resolution(L) == 0.01  # min(0.05, 4/400)
    assert scales.offset_projection_resolution(L) == 0.05


def test_feature_scale_of_a_sinusoid_from_derivatives():
    """sin(3x) on [-5, 5]: 2 pi RMS f'' / RMS f''' = (2 pi / 3) RMS sin / RMS cos over the
    module's 4096 seeded samples (NumPy by hand), and near 2 pi / 3."""
    t = -5.0 + 10.0 * np.random.default_rng(0).random((4096, 1))[:, 0]
    ref = 2 * np.pi / 3 * np.sqrt(np.mean(np.sin(3 * t) ** 2) / np.mean(np.cos(3 * t) ** 2))
    ell = scales.feature_scale(Landscape("sin(3*x)"))
    assert ell == pytest.approx(ref, rel=1e-12)
    assert ell == pytest.approx(2 * np.pi / 3, rel=0.05)


def test_the_modules_defaults_are_the_policy():
    """Each module's default equals passing the policy's spacing explicitly (bit for bit)."""
    L = catalog.bumpy_bowl()
    c = np.array([[0.3, 1.5], [-2.0, 0.8], [4.1, 2.2]])
    P0 = project(L, c)
    P1 = project(L, c, resolution=scales.projection_resolution(L))
    assert np.array_equal(P0.theta, P1.theta) and np.array_equal(P0.distance, P1.distance)
    D0 = distance_to_graph(L, c)
    D1 = distance_to_graph(L, c, resolution=scales.referee_resolution(L))
    assert np.array_equal(D0.distance, D1.distance)
    O0 = upper_offset(L, c[:, 0], 0.5)
    O1 = upper_offset(L, c[:, 0], 0.5, resolution=scales.default_resolution(L))
    assert np.array_equal(O0.value, O1.value)
