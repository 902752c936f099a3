"""What each scenario setting means, and its unit: the words of the settings reference.

Keyed by the dotted paths of :func:`tppgame.game.json_schema.leaves` (``CODE`` for any country,
``SECTOR`` for any sector, ``[]`` for each entry of a list of tables). The range and the default
are not written here: they come from the checks (:mod:`tppgame.game.scenario_schema`) and the
baseline. The own keys of each event kind (``events[].pairs``, ...) are described by its class, in
``meanings`` (:mod:`tppgame.game.events`), so a new kind is one class: :func:`descriptions` joins
the two. ``tests/test_scenario_reference.py`` checks that every setting has a description and
every description a setting, so the two cannot drift apart.
"""

from __future__ import annotations

from tppgame.game.events import key_descriptions

SHARE = "share, 0 = none, 1 = all"
CONCESSION = "concession, 0 = today's protection, 1 = full liberalisation"

# dotted path -> (meaning, unit; "" where a unit makes no sense)
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "name": ("Title of the scenario, shown by `run.py list` and at the top of the story", ""),
    "description": ("One-paragraph description; its first sentence is shown by `run.py list`", ""),
    "extends": ("The scenario this one is laid over (a name in the same folder or a path)", ""),
    "drop_events": ("Labels of the extended scenario's events to remove", ""),
    "drop_side_deals": ("Labels of the extended scenario's side deals to remove", ""),
    "seed": ("Default seed of all chance in a run (`--seed` replaces it)", ""),
    "rounds": ("Number of rounds played", "rounds"),
    "calendar.start": ("Date of round 1", "date"),
    "calendar.months_per_round": ("Months each round stands for", "months"),
    "bargaining.protocol": ("How a bilateral talk settles: alternating offers, or a benchmark solution", ""),
    "bargaining.information": ("`full` (when unset): each negotiator knows its partner's utility; `private`: only its own and "
                               "the partner's offers (needs the `alternating` protocol)", ""),
    "bargaining.tactic": ("Default negotiator of every country (any registered name)", ""),
    "bargaining.talks_per_round": ("Default number of bilateral sessions a country holds in a round", "talks"),
    "bargaining.min_stake": ("Pairs with less to gain than this have nothing to negotiate", "utility"),
    "bargaining.existing_agreement_discount": ("How much less access is worth where an agreement is already in "
                                               "force (read by the `judgment` payoff only)", SHARE),
    "bargaining.cost_scale": ("Scale of the political cost of opening a sector (sensitivity 1, prohibitive "
                              "barrier, full opening; read by the `judgment` payoff only)",
                              "share of the full-access gain"),
    "bargaining.cost_exponent": ("Power of the concession in the political cost", "exponent"),
    "bargaining.precedent_weight": ("Weight of a rival exporter's better access, against the access itself",
                                    "weight"),
    "bargaining.precedent_min_interest": ("Export interest from which an exporter counts as a rival",
                                          "export interest, 0 to 1"),
    "bargaining.spillover": ("Share of the cost of extending a concession to every member that negotiators "
                             "count", SHARE),
    "bargaining.payoff": ("Where a government's values come from: `judgment` (the calibration's indices of export "
                          "interest, barrier and sensitivity) or `political_economy` (the welfare account's trade and "
                          "tariffs, with lobby weights: Grossman-Helpman)", ""),
    "bargaining.lobby_weight": ("`political_economy`: extra weight on organised producers per unit of sensitivity "
                                "(import-competing) or export interest (exporters), beyond welfare", "weight"),
    "bargaining.quotas": ("Open the markets the data gives a tariff-rate quota (Japan's rice, Canada's dairy, US "
                          "sugar) by quota tonnes, up to each exporter's ask, instead of by tariff cuts", ""),
    "bargaining.chapters": ("Chapters in play beside the ten core sectors, each a sector of the game from the start "
                            "(`services`: services and investment, valued by the tariff equivalent of each "
                            "country's restrictions; `procurement`: government procurement, by the tariff "
                            "equivalent of its home bias; `soe`: state-owned enterprises, by its SOEs' share of "
                            "its economy), in any combination; none when not set. A shock cannot change them",
                            "chapter names"),
    "bargaining.buy_in": ("A member its partners refuse for offering too little (`reciprocity`) adds to its schedule "
                          "the cheapest opening that meets the bar, up to its red lines, if it would still ratify "
                          "with it; otherwise it offers more only through its open talks", ""),
    "bargaining.stake": ("What a side's reservation in a talk is a share of (its ratification threshold times "
                         "this stake): `free_trade` (when unset), what the partner's full opening of the sectors on "
                         "the table would give it; `efficient`, what the partner opens at the pair's efficient deal "
                         "with equal weights, where in each sector the receiver's marginal gain meets the giver's "
                         "marginal cost. A shock cannot change it", ""),
    "bargaining.rules_of_origin": ("`political_economy` only: a textile or car preference counts only the part an "
                                   "exporter can use under the rule of origin the members settle (their median "
                                   "ideal within every red line; yarn-forward, regional value content), net of "
                                   "complying, and in-zone suppliers gain from the dearer inputs; false (when "
                                   "unset): a preference is used in full", ""),
    "bargaining.common_standards": ("Rules issues (`biologics`, or a chapter in play) the agreement sets as one "
                                    "minimum standard every signatory implements: the members settle its term "
                                    "(their median ideal within every red line, as for rules of origin) and each "
                                    "member's schedule in the sector is at least the concession that binds it; "
                                    "none when unset: each is bargained pair by pair and the agreement's standard "
                                    "is the least a signatory binds", "rules issue names"),
    "bargaining.standard_transitions": ("With `common_standards`: a member that would not ratify with the "
                                        "standards at once implements them after the shortest transition, in "
                                        "whole years up to `max_phase_out`, with which it would: its cost and its "
                                        "partners' originators' gain from it discounted by the yearly patience of "
                                        "each; false (when unset): every member implements them at once", ""),
    "bargaining.held_back": ("Share of an offer a country expects to keep when it makes it to a partner without "
                             "`authority` (whose legislature may amend the deal and ask for more): it counts its "
                             "concessions in that talk at 1 / this times their political cost; 1 (when unset): no "
                             "effect", SHARE),
    "bargaining.deadline_cost": ("Audience cost of a missed deadline or summit, as rounds of delay: the ratification "
                                 "bar of each government it applied to falls by the share 1 - patience^this (the more "
                                 "patient lose less); 0 (when unset): none", "rounds"),
    "bargaining.reciprocity": ("Share of what its partners could gain from its full opening that a member's own schedule "
                               "must give them before they accept it in the agreement (0: anything above nothing)",
                               "share"),
    "bargaining.max_phase_out": ("Longest phase-out a schedule allows: each concession agreed reaches its full depth in "
                                 "a whole number of years up to this, chosen by the pair (see Phase-outs); 30 when unset",
                                 "years"),
    "bargaining.endgame_share": ("Share of its margin above what it needs to ratify that a member gives up to "
                                 "bring hold-outs in", SHARE),
    "agreement.members": ("Countries at the table in round 1", "country codes"),
    "agreement.original_signatories": ("Countries the entry-into-force rule counts as original signatories "
                                       "(when unset: the members)", "country codes"),
    "agreement.entry_rule": ("Entry into force: `tpp` (6 original signatories with 85% of their 2013 GDP), "
                             "`cptpp` (6 signatories), or `custom`", ""),
    "agreement.min_signatories": ("Signatories the entry rule needs: a `custom` rule must set it; set with "
                                  "`tpp` or `cptpp`, it replaces their 6", "countries"),
    "agreement.min_gdp_share": ("Share of the original signatories' 2013 GDP the entry rule needs: a `custom` "
                                "rule must set it; set with `tpp` or `cptpp`, it replaces their 85% or 0%",
                                "share of GDP"),
    "agreement.conclude_without_holdouts": ("Whether the others may conclude without the hold-outs", ""),
    "agreement.suspended_sectors": ("Sectors whose provisions are suspended and count for nothing", "sectors"),
    "countries.CODE.name": ("The country's name in the story and tables", ""),
    "countries.CODE.gdp_2013": ("2013 GDP (World Bank, August 2015 vintage)", "US$ bn"),
    "countries.CODE.ratification_threshold": ("Share of the attainable gains the country needs to ratify",
                                              SHARE),
    "countries.CODE.patience": ("Discount factor per round, for the Rubinstein benchmark", "per round"),
    "countries.CODE.authority": ("Whether the country's negotiator can commit its government (for the US, trade "
                                 "promotion authority: Congress votes the deal up or down without amending it); "
                                 "`true` when unset. Partners hold back their concessions from a country without it "
                                 "(`bargaining.held_back`), and its package deals closed without it reopen when it "
                                 "gains it (a shock setting it to `true`)", ""),
    "countries.CODE.tactic": ("The country's negotiator (default: `bargaining.tactic`)", ""),
    "countries.CODE.beta": ("A time-dependent tactic's concession exponent (default: the tactic's own)",
                            "exponent"),
    "countries.CODE.talks_per_round": ("The country's negotiating capacity (default: "
                                       "`bargaining.talks_per_round`)", "talks"),
    "countries.CODE.export_interest.SECTOR": ("How much the country's exporters want better access to "
                                              "partners' markets in the sector", "0 = no stake, 1 = top demand"),
    "countries.CODE.barrier.SECTOR": ("Height of the country's own protection of the sector before the TPP (the "
                                      "`judgment` payoff's cost and gain, and headlines of protected sectors)",
                                      "0 = none, 1 = prohibitive"),
    "countries.CODE.sensitivity.SECTOR": ("Domestic political cost of fully opening the sector",
                                          "0 = nobody objects, 1 = ordinary lobby, 3 = near-untouchable"),
    "countries.CODE.red_line.SECTOR": ("Largest concession the government publicly bound itself to accept "
                                       "(1 = no red line)", CONCESSION),
    "existing_agreements[].pair": ("Two countries with a trade agreement in force", "country codes"),
    "existing_agreements[].name": ("The agreement's name", ""),
    "existing_agreements[].year": ("Year it entered into force", "year"),
    "phase_out_floors[].importer": ("The country committed, before the talks, to phase out a concession slowly "
                                    "(the calibration's: the US's car tariff for Japan, in Japan's entry agreement "
                                    "of April 2013); `phase_out_floors = []` plays without", "country code"),
    "phase_out_floors[].exporter": ("The partner whose access the commitment concerns", "country code"),
    "phase_out_floors[].sector": ("The sector of the concession", "sector"),
    "phase_out_floors[].years": ("The fewest years over which the importer's concession in the sector to the "
                                 "exporter is phased out, whatever the pair's own settlement of the length; "
                                 "`\"longest\"`: the longest a schedule allows (`bargaining.max_phase_out`)",
                                 "years (2 to 100) or \"longest\""),
    "phase_out_floors[].name": ("What committed it, for readers", ""),
    "events[].kind": ("What the event is (see Write a scenario: Events)", ""),
    "events[].round": ("Round the event falls in (give this or `date`)", "round"),
    "events[].date": ("Date the event falls on: the round whose period holds it (give this or `round`)",
                      "date"),
    "events[].label": ("Name in the story, and for `drop_events`", ""),
    "events[].probability": ("Chance the event happens (a draw from the run's seed); default 1", "probability"),
    "side_deals[].parties": ("The two countries of the side deal", "country codes"),
    "side_deals[].kind": ("`standalone`: in force whatever happens to the TPP; `conditional`: binding only if "
                          "the agreement forms, replacing the pair's TPP talk", ""),
    "side_deals[].label": ("Name in the story, and for `drop_side_deals`", ""),
    "side_deals[].start_round": ("Round the side talks open (or `start_date`)", "round"),
    "side_deals[].start_date": ("Date the side talks open (or `start_round`)", "date"),
    "side_deals[].sectors": ("The only sectors on the table", "sectors"),
    "side_deals[].exclude": ("Sectors kept off the table", "sectors"),
    "side_deals[].terms.CODE.SECTOR": ("Stated historical terms: a party's concession in a sector (with "
                                       "`concluded_round` or `concluded_date`)", CONCESSION),
    "side_deals[].concluded_round": ("Round the stated terms take effect", "round"),
    "side_deals[].concluded_date": ("Date the stated terms take effect", "date"),
    "headlines[].claim": ("The claim in words", ""),
    "headlines[].kind": ("What a run checks (see Write a scenario: Headlines)", ""),
    "headlines[].expect": ("`false` claims the opposite", ""),
    "headlines[].pair": ("The pair whose deal is claimed", "country codes"),
    "headlines[].first": ("`deal_order`: the pair that closes first", "country codes"),
    "headlines[].then": ("`deal_order`: the pair that closes after", "country codes"),
    "headlines[].standing": ("`deal_by`, `no_deal_by`, `deal_order`: count only the deals that stand at the end "
                             "(`true`), not a provisional deal that reopened when a side gained the authority to "
                             "commit (by default it counts from when it first closed)", ""),
    "headlines[].country": ("The country the claim is about", "country code"),
    "headlines[].countries": ("`largest_cuts`: the countries claimed to be among the largest cuts", "country codes"),
    "headlines[].exporter": ("`access_at_least`, `deeper_than_side_deal`, `longest_phase_out`: the exporting country",
                             "country code"),
    "headlines[].importer": ("`access_at_least`, `deeper_than_side_deal`: the importing country", "country code"),
    "headlines[].sector": ("The sector the claim is about", "sector"),
    "headlines[].among": ("`smallest_concession`: the sectors the country's concession in `sector` is compared with",
                          "sectors"),
    "headlines[].at_least": ("The least concession or access claimed", CONCESSION),
    "headlines[].at_most": ("`quota_at_most`: the most new quota claimed, a share of the market's consumption; "
                            "`utilisation_at_most`: the most utilisation claimed, the share of the country's exports "
                            "in the sector's rule of origin that claim the preference", "share, 0 to 1"),
    "headlines[].low": ("`term_between`: the least term claimed for the agreement's standard, in the issue's unit "
                        "(biologics: years)", "issue's unit"),
    "headlines[].high": ("`term_between`: the most term claimed for the agreement's standard", "issue's unit"),
    "headlines[].top": ("`largest_cuts`: how many of the largest cuts count; `concedes_in_protected`: how many of "
                        "a country's most protected sectors", "countries or sectors"),
    "headlines[].by_round": ("The claim holds by this round (or `by_date`); `formed_between`: the window's end",
                             "round"),
    "headlines[].by_date": ("The claim holds by this date (or `by_round`); `formed_between`: the window's end",
                            "date"),
    "headlines[].years": ("`longest_phase_out`: the shortest phase-out claimed (default 1)", "years"),
    "headlines[].from_round": ("`formed_between`: the window's first round (or `from_date`)", "round"),
    "headlines[].from_date": ("`formed_between`: the window's first date (or `from_round`)", "date"),
    "history.summary": ("What happened in fact, for debriefs", ""),
    "history.formed": ("Whether the agreement formed in fact", ""),
    "history.date": ("When it formed (or the moment the scenario ends) in fact", "date"),
    "history.sources": ("Sources for the history (URLs or references)", ""),
}


def descriptions() -> dict[str, tuple[str, str]]:
    """Every setting's (meaning, unit): :data:`DESCRIPTIONS`, and the keys of the event kinds registered
    now, from their classes."""
    return {**DESCRIPTIONS, **key_descriptions()}
