"""`diff BACKUP SHEET` on a sheet that `edit --sheet` accepts but diff's typed reading refuses."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sheet_helpers import FIXTURE, make_sheet

from bulkedit.cli.app import main


def test_diff_of_a_sheet_with_a_word_in_a_mixed_column_points_to_edit_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_sheet(FIXTURE, tmp_path / "users.xlsx")
    wb = openpyxl.load_workbook(made)
    ws = wb["users"]
    header = [c.value for c in ws[1]]
    ws.cell(5, header.index("app_metadata.plan") + 1).value = "pro"  # a mixed string/int column: JSON cells
    sheet = tmp_path / "users_edited.xlsx"
    wb.save(sheet)
    assert main(["edit", str(FIXTURE), "--sheet", str(sheet), "--dry-run"]) == 0
    capsys.readouterr()
    assert main(["diff", str(FIXTURE), str(sheet)]) == 2
    err = capsys.readouterr().err
    assert f"{sheet}:5: column 'app_metadata.plan'" in err
    assert "bulkedit edit BACKUP --sheet users_edited.xlsx --dry-run" in err
    assert "Traceback" not in err
