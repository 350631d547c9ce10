"""The results comparison of benchmarks/results_identity.py (issue 18: the same results.json
before and after the speed-ups), on hand-made results."""

from helpers import load_benchmark

ident = load_benchmark("results_identity")
Difference, MISSING = ident.Difference, ident.MISSING

RESULTS = {
    "00_datagrundlag": {"antal_borgere": 2647, "periode": ["2021-11-01", "2026-10-31"],
                        "udgift": 474592781.38},
    "06_indkoeb": {"tilgaengelig": {"Prisudvikling": True, "Kontraktkalender": False}},
    "_meta": {"00_datagrundlag": {"antal_borgere": {"label": "Antal borgere",
                                                    "enhed": "borgere"}}},
}


def copy(value):
    import copy as _copy

    return _copy.deepcopy(value)


def test_equal_results_have_no_differences():
    assert ident.compare(RESULTS, copy(RESULTS)) == []
    assert ident.count_entries(RESULTS) == 5  # a count, a list, an amount, two flags


def test_a_changed_value_is_named_by_notebook_and_key_path():
    other = copy(RESULTS)
    other["00_datagrundlag"]["udgift"] = 474592781.39
    other["06_indkoeb"]["tilgaengelig"]["Kontraktkalender"] = True
    other["00_datagrundlag"]["periode"][1] = "2026-09-30"
    assert ident.compare(RESULTS, other) == [
        Difference("00_datagrundlag", "periode[1]", "2026-10-31", "2026-09-30"),
        Difference("00_datagrundlag", "udgift", 474592781.38, 474592781.39),
        Difference("06_indkoeb", "tilgaengelig.Kontraktkalender", False, True),
    ]


def test_an_integer_and_the_same_float_differ_and_nan_equals_nan():
    a = {"02": {"n": 1, "p": float("nan")}}
    assert ident.compare(a, {"02": {"n": 1.0, "p": float("nan")}}) == [
        Difference("02", "n", 1, 1.0)]


def test_a_missing_key_or_notebook_is_a_difference_on_either_side():
    fewer = copy(RESULTS)
    del fewer["00_datagrundlag"]["antal_borgere"]
    del fewer["06_indkoeb"]
    fewer["_meta"]["00_datagrundlag"]["antal_borgere"]["enhed"] = "tal"
    assert ident.compare(RESULTS, fewer) == [
        Difference("00_datagrundlag", "antal_borgere", 2647, MISSING),
        Difference("06_indkoeb", "", RESULTS["06_indkoeb"], MISSING),
        Difference("_meta", "00_datagrundlag.antal_borgere.enhed", "borgere", "tal"),
    ]
    assert ident.compare(fewer, RESULTS)[0] == Difference(
        "00_datagrundlag", "antal_borgere", MISSING, 2647)
    longer = {"01": {"liste": [1, 2]}}
    assert ident.compare(longer, {"01": {"liste": [1, 2, 3]}}) == [
        Difference("01", "liste", [1, 2], [1, 2, 3])]


def test_run_ids_times_and_the_runs_folders_are_left_out():
    a = {"01": {"run_id": "20261201-220018-intern", "sekunder": 3.2,
                "fil": "/tmp/a/eksempelkommune/20261201-220018-intern/excel/liste.xlsx"}}
    b = {"01": {"run_id": "20261201-230000-intern", "sekunder": 2.9,
                "fil": "/tmp/b/eksempelkommune/20261201-230000-intern/excel/liste.xlsx"}}
    replace_a = {"/tmp/a": "<ud>", "20261201-220018-intern": "<kørsel>"}
    replace_b = {"/tmp/b": "<ud>", "20261201-230000-intern": "<kørsel>"}
    assert ident.compare(a, b, replace_basis=replace_a, replace_current=replace_b) == []
    assert ident.compare(a, b) == [Difference("01", "fil", a["01"]["fil"], b["01"]["fil"])]


def test_the_table_is_danish_and_shortens_long_values():
    rows = [("dragoer", Difference("06_indkoeb", "", {"x": "y" * 80}, MISSING))]
    text = ident.table(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["kommune", "notebook", "nøgle", "basis", "nuværende"]
    assert "(hele notebooken)" in lines[2] and "(mangler)" in lines[2]
    assert "…" in lines[2] and len(lines[2]) < 120
