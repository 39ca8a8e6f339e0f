"""Contact jumps: the footpoint moved much further than the centre (geometry.jumps)."""

from __future__ import annotations

import numpy as np

from rollingball import Landscape, roll, storyboard
from rollingball.geometry.jumps import contact_jumps


def test_a_ball_in_a_narrow_valley_switches_contacts_every_step():
    # cos(3x)/3 + x^2/10: the valley near x = 1 is narrower than a ball of radius 0.5, whose
    # lr-0.1 steps then alternate between its two walls (0.65 <-> 1.33) from step 8 on
    r = roll("cos(3*x)/3 + x^2/10", [2.0], radius=0.5, lr=0.1, steps=20)
    J = contact_jumps(r.theta, r.centre, r.radius_t)
    th = r.theta[:, 0, 0]
    assert J.shape == (21, 1)
    walls = (np.abs(th[1:] - 0.65) < 0.02) | (np.abs(th[1:] - 1.34) < 0.02)
    switch = np.r_[False, walls[1:] & walls[:-1] & (np.abs(np.diff(th[1:])) > 0.5)]
    np.testing.assert_array_equal(J[1:, 0], switch | (np.arange(1, 21) == 8))
    assert J[8, 0] and not J[:8, 0].any()  # the first switch: 1.39 -> 0.66
    # the storyboard's criterion is this one
    tr = storyboard.roll_path(Landscape("cos(3*x)/3 + x^2/10"), [2.0], radius=0.5, lr=0.1,
                              steps=20)[0]
    np.testing.assert_array_equal(storyboard.contact_jumps(tr), np.flatnonzero(J[:, 0]))


def test_radius_zero_and_rolling_never_jump():
    th = np.linspace(0, 1, 11)
    c = np.stack([th, np.ones(11)], 1)
    assert not contact_jumps(th, c, 0.5).any()  # footpoint and centre move together
    th2 = th.copy()
    th2[5:] += 3.0
    assert contact_jumps(th2, c, 0.5).tolist() == [i == 5 for i in range(11)]
    assert not contact_jumps(th2, c, 0.0).any()
