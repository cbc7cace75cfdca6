"""The `rewrite` command: its output lines, exit statuses, JSON, certificates, and the
`prove`, `simplify` and `verify` commands."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from rewrite.cli import main

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(?P<mark>[✓✗]) (?P<outcome>proved|false|unknown|unsound|error) +(?P<label>\S+)   "
                  r"\(((?P<steps>\d+) steps?, )?\d+ ms\)$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")

MIXED = """\
let A, B : Mat(n, n)
let x : Vec(n)
claim transpose_mul:  (A B)ᵀ = Bᵀ Aᵀ
refute transpose_bad: (A B)ᵀ = Aᵀ Bᵀ
claim wrong:          tr(A B) = tr(A) tr(B)
"""
PASSING = "let A, B : Mat(n, n)\nclaim transpose_mul: (A B)ᵀ = Bᵀ Aᵀ\nrefute transpose_bad: (A B)ᵀ = Aᵀ Bᵀ\n"


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def proof_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def statement_lines(lines):
    return [LINE.match(l) for l in lines if LINE.match(l)]


def test_check_prints_one_line_per_statement_and_a_summary(capsys, tmp_path):
    path = proof_file(tmp_path, "mixed.proof", MIXED)
    status, lines, _ = run(capsys, "check", str(path))
    matches = statement_lines(lines)
    assert [(m["mark"], m["outcome"], m["label"]) for m in matches] == [
        ("✓", "proved", f"{path}::transpose_mul"),
        ("✓", "false", f"{path}::transpose_bad"),
        ("✗", "false", f"{path}::wrong"),
    ]
    assert matches[0]["steps"] is not None and matches[1]["steps"] is None
    assert lines[-1] == "2 passed, 1 failed"
    assert status == 1


def test_the_counterexample_is_printed_under_a_false(capsys, tmp_path):
    path = proof_file(tmp_path, "mixed.proof", MIXED)
    _, lines, _ = run(capsys, "check", str(path))
    for name in ("transpose_bad", "wrong"):
        at = next(i for i, l in enumerate(lines) if l.endswith("ms)") and f"::{name} " in l)
        detail = lines[at + 1:at + 3]
        assert all(l.startswith("    ") for l in detail), lines
        assert re.match(r"    sizes n=\d+; seed \d+$", detail[0])
        assert detail[1].startswith("    largest relative difference")
    proved = next(i for i, l in enumerate(lines) if "::transpose_mul" in l)
    assert LINE.match(lines[proved + 1]), "a proof needs no detail lines"


def test_exit_status_zero_when_everything_passes(capsys, tmp_path):
    status, lines, _ = run(capsys, "check", str(proof_file(tmp_path, "ok.proof", PASSING)))
    assert status == 0 and lines[-1] == "2 passed, 0 failed"


def test_a_folder_is_searched_and_a_file_that_does_not_parse_does_not_stop_the_others(capsys, tmp_path):
    proof_file(tmp_path, "a_bad.proof", "let A : Mat(n, n)\nclaim oops: (A = A\n")
    (tmp_path / "sub").mkdir()
    proof_file(tmp_path / "sub", "b_good.proof", PASSING)
    proof_file(tmp_path, "notes.txt", "claim ignored: A = B\n")
    status, lines, _ = run(capsys, "check", str(tmp_path))
    matches = statement_lines(lines)
    assert [(m["outcome"], m["label"]) for m in matches] == [
        ("error", str(tmp_path / "a_bad.proof")),
        ("proved", f"{tmp_path / 'sub' / 'b_good.proof'}::transpose_mul"),
        ("false", f"{tmp_path / 'sub' / 'b_good.proof'}::transpose_bad"),
    ]
    error_detail = lines[lines.index(matches[0].string) + 1]
    assert error_detail.startswith(f"    {tmp_path / 'a_bad.proof'}:2:")
    assert lines[-1] == "2 passed, 1 failed" and status == 1


def test_usage_errors_exit_2(capsys, tmp_path):
    for argv in ([], ["check"], ["frobnicate"], ["check", "--seed", "x", "f.proof"], ["prove", "A"]):
        assert main(argv) == 2, argv
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = run(capsys, "check", str(empty))
    assert status == 2 and "no .proof files" in err


def test_a_missing_file_is_an_error_result_and_exit_1(capsys, tmp_path):
    """What the code does; README's "2 for usage errors" could also be read to cover it
    (cli.py's docstring says "unreadable input" is a usage error)."""
    missing = tmp_path / "missing.proof"
    status, lines, _ = run(capsys, "check", str(missing))
    (m,) = statement_lines(lines)
    assert (m["mark"], m["outcome"], m["label"]) == ("✗", "error", str(missing))
    assert "cannot read" in lines[1] and lines[-1] == "0 passed, 1 failed" and status == 1


def test_json_prints_one_object_per_statement_and_nothing_else(capsys, tmp_path):
    path = proof_file(tmp_path, "mixed.proof", MIXED)
    status, lines, _ = run(capsys, "check", "--json", str(path))
    records = [json.loads(l) for l in lines]
    assert [(r["name"], r["kind"], r["outcome"], r["passed"]) for r in records] == [
        ("transpose_mul", "claim", "proved", True),
        ("transpose_bad", "refute", "false", True),
        ("wrong", "claim", "false", False),
    ]
    for r in records:
        assert {"file", "name", "kind", "outcome", "passed", "seconds", "steps", "message", "counterexample"} <= set(r)
        assert r["file"] == str(path)
    assert records[1]["counterexample"]["sizes"]["n"] >= 1 and records[0]["counterexample"] is None
    assert status == 1


def test_the_seed_option_reaches_the_counterexample(capsys, tmp_path):
    path = proof_file(tmp_path, "mixed.proof", MIXED)
    first = [json.loads(l) for l in run(capsys, "check", "--json", "--seed", "7", str(path))[1]]
    again = [json.loads(l) for l in run(capsys, "check", "--json", "--seed", "7", str(path))[1]]
    assert first[2]["counterexample"] == again[2]["counterexample"]
    assert first[2]["counterexample"]["seed"] >= 7


def test_the_timeout_option_reaches_the_search(capsys, tmp_path):
    path = proof_file(tmp_path, "t.proof", "let s : Scalar\nclaim beyond_the_rules: tanh(s) = 2 sigmoid(2 s) - 1\n")
    status, lines, _ = run(capsys, "check", "--timeout", "0.000001", str(path))
    assert "time limit (1e-06 s)" in lines[1] and status == 1


def test_certificates_are_written_and_verify_accepts_them(capsys, tmp_path):
    path = proof_file(tmp_path, "mixed.proof", MIXED)
    certs = tmp_path / "certs"
    run(capsys, "check", "--certificates", str(certs), str(path))
    written = sorted(certs.iterdir())
    assert [p.name for p in written] == ["mixed.transpose_mul.cert.json"]
    status, lines, _ = run(capsys, "verify", *map(str, written))
    assert status == 0 and lines[0].startswith(f"✓ verified {written[0]}") and lines[-1] == "1 passed, 0 failed"


def test_verify_rejects_a_tampered_certificate(capsys, tmp_path):
    path = proof_file(tmp_path, "ok.proof", PASSING)
    certs = tmp_path / "certs"
    run(capsys, "check", "--certificates", str(certs), str(path))
    (good,) = certs.iterdir()
    cert = json.loads(good.read_text(encoding="utf-8"))
    cert["statement"] = "(A B)ᵀ = Aᵀ Bᵀ"
    bad = tmp_path / "bad.cert.json"
    bad.write_text(json.dumps(cert, ensure_ascii=False), encoding="utf-8")
    garbage = proof_file(tmp_path, "garbage.cert.json", "{not json")
    status, lines, _ = run(capsys, "verify", str(good), str(bad), str(garbage), str(tmp_path / "none.json"))
    assert [l.split()[0] + " " + l.split()[1] for l in lines if l[0] in "✓✗"] == \
        ["✓ verified", "✗ rejected", "✗ rejected", "✗ rejected"]
    assert lines[-1] == "1 passed, 3 failed" and status == 1


def test_prove_from_the_command_line(capsys, tmp_path):
    cert = tmp_path / "goal.json"
    status, lines, _ = run(capsys, "prove", "d/dx ‖A x - b‖²", "2 Aᵀ (A x - b)",
                           "--let", "A: Mat(m, n)", "--let", "x: Vec(n)", "--let", "b: Vec(m)",
                           "--certificate", str(cert))
    (m,) = statement_lines(lines)
    assert (m["mark"], m["outcome"], m["label"]) == ("✓", "proved", "goal") and int(m["steps"]) > 0
    assert lines[-1] == "1 passed, 0 failed" and status == 0
    status, lines, _ = run(capsys, "verify", str(cert))
    assert status == 0


def test_prove_a_false_claim_shows_its_counterexample(capsys):
    status, lines, _ = run(capsys, "prove", "(A B)ᵀ", "Aᵀ Bᵀ", "--let", "A, B: Mat(n, n)")
    (m,) = statement_lines(lines)
    assert (m["mark"], m["outcome"]) == ("✗", "false") and "seed" in lines[1]
    assert status == 1


def test_prove_reports_bad_input(capsys):
    """An expression on the command line that does not parse or shape-check is a usage error."""
    status, _, err = run(capsys, "prove", "A b", "b", "--let", "A: Mat(m, n)", "--let", "b: Vec(m)")
    assert status == 2 and "cannot multiply A (m×n) by b (m×1)" in err
    status, _, err = run(capsys, "prove", "A +", "A", "--let", "A: Mat(n, n)")
    assert status == 2 and err.startswith("rewrite: <lhs>:1:")
    status, _, err = run(capsys, "prove", "A", "A", "--let", "A: Mat(n, n) lovely")
    assert status == 2 and "lovely" in err


def test_simplify_prints_the_simpler_expression(capsys):
    status, lines, err = run(capsys, "simplify", "((Aᵀ)ᵀ + 0 A) B", "--let", "A, B: Mat(n, n)")
    assert status == 0 and lines == ["A B"]
    assert LINE.match(err.strip()) and LINE.match(err.strip())["outcome"] == "proved"
    status, lines, _ = run(capsys, "simplify", "--json", "(Aᵀ)ᵀ", "--let", "A: Mat(m, n)")
    (record,) = map(json.loads, lines)
    assert record["result"] == "A" and record["outcome"] == "proved" and status == 0


def test_python_dash_m_rewrite_is_the_command(tmp_path):
    path = proof_file(tmp_path, "ok.proof", PASSING)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "rewrite", "check", str(path)], capture_output=True,
                          text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(statement_lines(lines)) == 2 and lines[-1] == "2 passed, 0 failed"


