"""`datacurve versions`, `lineage`, `card` and `expand`: dataset versions, their lineage
and dataset cards.

Registered on the `app` of `datacurve.cli._app` (imported at its end). Parsing and printing
only: the records and cards are the govern room's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from datacurve._errors import InputError
from datacurve._plain import plain
from datacurve.cli._app import DataArg, _check_output, _load, app, check_store
from datacurve.cli._render import err_console, out_console, print_json
from datacurve.curves import DEFAULT_STORE

if TYPE_CHECKING:
    from datacurve.govern import VersionStep

__all__ = ["card_cmd", "expand_cmd", "lineage_cmd", "versions_cmd"]

_Store = Annotated[Path, typer.Option(help="The datacurve store the versions are recorded "
                                      "in (SQLite).")]
_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_Label = Annotated[str | None, typer.Option(help="Label column of a table.")]
_Group = Annotated[str | None, typer.Option(help="Group column (subgroups).")]
_Split = Annotated[str | None, typer.Option(help="Split column (train/test leakage).")]
_Text = Annotated[str | None, typer.Option(help="Text column (TF-IDF).")]


def _steps_table(steps: list[VersionStep], title: str, *, check: bool = False) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("version", no_wrap=True)
    table.add_column("operation")
    table.add_column("rows", justify="right")
    table.add_column("change", justify="right")
    table.add_column("by check")
    table.add_column("parent", no_wrap=True)
    table.add_column("by, when")
    for s in steps:
        checks = ", ".join(f"{k} {v:,}" for k, v in s.by_check.items() if v)
        source = ""
        if check and s.source:
            source = {True: " [bold red](source changed)[/]", False: "", None: ""}[
                s.source_changed]
        table.add_row(s.id[:12], s.operation + source, f"{s.rows:,}", s.change,
                      escape(checks) or "–", ", ".join(p[:8] for p in s.parents) or "–",
                      escape(f"{s.user} {s.time[:16].replace('T', ' ')}".strip()))
    return table


@app.command("versions")
def versions_cmd(store: _Store = DEFAULT_STORE, json_out: _Json = False) -> None:
    """List every dataset version the store records (loads, cleanings, splits, augmented
    and synthetic sets, labelled sets), in the order recorded."""
    from datacurve.govern import versions

    if not store.exists():
        raise InputError("store", "an existing datacurve store (versions are recorded by "
                         "curve, clean, expand, card and the labelling loop)",
                         f"'{store}' (no such file)")
    steps = versions(store)
    if json_out:
        print_json({"store": str(store), "versions": plain(steps)})
        return
    if not steps:
        out_console.print(f"No dataset version recorded in {escape(str(store))} yet.")
        return
    out_console.print(_steps_table(steps, f"{len(steps)} dataset versions in {store}"))


@app.command("lineage")
def lineage_cmd(
    version: Annotated[str, typer.Argument(help="A version id (or its first characters, "
                                           "at least 4) as 'datacurve versions' lists.")],
    store: _Store = DEFAULT_STORE,
    json_out: _Json = False,
) -> None:
    """Follow a version back to its raw source: every step, the rows it removed, changed
    or added and by which check; source files are hashed again and a changed one is
    said."""
    from datacurve.govern import lineage

    chain = lineage(store, version)
    if json_out:
        print_json(chain.to_dict())
        return
    out_console.print(_steps_table(list(chain.steps), f"Lineage of {chain.version[:12]}, "
                                   "raw source first", check=True))
    for s in chain.steps:
        if s.source:
            out_console.print(f"{s.id[:12]} {s.operation}: {escape(s.source)} sha256 "
                              f"{s.source_sha256[:16]}…")
    for note in chain.notes():
        err_console.print(f"[bold yellow]warning:[/] {escape(note)}")


def _curves(store: Path, fingerprint: str, target: float | None) -> tuple[Any, ...]:
    """What the store's learning curves of this version say (the one analysis path)."""
    from datacurve.analysis import analyze
    from datacurve.curves import is_sqlite, open_store

    if not is_sqlite(store):
        return ()
    with open_store(store, readonly=True) as st:
        if fingerprint not in set(st.datasets()["fingerprint"]):
            return ()
    try:
        analysis = analyze(store, dataset=fingerprint, target=target,
                           include=("curves", "diagnoses", "plans"))
    except InputError as exc:  # e.g. trials too few to fit: the card goes on without
        err_console.print(f"[bold yellow]warning:[/] no learning curve for the card: "
                          f"{escape(str(exc))}")
        return ()
    for name, m in analysis.models.items():
        for problem in m.problems:
            if m.curve is None:
                err_console.print(f"[bold yellow]warning:[/] {escape(name)}: "
                                  f"{escape(problem)}")
    return analysis.card_curves()


