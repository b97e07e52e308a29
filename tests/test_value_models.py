"""The value models against published results, simulated data and hand-computed cases.

Published: Fader, Hardie & Lee (2005) fit BG/NBD to the CDNOW 1/10 sample (39-week
calibration period ending 1997-09-30, time in weeks, same-day purchases merged) and get
r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (LL = -9582.4); Fader & Hardie's Gamma-Gamma
note fits the 946 repeat buyers' mean spend and gets p = 6.25, q = 3.74, gamma = 15.44.
"""

import math
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from crmcli.reports.models import bgnbd, gammagamma

CDNOW = Path(__file__).parent / "data" / "cdnow_sample.txt"
END = date(1997, 9, 30)


def cdnow_calibration():
    """(x, t_x, T in weeks, mean repeat spend) per customer, as the paper builds them."""
    by_customer: dict[int, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    lines = 0
    for line in CDNOW.read_text().splitlines():
        _master, customer, day, _cds, dollars = line.split()
        on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        by_customer[int(customer)][on] += float(dollars)  # same-day purchases merged
        lines += 1
    assert lines == 6919 and len(by_customer) == 2357
    x, t_x, T, m = [], [], [], []
    for days in by_customer.values():
        seen = sorted(d for d in days if d <= END)
        first = seen[0]
        x.append(len(seen) - 1)
        t_x.append((seen[-1] - first).days / 7)
        T.append((END - first).days / 7)
        m.append(sum(days[d] for d in seen[1:]) / (len(seen) - 1) if len(seen) > 1 else 0.0)
    return np.array(x), np.array(t_x), np.array(T), np.array(m)


def test_bgnbd_reproduces_the_published_cdnow_fit():
    x, t_x, T, _ = cdnow_calibration()
    params = bgnbd.fit(x, t_x, T)
    assert round(params.r, 3) == 0.243
    assert round(params.alpha, 3) == 4.414
    assert round(params.a, 3) == 0.793
    assert round(params.b, 3) == 2.426
    assert round(params.log_likelihood, 1) == -9582.4


def test_gamma_gamma_reproduces_the_published_cdnow_fit():
    x, _, _, m = cdnow_calibration()
    repeat = x > 0
    assert repeat.sum() == 946
    params = gammagamma.fit(x[repeat], m[repeat])
    assert round(params.p, 2) == 6.25
    assert round(params.q, 2) == 3.74
    assert round(params.gamma, 2) == 15.44


def test_bgnbd_fit_does_not_depend_on_the_time_unit():
    x, t_x, T, _ = cdnow_calibration()
    weeks = bgnbd.fit(x, t_x, T)
    days = bgnbd.fit(x, t_x * 7, T * 7)
    assert days.alpha / 7 == pytest.approx(weeks.alpha, rel=1e-4)
    assert (days.r, days.a, days.b) == pytest.approx((weeks.r, weeks.a, weeks.b), rel=1e-4)


def test_weights_count_identical_customers():
    x, t_x, T, _ = cdnow_calibration()
    rows = np.stack([x, t_x, T], axis=1)
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    assert len(unique) < len(rows)
    grouped = bgnbd.fit(unique[:, 0], unique[:, 1], unique[:, 2], weights=counts)
    assert round(grouped.r, 3) == 0.243 and round(grouped.b, 3) == 2.426


def simulate_bgnbd(n, r, alpha, a, b, rng, horizon=0.0):
    """Customers drawn from the BG/NBD model: (x, t_x, T, purchases in (T, T + horizon],
    alive at T)."""
    lam = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    T = rng.uniform(10, 60, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T[i] + horizon:
                break
            if t <= T[i]:
                x[i] += 1
                t_x[i] = t
            else:
                future[i] += 1
            if rng.random() < drop[i]:  # drops out after this repeat purchase
                alive[i] = t > T[i]
                break
    return x, t_x, T, future, alive


def test_bgnbd_recovers_simulated_parameters():
    rng = np.random.default_rng(20260422)
    x, t_x, T, _, _ = simulate_bgnbd(20000, 0.25, 4.0, 0.8, 2.5, rng)
    params = bgnbd.fit(x, t_x, T)
    assert params.r == pytest.approx(0.25, rel=0.1)
    assert params.alpha == pytest.approx(4.0, rel=0.15)
    assert params.a == pytest.approx(0.8, rel=0.2)
    assert params.b == pytest.approx(2.5, rel=0.25)


def test_bgnbd_predictions_match_simulated_futures():
    """With the true parameters, the conditional expectation and P(alive) match what the
    simulated customers then do (in total, and for the repeat buyers alone)."""
    rng = np.random.default_rng(7)
    true = bgnbd.Params(0.5, 8.0, 0.6, 3.0)
    x, t_x, T, future, alive = simulate_bgnbd(20000, true.r, true.alpha, true.a, true.b, rng, 30)
    expected = bgnbd.expected_purchases(true, 30, x, t_x, T)
    assert expected.sum() == pytest.approx(future.sum(), rel=0.04)
    repeat = x > 0
    assert expected[repeat].sum() == pytest.approx(future[repeat].sum(), rel=0.05)
    chance = bgnbd.p_alive(true, x, t_x, T)
    assert chance[repeat].mean() == pytest.approx(alive[repeat].mean(), abs=0.02)


def test_gamma_gamma_recovers_simulated_parameters():
    rng = np.random.default_rng(11)
    n, p, q, gamma = 5000, 6.0, 4.0, 15.0
    nu = rng.gamma(q, 1 / gamma, n)
    x = 1 + rng.poisson(3, n)
    m = np.array([rng.gamma(p, 1 / nu[i], x[i]).mean() for i in range(n)])
    params = gammagamma.fit(x, m)
    assert params.p == pytest.approx(p, rel=0.1)
    assert params.q == pytest.approx(q, rel=0.1)
    assert params.gamma == pytest.approx(gamma, rel=0.15)


# Hand-computed cases. With r = 1, b = 1, a = 2: 2F1(1, 1; 2; z) = -ln(1 - z) / z, and
# 2F1(2, 2; 3; z) = sum 2(n+1)/(n+2) z^n = 2/(1-z) - 2(-ln(1-z) - z)/z^2.


def test_p_alive_by_hand():
    params = bgnbd.Params(r=1, alpha=1, a=1, b=2)
    # odds = a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) = 1/2 * (4/2)^2 = 2
    assert bgnbd.p_alive(params, [1], [1], [3])[0] == pytest.approx(1 / 3)
    assert bgnbd.p_alive(params, [0], [0], [30])[0] == 1.0  # no repeat purchase: alive
    assert bgnbd.p_alive(params, [3], [5], [5])[0] == pytest.approx(1 / (1 + 1 / 4))


def test_expected_purchases_of_a_new_customer_by_hand():
    params = bgnbd.Params(r=1, alpha=1, a=2, b=1)
    # (a+b-1)/(a-1) [1 - (1/2)^1 * 2F1(1,1;2;1/2)] = 2 (1 - 1/2 * 2 ln 2) = 2 - 2 ln 2
    assert bgnbd.expected_purchases_new(params, 1.0) == pytest.approx(2 - 2 * math.log(2))
    assert bgnbd.expected_purchases_new(params, 0.0) == pytest.approx(0.0)


def test_conditional_expected_purchases_by_hand():
    params = bgnbd.Params(r=1, alpha=1, a=2, b=1)
    # x = 0, T = 1, t = 2: z = 2/4, ((alpha+T)/(alpha+T+t))^r = 1/2: again 2 - 2 ln 2.
    assert bgnbd.expected_purchases(params, 2, [0], [0], [1])[0] == pytest.approx(
        2 - 2 * math.log(2)
    )
    # x = 1, t_x = T = 1, t = 2: (a+b+x-1)/(a-1) = 3, ratio (2/4)^2, 2F1(2,2;3;1/2) =
    # 4 - 8 (ln 2 - 1/2); P(alive) = 1/(1 + 2/1 * 1^2) = 1/3; so 3 (1 - (4 - 8 ln 2 + 4)/4) / 3.
    assert bgnbd.expected_purchases(params, 2, [1], [1], [1])[0] == pytest.approx(
        2 * math.log(2) - 1
    )
    assert bgnbd.expected_purchases(params, 0, [1], [1], [1])[0] == 0.0


def test_expected_purchases_new_matches_numerical_integration():
    """E[X(t)] from the closed form equals the model's definition integrated numerically:
    E[X(t) | lambda, p] = (1 - exp(-lambda p t)) / p (paper eq. 7); over lambda ~ Gamma(r,
    alpha) that is (1 - (alpha/(alpha + p t))^r) / p, then over p ~ Beta(a, b)."""
    from scipy import integrate, stats

    for params, t in (
        (bgnbd.Params(0.2425945, 4.4136018, 0.7929220, 2.4259066), 39.0),
        (bgnbd.Params(2.0, 10.0, 3.0, 5.0), 12.0),
    ):

        def given_p(p, params=params, t=t):
            inner = (1 - (params.alpha / (params.alpha + p * t)) ** params.r) / p
            return inner * stats.beta.pdf(p, params.a, params.b)

        integral, _ = integrate.quad(given_p, 0, 1, limit=200)
        assert float(bgnbd.expected_purchases_new(params, t)) == pytest.approx(integral, rel=1e-6)


def test_expected_spend_by_hand():
    params = gammagamma.Params(p=6, q=4, gamma=15)
    # p (gamma + x m) / (p x + q - 1) = 6 (15 + 40) / (12 + 3) = 22
    assert gammagamma.expected_spend(params, [2], [20])[0] == pytest.approx(22)
    # no repeat purchase: the population mean p gamma / (q - 1) = 30
    assert gammagamma.expected_spend(params, [0], [0])[0] == pytest.approx(30)
    assert params.mean_spend() == pytest.approx(30)


def test_gamma_gamma_refuses_customers_without_repeat_spend():
    with pytest.raises(ValueError):
        gammagamma.fit([0, 2], [0.0, 5.0])


# --- MBG/NBD ------------------------------------------------------------------------------


def test_mbgnbd_fit_on_cdnow_matches_the_reference_implementation():
    """lifetimes 0.11.3's ModifiedBetaGeoFitter on the same calibration data (weeks) gives
    r 0.525, alpha 6.183, a 0.891, b 1.614 (measured for docs/reports.md)."""
    from crmcli.reports.models import mbgnbd

    x, t_x, T, _ = cdnow_calibration()
    params = mbgnbd.fit(x, t_x, T)
    assert (round(params.r, 3), round(params.alpha, 3)) == (0.525, 6.183)
    assert (round(params.a, 3), round(params.b, 3)) == (0.891, 1.614)
    # one parameter set fits both models about equally well; MBG/NBD a little better here
    assert params.log_likelihood > bgnbd.fit(x, t_x, T).log_likelihood


def test_mbgnbd_p_alive_by_hand():
    from crmcli.reports.models import mbgnbd

    params = bgnbd.Params(r=1, alpha=1, a=1, b=2)
    # odds = a/(b+x) * ((alpha+T)/(alpha+t_x))^(r+x) = 1/3 * (4/2)^2 = 4/3
    assert mbgnbd.p_alive(params, [1], [1], [3])[0] == pytest.approx(3 / 7)
    # a one-time buyer may have dropped out too: 1/2 * (31/1)^1 = 15.5
    assert mbgnbd.p_alive(params, [0], [0], [30])[0] == pytest.approx(1 / 16.5)


def test_mbgnbd_expected_purchases_match_numerical_integration():
    """The closed form against the model's definition: given lambda and p, and alive at T,
    E[Y(t)] = (1 - exp(-lambda p t)) / p; the posterior weighs (lambda, p) by the individual
    likelihood (1-p)^(x+1) lambda^x e^(-lambda T) + p (1-p)^x lambda^x e^(-lambda t_x), and
    only its first term (alive at T) buys. Over lambda the integrals are closed Gamma forms;
    over p, scipy's quad."""
    from scipy import integrate, special, stats

    from crmcli.reports.models import mbgnbd

    params = bgnbd.Params(0.6, 5.0, 0.9, 1.7)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = 20.0
    for x, t_x, T in ((0, 0.0, 30.0), (2, 10.0, 25.0), (6, 24.0, 26.0)):

        def gamma_part(rate_power: float, x=x) -> float:
            # integral of lambda^x e^(-lambda s) Gamma(r, alpha) d lambda
            return math.exp(
                special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
                - (r + x) * math.log(alpha + rate_power)
            )  # fmt: skip

        def top(p, x=x, T=T):
            alive = (1 - p) ** (x + 1) / p
            buying = gamma_part(T) - gamma_part(T + p * t)
            return alive * buying * stats.beta.pdf(p, a, b)

        def bottom(p, x=x, t_x=t_x, T=T):
            likelihood = (1 - p) ** (x + 1) * gamma_part(T) + p * (1 - p) ** x * gamma_part(t_x)
            return likelihood * stats.beta.pdf(p, a, b)

        tight = {"limit": 500, "epsabs": 1e-13, "epsrel": 1e-12}  # Beta(0.9, .) is steep at 0
        numerator, _ = integrate.quad(top, 0, 1, **tight)
        denominator, _ = integrate.quad(bottom, 0, 1, **tight)
        closed = mbgnbd.expected_purchases(params, t, [x], [t_x], [T])[0]
        assert closed == pytest.approx(numerator / denominator, rel=1e-6)
        assert mbgnbd.expected_purchases(params, 0, [x], [t_x], [T])[0] == 0.0
        likelihood = mbgnbd.log_likelihood(r, alpha, a, b, [x], [t_x], [T])
        assert likelihood == pytest.approx(math.log(denominator), rel=1e-6)


def test_likelihoods_over_distinct_values_equal_the_formulas_per_customer_to_the_bit():
    """The fits evaluate the special functions once per distinct x, t_x and T; the sums must
    be those of the formulas evaluated per customer, exactly (so the fits are unchanged)."""
    from scipy import special

    from crmcli.reports.models import mbgnbd

    x, t_x, T, m = cdnow_calibration()
    x, t_x, T = x.astype(float), t_x * 7 / 3, T * 7 / 3  # times that are not whole numbers
    weights = np.arange(len(x)) % 3 + 1.0
    for r, alpha, a, b in ((0.243, 4.41, 0.793, 2.43), (1.7, 0.3, 12.0, 0.6)):
        common = (
            special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            + special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b)
            - special.gammaln(a + b + x)
        )  # fmt: skip
        stay = -(r + x) * np.log(alpha + T)
        dropped = np.full_like(x, -np.inf)
        rx = x > 0
        dropped[rx] = np.log(a) - np.log(b + x[rx] - 1) - (r + x[rx]) * np.log(alpha + t_x[rx])
        each = common + np.logaddexp(stay, dropped)
        assert bgnbd.log_likelihood(r, alpha, a, b, x, t_x, T) == float(np.sum(each))
        got = bgnbd.log_likelihood(r, alpha, a, b, x, t_x, T, weights)
        assert got == float(np.sum(each * weights))

        common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        common -= special.betaln(a, b)
        stay = special.betaln(a, b + x + 1) - (r + x) * np.log(alpha + T)
        dropped = special.betaln(a + 1, b + x) - (r + x) * np.log(alpha + t_x)
        each = common + np.logaddexp(stay, dropped)
        assert mbgnbd.log_likelihood(r, alpha, a, b, x, t_x, T) == float(np.sum(each))

    xs, ms = x[rx], m[rx]
    for p, q, gamma in ((6.25, 3.74, 15.44), (0.4, 9.0, 1.5)):
        px = p * xs
        each = (
            special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q)
            + q * np.log(gamma) + px * np.log(xs) + (px - 1) * np.log(ms)
            - (px + q) * np.log(gamma + xs * ms)
        )  # fmt: skip
        assert gammagamma.log_likelihood(p, q, gamma, xs, ms) == float(np.sum(each))