def test_jobs_gives_the_serial_output_in_the_serial_order(capsys, tmp_path):
    """`--jobs 2`: the same lines (times aside), in the same order, the same summary and exit
    status — with a file that does not parse, one whose declarations do not shape-check, a
    name used twice and a missing file among them."""
    proof_file(tmp_path, "a_mixed.proof", MIXED)
    proof_file(tmp_path, "b_broken.proof", "let A : Mat(n, n)\nclaim c: A = (A\n")
    proof_file(tmp_path, "c_passing.proof", PASSING)
    proof_file(tmp_path, "d_bad_decls.proof", "let A : Mat(0, n)\nclaim c: A = A\n")
    proof_file(tmp_path, "e_twice.proof", "let A : Mat(n, n)\nclaim a: A = A\nclaim a: Aᵀᵀ = A\nclaim b: Aᵀᵀ = A\n")
    missing = tmp_path / "f_missing.proof"
    outputs, raw = [], []
    for jobs in ("1", "2", "auto"):
        status, lines, _ = run(capsys, "check", str(tmp_path), str(missing), "--jobs", jobs)
        raw.append(lines)
        outputs.append((status, [re.sub(r"\(((\d+ steps?, )?)\d+ ms\)", r"(\1)", line) for line in lines]))
    assert outputs[0] == outputs[1] == outputs[2]
    status, lines = outputs[0][0], raw[0]
    assert status == 1 and lines[-1] == "6 passed, 5 failed", lines
    labels = [m["label"] for m in statement_lines(lines)]
    files = [label.split("::")[0] for label in labels]
    assert files == sorted(files) and len(labels) == 11


def test_jobs_refuses_what_is_not_a_count(capsys):
    status, _, err = run(capsys, "check", "proofs", "--jobs", "many")
    assert status == 2 and "--jobs" in err