@app.command("card")
def card_cmd(
    data: DataArg,
    label: _Label = None,
    group: _Group = None,
    split: _Split = None,
    text_column: _Text = None,
    store: _Store = DEFAULT_STORE,
    out: Annotated[Path | None, typer.Option(help="The Markdown card (default: beside DATA, "
                                             "<name>.card.md); the Croissant JSON-LD goes "
                                             "beside it as <name>.croissant.json.")] = None,
    datacard: Annotated[Path | None, typer.Option(help="The human part of the card "
                                                  "(default: datacard.yaml beside DATA; a "
                                                  "template is written when missing).")]
    = None,
    audit: Annotated[Path | None, typer.Option(help="An audit report written by "
                                               "'datacurve audit --out' (default: audit "
                                               "now).")] = None,
    no_audit: Annotated[bool, typer.Option("--no-audit", help="Write the card without an "
                                           "audit.")] = False,
    target: Annotated[float | None, typer.Option(help="Score to reach: the card says how "
                                                 "many samples the curves need for it.")]
    = None,
    validate: Annotated[bool, typer.Option("--validate", help="Check the Croissant file "
                                           "with mlcroissant (pip install "
                                           "'datacurve[govern]').")] = False,
    json_out: _Json = False,
) -> None:
    """Write a dataset card for DATA: a datasheet (Gebru et al.'s sections) in Markdown and
    the same as Croissant 1.0 JSON-LD with its Responsible-AI fields, the measured parts
    (sizes, classes, missing values, audit findings, subgroups, lineage, learning curves)
    filled in, the human parts read from datacard.yaml."""
    from datacurve.auditing import audit as run_audit
    from datacurve.auditing import load_report
    from datacurve.govern import (
        DATACARD_NAME,
        card_facts,
        card_paths,
        read_datacard,
        validate_croissant,
        write_card,
        write_template,
    )

    if audit is not None and no_audit:
        raise InputError("audit", "--audit or --no-audit, not both", f"'{audit}'")
    md, cr = card_paths(data, out)
    for p, flag in ((md, "out"), (cr, "out")):
        _check_output(p, flag)
    check_store(store)
    dataset = _load(data, label, text_column, group, split, None)
    human_path = datacard or Path(data).resolve().parent / DATACARD_NAME
    wrote_template = False
    if not human_path.exists():
        write_template(human_path)
        wrote_template = True
    human = read_datacard(human_path)
    report = None if no_audit else (load_report(audit) if audit is not None
                                    else run_audit(dataset))
    curves = _curves(store, dataset.fingerprint, target)
    facts = card_facts(dataset, report=report, store=store, curves=curves)
    written = write_card(facts, human, md, cr)
    problems = validate_croissant(written.croissant) if validate else []
    if wrote_template:
        err_console.print(f"[bold yellow]warning:[/] wrote a template {escape(str(human_path))}"
                          ": fill it in (licence, usage rights and contact are required) "
                          "and run card again")
    for w in written.warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(w)}")
    if json_out:
        print_json({"markdown": str(written.markdown), "croissant": str(written.croissant),
                    "version": facts.version, "datacard": str(human_path),
                    "template_written": wrote_template, "warnings": list(written.warnings),
                    "notes": list(facts.notes), "validation": problems})
        return
    out_console.print(f"Wrote {escape(str(written.markdown))} and "
                      f"{escape(str(written.croissant))} (version {facts.version[:12]}, "
                      f"{facts.rows:,} rows, {len(facts.findings)} audit checks, "
                      f"{len(facts.lineage)} lineage steps, {len(facts.curves)} curves).")
    if validate:
        out_console.print("mlcroissant: " + ("valid, no warnings" if not problems
                                             else "; ".join(map(escape, problems))))


@app.command("expand")
def expand_cmd(
    data: DataArg,
    strategy: Annotated[str, typer.Option(help="augment:OPS[,k=K], noise:k=K,sigma=S, "
                                          "smote, adasyn or generate:k=K.")],
    out: Annotated[Path, typer.Option(help="Where to write the expanded set: .csv or "
                                      ".parquet (feature columns and the label), or .npz "
                                      "(X, y, ids).")],
    label: _Label = None,
    text_column: _Text = None,
    seed: Annotated[int, typer.Option(help="Seed of the copies or samples.")] = 0,
    store: _Store = DEFAULT_STORE,
    force: Annotated[bool, typer.Option(help="Replace an existing OUT.")] = False,
    json_out: _Json = False,
) -> None:
    """Write DATA with the examples a strategy adds (augmented copies, synthetic rows) and
    record it as a version whose parent is DATA."""
    from datacurve.govern import record
    from datacurve.strategies import expand, write_expanded

    _check_output(out, "out")
    check_store(store)
    if out.exists() and not force:
        raise InputError("out", "a path that does not exist yet (or --force)",
                         f"'{out}' exists")
    dataset = _load(data, label, text_column, None, None, None)
    expanded = expand(dataset, strategy, seed=seed)
    write_expanded(expanded, out)
    chain = record(expanded, store)
    rec = chain[-1]
    if json_out:
        print_json({"written": str(out), "version": rec, "store": str(store)})
        return
    out_console.print(f"{dataset.n:,} examples → {expanded.n:,} (+{rec['added']:,} "
                      f"{rec['operation']}); wrote {escape(str(out))}; version "
                      f"{rec['id'][:12]} recorded in {escape(str(store))}")
