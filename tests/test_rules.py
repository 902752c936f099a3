"""Rules chapters as issues with target terms (tppgame.game.rules) and their data file (data/rules.toml).

Hand-checkable payoffs (a biologics term for the US and for Australia, a rule of origin's
utilisation, a position's value), hypothesis invariants (nothing changed gives zero, a tighter rule
never raises utilisation, a position never pays above its stake), the data's positions against what
happened, and bad data's one-line errors.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tppgame.game.rules import (
    RULES_FILE,
    agreement_term,
    biologics_value,
    bound_terms,
    compliance_cost,
    liberal_end,
    load_rules,
    origin_value,
    position_value,
    preference_split,
    rules_sectors,
    utilisation,
    within_red_line,
)

COUNTRIES = ("USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM", "BRN")


# ------------------------------------------------------------------ by hand
def test_a_biologics_term_for_the_us_and_for_australia():
    # US: a US$10 bn market, 80% of originators, 12 years already; Australia: US$2 bn, 5%, 5 years.
    # A term of 8 years adds 3 of 20 years' protection in Australia at a 30% premium: 2 x 0.3 x 3/20 = 0.09
    value = biologics_value(8.0, np.array([12.0, 5.0]), np.array([10.0, 2.0]), np.array([0.8, 0.05]), 0.3, 20.0)
    assert value[0] == pytest.approx(0.8 * 0.09)          # US originators earn 80% of it: US$72 m a year
    assert value[1] == pytest.approx(-0.95 * 0.09)        # Australia's budget pays 95% of it abroad
    # 12 years: the US still pays nothing at home; both move further the same way
    longer = biologics_value(12.0, np.array([12.0, 5.0]), np.array([10.0, 2.0]), np.array([0.8, 0.05]), 0.3, 20.0)
    assert longer[0] > value[0] and longer[1] < value[1]


def test_a_rule_of_origins_utilisation_by_hand():
    # yarn-forward (all yarn and fabric from the zone) for an exporter with 12% of them in the zone:
    # 88% to re-source x half the garment's value x a 20% premium = a mean cost of 8.8% of the value
    cost = compliance_cost(1.0, np.array([0.12]), 0.5, 0.2)
    assert cost == pytest.approx([0.088])
    # an 11-point margin: firms with costs on [0, 17.6%] comply where cost < 11 points: 0.11 / 0.176
    u, net, spent = preference_split(np.array([0.11]), cost)
    assert u == pytest.approx([0.625])
    assert spent == pytest.approx([0.625 * 0.11 / 2])                       # compliers' mean cost is m / 2
    assert net == pytest.approx([0.625 * 0.11 - 0.625 * 0.055])
    # single transformation (no in-zone requirement): the whole margin is used and kept
    assert preference_split(np.array([0.11]), compliance_cost(0.0, np.array([0.12]), 0.5, 0.2))[1] == \
        pytest.approx([0.11])


def test_a_rule_of_origin_values_exporters_and_in_zone_suppliers():
    # exporter 0 sells 10 with a 10% margin and 20% in-zone inputs; supplier 1 provides all in-zone inputs
    value = origin_value(0.5, np.array([10.0, 0.0]), np.array([0.2, 1.0]), np.array([0.1, 0.0]),
                         np.array([0.0, 1.0]), input_share=1.0, premium=0.1, keep=0.5)
    # cost = 0.3 x 1 x 0.1 = 0.03 <= m / 2: all comply, spending 0.03 of 10; the exporter keeps 0.07
    assert value == pytest.approx([10 * 0.07, 0.5 * 10 * 0.03])


def test_a_positions_value_by_hand():
    stake = np.array([2.0, 1.0])
    q, ideal = np.array([0.0, 0.3]), np.array([0.5, 0.3])
    assert position_value(0.5, q, ideal, stake, 1.0) == pytest.approx([2.0, -0.2])    # country 1 is at its ideal
    assert position_value(0.25, q, ideal, stake, 1.0) == pytest.approx([1.0, -0.05])
    assert position_value(1.0, q, ideal, stake, 1.0) == pytest.approx([0.0, -0.7])
    assert within_red_line(8.0, np.array([12.0, 5.0]), np.array([8.0, 8.0])).all()
    assert not within_red_line(9.0, np.array([5.0]), np.array([8.0]))[0]
    assert not within_red_line(7.0, np.array([12.0]), np.array([8.0]))[0]


# ------------------------------------------------------------------ invariants
@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), arrays(float, 4, elements=st.floats(0, 1)),
       arrays(float, 4, elements=st.one_of(st.just(0.0), st.floats(1e-6, 10))), st.floats(0, 1), st.floats(0, 5))
def test_a_tighter_rule_never_raises_utilisation_and_raises_the_suppliers_share(rule, tighter, in_zone, margin,
                                                                                 input_share, premium):
    loose = compliance_cost(rule, in_zone, input_share, premium)
    tight = compliance_cost(min(1.0, rule + tighter), in_zone, input_share, premium)
    assert (utilisation(margin, tight) <= utilisation(margin, loose) + 1e-12).all()
    u_loose, _, spent_loose = preference_split(margin, loose)
    u_tight, net_tight, spent_tight = preference_split(margin, tight)
    used_loose, used_tight = u_loose * margin, u_tight * margin
    kept_loose = np.divide(spent_loose, used_loose, out=np.zeros_like(used_loose), where=used_loose > 0)
    kept_tight = np.divide(spent_tight, used_tight, out=np.zeros_like(used_tight), where=used_tight > 0)
    assert (kept_tight >= kept_loose - 1e-9)[(used_loose > 0) & (used_tight > 0)].all()
    assert (net_tight >= -1e-12).all()                      # nobody complies at a loss


@settings(max_examples=200, deadline=None)
@given(arrays(float, 5, elements=st.floats(0, 12)), arrays(float, 5, elements=st.floats(0, 100)),
       arrays(float, 5, elements=st.floats(0, 0.2)), st.floats(0, 1), st.floats(1, 40))
def test_a_biologics_term_no_longer_than_anyones_changes_nothing(status_quo, market, share, premium, life):
    assert (biologics_value(float(status_quo.min()), status_quo, market, share, premium, life) == 0.0).all()


@settings(max_examples=200, deadline=None)
@given(arrays(float, 5, elements=st.floats(0, 10)), arrays(float, 5, elements=st.floats(0, 10)),
       arrays(float, 5, elements=st.floats(0, 100)), st.floats(0, 10))
def test_a_position_is_zero_at_the_status_quo_and_never_above_its_stake(q, ideal, stake, term):
    at_q = np.array([position_value(float(x), q[k:k + 1], ideal[k:k + 1], stake[k:k + 1], 10.0)[0]
                     for k, x in enumerate(q)])
    assert at_q == pytest.approx(np.zeros(5), abs=1e-9)
    assert (position_value(term, q, ideal, stake, 10.0) <= stake + 1e-9).all()


# ------------------------------------------------------------------ the data
def test_the_issues_and_their_outcomes():
    rules = load_rules()
    assert set(rules.issues) == {"biologics", "textiles_origin", "autos_origin", "soe", "services", "procurement"}
    bio = rules.issues["biologics"]
    usa, aus, brn = COUNTRIES.index("USA"), COUNTRIES.index("AUS"), COUNTRIES.index("BRN")
    assert 5 <= bio.outcome <= 8 and bio.status_quo[usa] == 12 and bio.status_quo[aus] == 5
    assert bio.ideal[usa] == 12 and bio.ideal[aus] == 5
    # the US gains and Australia loses from a longer term, more the longer it is
    assert 0 < bio.values(8.0)[usa] < bio.values(12.0)[usa]
    assert bio.values(12.0)[aus] < bio.values(8.0)[aus] < 0
    # what happened respected every red line, on every issue
    for issue in rules.issues.values():
        assert issue.acceptable(issue.outcome).all(), issue.name
        assert issue.low <= issue.outcome <= issue.high
    # Brunei has no farm or car stake but has stakes in SOEs, services and procurement
    for name in ("soe", "services", "procurement"):
        assert rules.issues[name].figures["stake"][brn] > 0
    assert rules.figure_sources["issues.biologics.high"] == "biotech_2015_tpp"
    assert rules.figure_sources["issues.autos_origin.outcome"] == "bilaterals_2015_autos"
    assert all(origin for origin in rules.figure_sources.values())


def test_the_issues_over_a_scenarios_countries():
    rules = load_rules()
    four = rules.select(("AUS", "USA", "JPN", "VNM"))
    bio = four.issues["biologics"]
    assert list(bio.status_quo) == [5.0, 12.0, 8.0, 5.0]
    # fewer markets to earn in: the US's value of 8 years falls, Australia's own payments stay
    assert 0 < bio.values(8.0)[1] < rules.issues["biologics"].values(8.0)[0]
    # Australia (US$3 bn, 3% of originators) pays for 3 more years at home and earns only in Vietnam
    # (US$0.3 bn, 5 years) among the other three: 0.03 x 0.3 x 0.3 x 3/20 - 0.97 x 3 x 0.3 x 3/20
    assert bio.values(8.0)[0] == pytest.approx(0.03 * 0.3 * 0.3 * 3 / 20 - 0.97 * 3 * 0.3 * 3 / 20)


def test_yarn_forward_and_vietnam():
    textiles = load_rules().issues["textiles_origin"]
    vnm = COUNTRIES.index("VNM")
    assert textiles.figures["in_zone"][vnm] == pytest.approx(0.12)
    cost = compliance_cost(1.0, textiles.figures["in_zone"][vnm:vnm + 1], textiles.parameters["input_share"],
                           textiles.parameters["premium"])
    assert cost == pytest.approx([0.88 * 0.5 * 0.2])
    assert utilisation(textiles.figures["margin"][vnm:vnm + 1], cost) == pytest.approx([0.171 / (2 * 0.088)])
    # Vietnam loses and the in-zone yarn and fabric makers (US, Japan) gain as the rule tightens
    single, yarn_forward = textiles.values(0.0), textiles.values(1.0)
    assert yarn_forward[vnm] < single[vnm]
    assert yarn_forward[COUNTRIES.index("USA")] > single[COUNTRIES.index("USA")] == 0.0


def test_the_autos_rule_and_its_parts_list():
    autos = load_rules().issues["autos_origin"]
    assert autos.outcome == 0.45
    assert autos.parameters["key_parts"] == 0.45 and autos.parameters["other_parts"] == 0.35
    jpn, mex = COUNTRIES.index("JPN"), COUNTRIES.index("MEX")
    nafta = autos.values(0.625)
    assert nafta[jpn] < autos.values(0.45)[jpn] and nafta[mex] > autos.values(0.45)[mex]


# ------------------------------------------------------------------ bad data
BAD = [
    ('kind = "biologics"', 'kind = "eval"', "issues.biologics.kind: expected one of biologics, origin, position"),
    ('high = { value = 12.0, source = "biotech_2015_tpp"', 'high = { value = 12.0, source = "nowhere"',
     "issues.biologics.high.source: expected an id defined in [sources]"),
    ('[issues.biologics.countries.BRN]', '[issues.biologics.countries.XYZ]',
     "issues.biologics.countries.XYZ: expected a country code"),
    ('[issues.biologics.countries.USA]\nstatus_quo = { value = 12.0,', '[issues.biologics.countries.USA]\nstatus_quo = { value = 15.0,',
     "issues.biologics.countries.USA.status_quo.value: expected a number from 0 to 12, got 15.0"),
    ('premium = { value = 0.3,', 'premium_rate = { value = 0.3,', "issues.biologics.parameters.premium: expected a table"),
    ('originator_share = { value = 0.65,', 'originator_share = { value = 1.65,',
     "issues.biologics.countries.USA.originator_share.value: expected a number from 0 to 1, got 1.65"),
    ('opens_towards = { value = "high", judgment = "a member concedes to other members\' originators',
     'opens_towards = { value = "up", judgment = "a member concedes to other members\' originators',
     "issues.biologics.opens_towards.value: expected one of 'high', 'low', got 'up'"),
    ('opens_towards = { value = "high", judgment = "a member concedes to other members\' originators',
     'opens_towards_not = { value = "high", judgment = "a member concedes to other members\' originators',
     "issues.biologics.opens_towards: expected a table {value = ..., source, judgment or method = ...}"),
    ('opens_towards = { value = "low", judgment = "a member concedes by lowering',
     'opens_towards = { value = "low", judge = "a member concedes by lowering',
     "issues.procurement.opens_towards.judge: expected only value, source, judgment, method, note"),
]


@pytest.mark.parametrize("old, new, message", BAD)
def test_bad_data_names_the_file_the_setting_and_what_was_expected(bad_data, old, new, message):
    bad_data(load_rules, RULES_FILE, old, new, message)


def test_the_end_a_concession_moves_towards_is_stated_in_the_data_not_read_from_the_outcome():
    """Biologics' years and the SOE disciplines rise, a procurement threshold falls, as rules.toml's
    ``opens_towards`` says; an outcome anywhere on the scale changes nothing (the outcome is how the model
    is judged, never an input)."""
    issues = load_rules().issues
    assert liberal_end(issues["biologics"]) == (12.0, True)
    assert liberal_end(issues["soe"]) == (1.0, True)
    assert liberal_end(issues["procurement"]) == (130.0, False)
    for name, issue in issues.items():
        for outcome in (issue.low, issue.high):
            assert liberal_end(replace(issue, outcome=outcome)) == liberal_end(issue), name


# ------------------------------------------------------------------ the terms a schedule binds
def test_the_years_each_country_binds_and_the_agreements_standard_by_hand():
    """Australia at 5 years conceding 3/7 of the way to 12 binds 8; Brunei at 0 conceding half binds 6;
    the US, already at 12, keeps 12 whatever it concedes. The standard is the least a signatory binds."""
    bound = bound_terms(np.array([3 / 7, 0.5, 0.2]), np.array([5.0, 0.0, 12.0]), 12.0)
    assert bound.tolist() == pytest.approx([8.0, 6.0, 12.0])
    assert agreement_term(bound, np.array([True, True, True])) == pytest.approx(6.0)
    assert agreement_term(bound, np.array([True, False, True])) == pytest.approx(8.0)
    assert agreement_term(bound, np.zeros(3, dtype=bool)) is None


@settings(max_examples=60, deadline=None)
@given(arrays(float, 4, elements=st.floats(0, 1)), arrays(float, 4, elements=st.floats(0, 1)),
       arrays(float, 4, elements=st.floats(0, 12)))
def test_a_deeper_concession_never_binds_a_shorter_term(concession, more, status_quo):
    deeper = np.maximum(concession, more)
    shallow, deep = bound_terms(concession, status_quo, 12.0), bound_terms(deeper, status_quo, 12.0)
    assert (deep >= shallow - 1e-12).all()
    assert (shallow >= status_quo - 1e-12).all() and (deep <= np.maximum(status_quo, 12.0) + 1e-12).all()


def test_biologics_is_the_rules_issue_among_the_games_sectors():
    assert rules_sectors(("rice", "biologics", "autos")) == ("biologics",)