# --- The fit along the analytic gradient ---------------------------------------------------


def half_yearly_renewals():
    """(x, t_x, T) in days of forty customers renewing about every 182 days, two to four
    times, as tests/test_churn_value.py's shop on 2026-12-06: a flat ridge of the BG/NBD
    likelihood (nobody has dropped out), along which a fit may run r, alpha and b out to
    where the predictions lose their digits."""
    import random
    from datetime import timedelta

    rng = random.Random(9)
    last, as_of = date(2026, 11, 1), date(2026, 12, 6)
    x, t_x, T = [], [], []
    for _ in range(40):
        j = rng.randint(0, 20)
        days = []
        for k in range(rng.choice([2, 3, 4])):
            days.append(last - timedelta(days=j + rng.randint(-3, 3) + 60 + 182 * k))
            rng.randint(900, 1100)  # the amount, drawn there in the same order
        x.append(len(days) - 1)
        t_x.append((max(days) - min(days)).days)
        T.append((as_of - min(days)).days)
    return np.array(x, dtype=float), np.array(t_x, dtype=float), np.array(T, dtype=float)


def bgnbd_datasets():
    cdnow = cdnow_calibration()[:3]
    yield "cdnow", cdnow
    for seed, (r, alpha, a, b) in enumerate(((0.25, 4.0, 0.8, 2.5), (2.0, 10.0, 3.0, 8.0))):
        x, t_x, T, _, _ = simulate_bgnbd(3000, r, alpha, a, b, np.random.default_rng(seed))
        yield f"simulated {seed}", (x, np.round(t_x), np.round(T))
    yield "half-yearly renewals", half_yearly_renewals()


