#!/usr/bin/env python3
"""Reads the workbooks of a `price`, `sweep` or `frame` result folder back with openpyxl and
checks what an underwriter relies on: the sheets and their order, headers in words with units,
EUR / % / integer number formats on the right columns, Excel tables, frozen header panes and
the decision colours.

    python3 .ci/check_workbook.py pricing.xlsx [sweep.xlsx] [frame_recommendation.xlsx]

Each argument is checked by its file name. Exit code 0 when all pass, 1 with the failures.
"""

import sys
from pathlib import Path

import openpyxl

EUR = '#,##0.00 "EUR"'
PCT = "0.0%"
COUNT = "#,##0"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def header_row(ws, first):
    """Row index (1-based) whose first cell is `first`."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return row[0].row
    return None


def column_format(ws, header_r, header):
    """The number format of the first data cell under `header` in row `header_r`."""
    for cell in ws[header_r]:
        if cell.value == header:
            below = ws.cell(row=header_r + 1, column=cell.column)
            return below.number_format, below.value
    return None, None


def has_header(ws, header_r, header):
    return any(c.value == header for c in ws[header_r])


def check_table_sheet(path, ws, first_header, formats, frozen=True):
    r = header_row(ws, first_header)
    check(r is not None, f"{path}:{ws.title}: no header row starting with {first_header!r}")
    if r is None:
        return
    check(len(ws.tables) >= 1, f"{path}:{ws.title}: no Excel table")
    if frozen:
        check(ws.freeze_panes is not None, f"{path}:{ws.title}: no frozen panes")
    for header, want in formats.items():
        if not has_header(ws, r, header):
            failures.append(f"{path}:{ws.title}: no column {header!r}")
            continue
        fmt, value = column_format(ws, r, header)
        if value is None:
            continue  # an undefined figure is an empty cell
        check(fmt == want, f"{path}:{ws.title}: {header!r} has format {fmt!r}, want {want!r}")
        if want == COUNT:
            check(isinstance(value, (int, float)), f"{path}:{ws.title}: {header!r} is not a number")
    for cell in ws[r]:
        if isinstance(cell.value, str):
            check("_" not in cell.value or "[" in cell.value or "." in cell.value,
                  f"{path}:{ws.title}: header {cell.value!r} looks like a column name, not words")


def conditional_columns(ws):
    return len(ws.conditional_formatting)


def check_pricing(path):
    wb = openpyxl.load_workbook(path)
    if wb.sheetnames[:4] != ["Summary", "Segments", "Tariff", "Run"]:
        failures.append(f"{path}: sheets {wb.sheetnames}, want Summary, Segments, Tariff, Run")
        return
    decisions = {
        "Adequacy (current / indicated premium)": "0.00",
        "Loss ratio (net claims / premium)": PCT,
        "P(loss ratio > 100 %)": PCT,
        "Current premium per unit (EUR)": EUR,
        "Indicated premium per unit (EUR)": EUR,
    }
    summary = dict(decisions, **{"Covered units per path": COUNT, "Written premium per path (EUR)": EUR})
    check_table_sheet(path, wb["Summary"], "Product", summary)
    ws = wb["Summary"]
    r = header_row(ws, "Product")
    if r is not None:
        check(ws.cell(row=r, column=2).value.startswith("Adequacy"),
              f"{path}: Summary does not lead with the adequacy decision")
    check(conditional_columns(ws) >= 2, f"{path}:Summary: no conditional colours")
    segments = dict(decisions, **{"Paths": COUNT, "Sum insured per path (EUR)": EUR})
    check_table_sheet(path, wb["Segments"], "Product", segments)
    check(conditional_columns(wb["Segments"]) >= 2, f"{path}:Segments: no conditional colours")
    check_table_sheet(path, wb["Tariff"], "Tariff value (scenario path)", {})
    check_run(path, wb["Run"])


def check_run(path, ws):
    keys = {row[0].value for row in ws.iter_rows(min_col=1, max_col=1)}
    for key in ["manifest.scenario_hash", "manifest.seed", "manifest.paths", "manifest.version",
                "protectsim commit"]:
        check(key in keys, f"{path}:Run: no {key!r}")


def check_sweep(path):
    wb = openpyxl.load_workbook(path)
    if wb.sheetnames[0] != "Long" or wb.sheetnames[-1] != "Run" or "Loss ratio" not in wb.sheetnames:
        failures.append(f"{path}: sheets {wb.sheetnames}, want Long first, Loss ratio, Run last")
        return
    check(any(n.startswith("Adequacy") for n in wb.sheetnames), f"{path}: no Adequacy grid")
    check(any(n.startswith("Loss ratio") for n in wb.sheetnames), f"{path}: no Loss ratio grid")
    ws = wb["Long"]
    first = ws.cell(row=1, column=1).value
    check(isinstance(first, str) and first.startswith("products["),
          f"{path}:Long: first column {first!r} is not a varied scenario path")
    check(len(ws.tables) == 1, f"{path}:Long: no Excel table")
    check(ws.freeze_panes is not None, f"{path}:Long: no frozen panes")
    fmt, _ = column_format(ws, 1, "Paths")
    check(fmt == COUNT, f"{path}:Long: Paths has format {fmt!r}")
    grid = wb["Loss ratio"]
    # Data rows start with a grid value in the first column; the values across are headers.
    numbers = [c for row in grid.iter_rows(min_row=3) if isinstance(row[0].value, (int, float))
               for c in row[1:] if isinstance(c.value, float)]
    check(numbers and all(c.number_format == PCT for c in numbers),
          f"{path}:Loss ratio: grid cells are not percentages")
    check_run(path, wb["Run"])


def check_frame(path):
    wb = openpyxl.load_workbook(path)
    if wb.sheetnames != ["Frames", "Run"]:
        failures.append(f"{path}: sheets {wb.sheetnames}, want Frames, Run")
        return
    check_table_sheet(path, wb["Frames"], "Company", {
        "Frame (EUR)": EUR,
        "Required frame (EUR)": EUR,
        "Raise by (EUR)": EUR,
        "P(raised frame saturates again)": PCT,
        "P(saturation)": PCT,
        "Peak date (highest mean)": "yyyy-mm-dd",
    })
    check_run(path, wb["Run"])


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    for p in paths:
        name = Path(p).name
        if name.startswith("pricing"):
            check_pricing(p)
        elif name.startswith("sweep"):
            check_sweep(p)
        elif name.startswith("frame"):
            check_frame(p)
        else:
            failures.append(f"{p}: not a pricing, sweep or frame workbook")
    for f in failures:
        print("workbook check failed:", f, file=sys.stderr)
    if not failures:
        print("workbooks ok:", ", ".join(paths))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
