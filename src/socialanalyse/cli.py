"""The command line: `socialanalyse run …`, `socialanalyse klynge …` and
`socialanalyse sample …` (messages in Danish)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _sample(args: argparse.Namespace) -> int:
    from .data import synthetic

    synthetic.write_sample(args.kommune, args.indbyggere, args.seed, Path(args.out),
                           Path(args.statbank) if args.statbank else None,
                           args.statbank_kommune, args.klynge_rolle)
    print(f"Eksempeldata for {args.kommune} er skrevet til {args.out}")
    if args.statbank:
        print(f"Et opdigtet udtræk fra Statistikbanken (REGK31, FOLK1A), hvor kommunen står "
              f"som {args.statbank_kommune}, er skrevet til {args.statbank}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from . import runner

    return runner.run(
        args.kommune,
        alle=args.all,
        publikum=args.publikum,
        notebooks=args.notebook,
        root=args.root,
        notebooks_dir=args.notebooks_dir,
        out=args.out,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        timeout=args.timeout,
        quiet=args.quiet,
        notebook_parameters=args.parameter,
        pdf=args.pdf,
        reuse_kernels=not args.ny_kerne,
        dask_filer=args.dask_filer,
    )


def _klynge(args: argparse.Namespace) -> int:
    from .runner.klynge import run_klynge

    return run_klynge(args.navn, publikum=args.publikum, root=args.root,
                      notebooks_dir=args.notebooks_dir, out=args.out, timeout=args.timeout,
                      quiet=args.quiet)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socialanalyse",
        description="Analytiske arbejdsbøger for det specialiserede socialområde.",
    )
    sub = parser.add_subparsers(dest="kommando", required=True)

    sample = sub.add_parser("sample", help="skriv en syntetisk kommunes udtræk (eksempeldata)")
    sample.add_argument("--kommune", default="eksempelkommune")
    sample.add_argument("--indbyggere", type=int, default=45_000)
    sample.add_argument("--seed", type=int, default=1)
    sample.add_argument("--out", default="data/eksempelkommune")
    sample.add_argument("--statbank", default=None, metavar="MAPPE",
                        help="skriv også et opdigtet udtræk fra Statistikbanken i MAPPE")
    sample.add_argument("--statbank-kommune", default="furesoe",
                        help="kommunen, eksempelkommunen står som i udtrækket (standard furesoe)")
    sample.add_argument("--klynge-rolle", default=None, choices=("ledig", "koeber", "dyr"),
                        help="plant kommunens del af en testklynges signaler (data/synthetic/"
                             "klynge.py); uden den plantes intet for klynger")
    sample.set_defaults(func=_sample)

    run = sub.add_parser("run", help="kør notebooks for en eller flere kommuner")
    run.add_argument("--kommune", action="append", default=[], help="kommunens slug (kan gentages)")
    run.add_argument("--all", action="store_true", help="alle kommuner med en parameterfil")
    run.add_argument("--notebook", action="append", default=[], help="kun denne notebook")
    run.add_argument("--publikum", choices=("intern", "byraad"), default="intern")
    run.add_argument("--workers", type=int, default=None)
    run.add_argument("--executor", choices=("local", "dask"), default="local")
    run.add_argument("--scheduler", default=None, help="adresse på en Dask-scheduler")
    run.add_argument("--dask-filer", choices=("auto", "delt", "send"), default="auto",
                     help="delt: workerne ser projekt-, notebook- og outputmappen på samme sti;"
                     " send: hver kommunes filer sendes til workeren og kørslen tilbage; auto"
                     " (standard): delt, når alle workers ser mapperne, ellers send")
    run.add_argument("--out", default=None, help="outputmappe (standard: output/)")
    run.add_argument("--timeout", type=int, default=600, help="sekunder pr. celle (standard 600)")
    run.add_argument("--root", default=None,
                     help="projektmappen med parameters/ og data/ (standard: find selv)")
    run.add_argument("--notebooks-dir", default=None,
                     help="mappen med notebooks (standard: <projektmappe>/notebooks)")
    run.add_argument("--parameter", action="append", default=[], metavar="NOTEBOOK:NAVN=VÆRDI",
                     help="en notebookparameter til denne kørsel, fx 01_servicetjek:vis_antal=50"
                     " (kan gentages)")
    run.add_argument("--quiet", action="store_true", help="ingen statuslinjer undervejs")
    run.add_argument("--ny-kerne-pr-notebook", dest="ny_kerne", action="store_true",
                     help="start en ny Python-kerne til hver notebook (langsommere; standard: "
                     "en kerne køres videre, ryddet, til kommunens næste notebook)")
    # Neither: koersel.pdf_byraad decides for the byråd, intern none; the last one given wins.
    run.add_argument("--pdf", dest="pdf", action="store_true", default=None,
                     help="skriv også hver rapport som A4-PDF i pdf/ (standard for byrådet)")
    run.add_argument("--ingen-pdf", dest="pdf", action="store_false",
                     help="ingen PDF'er, kun HTML (standard for intern)")
    run.set_defaults(func=_run)

    kl = sub.add_parser("klynge", help="kør klyngens arbejdsbog (09_klynge) på medlemmernes "
                        "seneste aggregater")
    kl.add_argument("--navn", required=True, help="klyngen (parameters/klynger/NAVN.yaml)")
    kl.add_argument("--publikum", choices=("intern", "byraad"), default="intern")
    kl.add_argument("--out", default=None, help="outputmappe med medlemmernes kørsler "
                    "(standard: output/); klyngen skriver i output/klynger/NAVN/")
    kl.add_argument("--timeout", type=int, default=600, help="sekunder pr. celle (standard 600)")
    kl.add_argument("--root", default=None, help="projektmappen (standard: find selv)")
    kl.add_argument("--notebooks-dir", default=None, help="mappen med notebooks")
    kl.add_argument("--quiet", action="store_true", help="ingen statuslinjer undervejs")
    kl.set_defaults(func=_klynge)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `socialanalyse` command."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