def test_bgnbd_gradient_is_the_likelihoods_derivative():
    x, t_x, T, _ = cdnow_calibration()
    sample = bgnbd.Sample.of(x, t_x, T, np.arange(len(x)) % 3 + 1.0)
    for point in ((0.243, 4.41, 0.793, 2.43), (1.7, 0.3, 12.0, 0.6), (3.0, 40.0, 0.2, 9.0)):
        value, gradient = bgnbd.sample_log_likelihood_and_gradient(*point, sample)
        assert value == pytest.approx(bgnbd.sample_log_likelihood(*point, sample), rel=1e-12)
        for i, step in enumerate(np.array(point) * 1e-6):
            up, down = list(point), list(point)
            up[i] += step
            down[i] -= step
            slope = (
                bgnbd.sample_log_likelihood(*up, sample)
                - bgnbd.sample_log_likelihood(*down, sample)
            ) / (2 * step)
            assert gradient[i] == pytest.approx(slope, rel=1e-5)


def test_gamma_gamma_gradient_is_the_likelihoods_derivative():
    x, _, _, m = cdnow_calibration()
    spends = gammagamma.Spends.of(x[x > 0], m[x > 0], np.arange(int(np.sum(x > 0))) % 2 + 1.0)
    for point in ((6.25, 3.74, 15.44), (0.4, 9.0, 1.5)):
        value, gradient = gammagamma.spends_log_likelihood_and_gradient(*point, spends)
        assert value == pytest.approx(gammagamma.spends_log_likelihood(*point, spends), rel=1e-12)
        for i, step in enumerate(np.array(point) * 1e-6):
            up, down = list(point), list(point)
            up[i] += step
            down[i] -= step
            slope = (
                gammagamma.spends_log_likelihood(*up, spends)
                - gammagamma.spends_log_likelihood(*down, spends)
            ) / (2 * step)
            assert gradient[i] == pytest.approx(slope, rel=1e-5)


