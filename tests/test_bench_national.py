"""The national benchmark's helpers (benchmarks/bench_national.py): the size table, the cache
key, the choice of municipalities, the project folder and the memory count."""


import pytest
from helpers import load_benchmark

from socialanalyse import config

bench = load_benchmark("bench_national")


def test_size_table_has_the_98_municipalities_in_order():
    sizes = bench.read_sizes()
    assert len(sizes) == 98
    assert list(sizes)[:3] == ["koebenhavn", "frederiksberg", "ballerup"]
    assert sizes["koebenhavn"] == 660_000 and sizes["laesoe"] == 1_800
    assert 5_800_000 < sum(sizes.values()) < 6_000_000  # Denmark, about 5.9 M
    assert set(sizes) == set(bench.municipality_names())  # the package's kommuner.csv


def test_size_table_errors_name_the_line(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("# note\nslug,indbyggere_ca\nherlev,29000\nfuresoe,mange\n", "utf-8")
    with pytest.raises(ValueError, match="linje 4"):
        bench.read_sizes(bad)
    bad.write_text("slug,indbyggere_ca\nherlev,29000\nherlev,29000\n", "utf-8")
    with pytest.raises(ValueError, match="linje 3.*herlev"):
        bench.read_sizes(bad)


def test_cache_key_follows_seed_and_generator_version():
    version = bench.generator_version()
    assert len(version) == 12 and int(version, 16) >= 0
    assert bench.generator_version() == version
    assert bench.cache_key(1) == f"seed1-gen{version}"
    assert bench.cache_key(2, "abc") == "seed2-genabc"
    assert bench.cache_key(1, "abc") != bench.cache_key(1, "abd")


SMALL = {"a": 500, "b": 100, "c": 300, "d": 200, "e": 400}


def test_choose_first_or_spread_over_sizes():
    assert bench.choose(SMALL, None) == list(SMALL)
    assert bench.choose(SMALL, 9) == list(SMALL)
    assert bench.choose(SMALL, 2) == ["a", "b"]
    # Sorted by size: b 100, d 200, c 300, e 400, a 500.
    assert bench.choose(SMALL, 3, "spredt") == ["b", "c", "a"]
    assert bench.choose(SMALL, 2, "spredt") == ["b", "a"]
    assert bench.choose(SMALL, 1, "spredt") == ["c"]
    with pytest.raises(ValueError):
        bench.choose(SMALL, 0)


def test_each_municipality_keeps_its_seed_in_any_subset():
    assert bench.municipality_seed(1, SMALL, "c") == 1002
    assert bench.municipality_seed(2, SMALL, "a") == 2000


def test_project_runs_exactly_the_chosen_municipalities(tmp_path):
    cache = tmp_path / "cache"
    for slug in ("herlev", "hoeje-taastrup", "statbank"):
        (cache / "data" / slug).mkdir(parents=True)
    root = bench.make_project(tmp_path, cache, ["herlev", "hoeje-taastrup"])
    assert config.available_kommuner(root) == ["herlev", "hoeje-taastrup"]
    p = config.load_parameters("hoeje-taastrup", root=root)
    assert p.navn == "Høje-Taastrup"
    assert p.benchmark.statistikbank_kommune == "hoeje-taastrup"
    assert (root / "data/herlev").resolve() == (cache / "data/herlev").resolve()


def test_national_estimate_scales_floor_by_count_and_the_rest_by_inhabitants():
    # Subset b+d: 300 inhabitants of 1500, 2 of 5 municipalities; floor 10 s, CPU 40 s.
    floor, cpu = bench.national_estimate(10.0, 40.0, ["b", "d"], SMALL)
    assert floor == pytest.approx(25.0)  # 10 / 2 * 5
    assert cpu == pytest.approx(25.0 + 30.0 / 300 * 1500)  # 175


def test_memory_counts_each_worker_with_its_own_kernels():
    kernel = "python -m ipykernel_launcher -f /tmp/sa-{}-ab12cd_9/{}/kernel.json"
    procs = {  # pid: (parent, bytes, command line)
        1: (0, 50, "bench"),
        2: (1, 100, "socialanalyse.cli"),
        3: (2, 1000, "worker"),
        4: (3, 200, kernel.format("hoeje-taastrup", 0)),
        5: (3, 300, kernel.format("hoeje-taastrup", 1)),
        6: (5, 7, "a child of the kernel"),
        7: (2, 2000, "worker"),
        8: (7, 400, kernel.format("herlev", 0)),
        9: (0, 9999, "someone else's process"),
        10: (7, 500, "python -m ipykernel_launcher -f /tmp/sa-kerner-zz12cd_9/7-3/kernel.json"),
    }
    total, per, workers = bench.memory_now(procs, 1)
    assert total == 100 + 1000 + 200 + 300 + 7 + 2000 + 400 + 500
    # The kernel kept from an earlier municipality (sa-kerner-…) counts for its worker only.
    assert per == {"hoeje-taastrup": 1000 + 200 + 300 + 7, "herlev": 2000 + 400}
    assert workers == {3: 1000 + 200 + 300 + 7, 7: 2000 + 400 + 500}


def test_the_kernels_cpu_is_summed_per_notebook_over_the_municipalities(tmp_path):
    import json

    for slug, seconds in (("a", [1.5, 2.0]), ("b", [0.5, None])):
        run = tmp_path / slug / "20261202-010101-intern"
        run.mkdir(parents=True)
        notebooks = [{"navn": n, "kerne_cpu": s} for n, s in zip(("00_x", "01_y"), seconds)]
        (run / "manifest.json").write_text(json.dumps({"notebooks": notebooks}), "utf-8")
    assert bench.kernel_cpu(tmp_path) == {"00_x": 2.0, "01_y": 2.0}