@pytest.mark.parametrize("name, data", list(bgnbd_datasets()), ids=lambda v: str(v)[:24])
def test_fit_along_the_gradient_agrees_with_the_numerical_fit(name, data):
    """bgnbd.fit follows the analytic gradient and keeps its result inside a box where the
    predictions keep their digits; otherwise it runs the numerical fit. Both must give the
    same likelihood (within 1e-6 per customer) and the same predictions (to 1e-3
    relative); on the ridge the numerical fit's parameters exactly (the analytic one runs
    r and b out to 1e7, alpha to 3e9 days, a to 1.5e-8, far outside the box)."""
    x, t_x, T = data
    fast = bgnbd.fit(x, t_x, T)
    slow = bgnbd.fit_likelihood(bgnbd.sample_log_likelihood, x, t_x, T)
    assert fast.log_likelihood >= slow.log_likelihood - 1e-6 * len(x)
    horizon = float(np.mean(T))
    for t in (horizon / 10, horizon):
        assert bgnbd.expected_purchases(fast, t, x, t_x, T) == pytest.approx(
            bgnbd.expected_purchases(slow, t, x, t_x, T), rel=1e-3, abs=1e-6
        )
    assert bgnbd.p_alive(fast, x, t_x, T) == pytest.approx(
        bgnbd.p_alive(slow, x, t_x, T), rel=1e-3, abs=1e-6
    )
    if name == "half-yearly renewals":
        assert fast == slow
    else:
        assert fast != slow  # the gradient's fit was kept, not the numerical one


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gamma_gamma_fit_along_the_gradient_agrees_with_the_numerical_fit(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    if seed == 0:
        x, _, _, m = cdnow_calibration()
        x, m = x[x > 0], m[x > 0]
    else:
        n, p, q, gamma = 3000, (6.0, 0.8)[seed - 1], (4.0, 12.0)[seed - 1], 15.0
        nu = rng.gamma(q, 1 / gamma, n)
        x = 1 + rng.poisson(2, n)
        m = np.array([rng.gamma(p, 1 / nu[i], x[i]).mean() for i in range(n)])
    fast = gammagamma.fit(x, m)
    monkeypatch.setattr(gammagamma, "SAFE_HIGH", 0.0)  # no analytic fit is kept
    slow = gammagamma.fit(x, m)
    assert fast != slow
    assert fast.log_likelihood >= slow.log_likelihood - 1e-6 * len(x)
    assert gammagamma.expected_spend(fast, x, m) == pytest.approx(
        gammagamma.expected_spend(slow, x, m), rel=1e-4
    )
