"""The rule base loads, every rule in it is checked, and a wrong rule refuses to load with
a message that says where it is and why it is wrong."""

import re
from pathlib import Path

import pytest

from rewrite import rules
from rewrite.compiled import write_rule
from rewrite.errors import ParseError, RewriteError, RuleError
from rewrite.kernel import read_rule
from rewrite.ruletext import read_rules, rule_from_text

RULES = Path(rules.rules_dir())
FILES = sorted(RULES.glob("*.rules"))
SHIPPED = [(f, r) for f in FILES for r in read_rules(f.read_text(encoding="utf-8"), file=str(f))]


def test_the_shipped_rule_base_loads():
    base = rules.load(cache=False)  # every rule validated here, whatever a start-up cached
    assert len(FILES) >= 10
    assert [r.name for r in base.rules] == [r.name for _, r in SHIPPED]
    assert set(base.rulesets) == {f.stem for f in FILES}
    assert len(base.digest) == 64


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_each_rule_file_loads_on_its_own(path, tmp_path):
    (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    base = rules.load(str(tmp_path))
    assert base.rulesets == (path.stem,) * len(base.rules) and base.rules


@pytest.mark.parametrize("rule", [r for _, r in SHIPPED], ids=[f"{f.stem}::{r.name}" for f, r in SHIPPED])
def test_each_rule_shape_checks_passes_its_numeric_check_and_rereads_from_its_text(rule):
    rules.validate(rule, seed=1)  # load() checked seed 0; other draws must agree too
    again = rule_from_text(rule.text)  # a rule is its text: reading it again gives the same rule
    assert (again.lhs, again.rhs, again.oneway, again.prop, again.conditions) == \
        (rule.lhs, rule.rhs, rule.oneway, rule.prop, rule.conditions)
    assert read_rule(write_rule(rule.compiled())) == rule.compiled()  # and the kernel reads what it compiles to


def test_the_compiled_rule_base_is_current_and_what_the_kernel_reads():
    """`rules/compiled.sexp` is what `rewrite verify` trusts: it must be the rule files, compiled."""
    from rewrite.compiled import trusted

    assert trusted() == rules.load().compiled


# ---------------------------------------------------------------------------
# Rules that must not load

GOOD = "tr-cyclic : tr(A B) = tr(B A)\n"


def write_rules(folder: Path, name: str, line: str, line_no: int = 3) -> Path:
    """A rule file whose `line_no`-th line is `line`, after comments and blank lines."""
    filler = ["# planted by a test", ""] + ["# filler"] * (line_no - 3)
    path = folder / name
    path.write_text("\n".join(filler + [line, GOOD]), encoding="utf-8")
    return path


WRONG = [
    "tr-swap : tr(A B C) = tr(B A C)",
    "tp-mul-wrong : (A B)ᵀ = Aᵀ Bᵀ  if A square, B square",
    "d-inv-wrong : d(A⁻¹) => A⁻¹ d(A) A⁻¹  if A invertible",
    "d-mul-wrong : d(A B) => d(A) B + d(B) A",
    "d-det-wrong : d(det(A)) => det(A) tr(d(A))  if A invertible",
    "d-norm2-wrong : d(norm2(A)) => A : d(A)",
    # issue 16
    "d-abs-wrong : d(abs(A)) => abs(d(A))",
    "d-relu-wrong : d(relu(A)) => sign(A) ⊙ d(A)  if A smooth",
    "abs-additive : abs(A + B) = abs(A) + abs(B)",
    "pinv-mul-wrong : pinv(A B) = pinv(B) pinv(A)",
    "pinv-right-wrong : A pinv(A) => I  if A fullcolrank",
    "pinv-sum-wrong : pinv(A + B) = pinv(A) + pinv(B)",
    "diag-mul-wrong : diag(X Y) = diag(X) ⊙ diag(Y)  if X square, Y square",
    "diag-twice-wrong : diag(diag(X)) => X  if X square",
]


@pytest.mark.parametrize("line", WRONG, ids=[w.split()[0] for w in WRONG])
def test_a_false_rule_refuses_to_load_naming_file_line_rule_and_counterexample(line, tmp_path):
    (tmp_path / "trace.rules").write_text((RULES / "trace.rules").read_text(encoding="utf-8"), encoding="utf-8")
    planted = write_rules(tmp_path, "planted.rules", line, line_no=4)
    with pytest.raises(RuleError) as caught:
        rules.load(str(tmp_path))
    message = str(caught.value)
    name = line.split()[0]
    assert message.startswith(f"{planted}:4:")
    assert f"rule '{name}' is false" in message
    assert "seed" in message and "largest relative difference" in message


@pytest.mark.parametrize("line", ["scalar-vector : s = ones(2)", "sizes : I(2) = I(3)", "kron-ones : x ⊗ ones(2) = x  if x vector",
                                  "narrowing : tr(A) = A", "transpose-order : (A B)ᵀ = Aᵀ Bᵀ"])
def test_a_rule_whose_sides_have_different_shapes_refuses_to_load(line, tmp_path):
    planted = write_rules(tmp_path, "shapes.rules", line)
    # read_rules refuses it as it reads (ParseError); a rule made otherwise, at validation
    with pytest.raises((ParseError, RuleError), match=r"the sides have different shapes") as caught:
        rules.load(str(tmp_path))
    assert str(caught.value).startswith(f"{planted}:3:")


def test_a_rule_name_defined_twice_refuses_to_load(tmp_path):
    write_rules(tmp_path, "a.rules", "tp-tp : (Aᵀ)ᵀ => A")
    second = write_rules(tmp_path, "b.rules", "tp-tp : (Aᵀ)ᵀ = A")
    with pytest.raises(RuleError, match=r"rule 'tp-tp' is defined twice \(also in a.rules\)") as caught:
        rules.load(str(tmp_path))
    assert str(caught.value).startswith(str(second))
    write_rules(tmp_path, "b.rules", "tr-cyclic : tr(A B) = tr(B A)")
    with pytest.raises(RuleError, match="'tr-cyclic' is defined twice"):
        rules.load(str(tmp_path))


BAD_SYNTAX = [
    ("no colon here", "expected a rule"),
    ("x : A + = B", "expected an expression after '+'"),
    ("x : A = B = C", "exactly one '=' or '=>'"),
    ("x : A = B  if A lovely", "expected a condition"),
    ("x : A = B  if A + C lovely", "expected a condition"),
    ("x : A = B  if A invertible if B invertible", "at most one 'if'"),
    ("x : A is happy", "unknown property 'happy'"),
    ("x : AB = BA", "single letters"),
    ("x : A = B  if C invertible", "the rule does not use"),
    ("x : tr(A, B) = A", "tr takes 1 argument"),
]


@pytest.mark.parametrize("line, words", BAD_SYNTAX, ids=[b[0] for b in BAD_SYNTAX])
def test_syntax_errors_in_rule_files_name_file_and_line(line, words, tmp_path):
    planted = write_rules(tmp_path, "bad.rules", line, line_no=5)
    with pytest.raises((ParseError, RuleError)) as caught:
        rules.load(str(tmp_path))
    assert str(caught.value).startswith(f"{planted}:5:")
    assert words in str(caught.value)


def test_an_empty_rules_directory_refuses(tmp_path):
    with pytest.raises(RuleError, match="no rule files"):
        rules.load(str(tmp_path))


def test_an_unchecked_load_takes_a_wrong_rule_the_checked_one_refuses(tmp_path):
    """`check=False` exists for tools that inspect rule files; it must not be the default."""
    write_rules(tmp_path, "planted.rules", WRONG[0])
    assert "tr-swap" in rules.load(str(tmp_path), check=False).texts
    with pytest.raises(RuleError):
        rules.load(str(tmp_path))


# ---------------------------------------------------------------------------
# The total semantics: rules hold everywhere under their stated conditions (issue 12).
# Each class of wrong rule the issue names is refused at load, and by the degenerate
# points alone (no random draw), which the message names with both sides' values.

DEGENERATE = [
    # inv-split without `A + B invertible`: at B = -A the left side is 0, the right one I
    ("inv-split-bare : A (A + B)⁻¹ = I - B (A + B)⁻¹", r"A = -B, so that A \+ B is singular"),
    ("inv-id-plus-bare : (I + A)⁻¹ = I - A (I + A)⁻¹", r"A = -I, so that I \+ A is singular"),
    # push-shift without conditions: s = 0 with A B invertible and B A (larger) singular
    ("push-shift-bare : (A B + s I)⁻¹ A = A (B A + s I)⁻¹", r"s = 0"),
    # exp-log read backwards without `A positive`
    ("exp-log-back : A => exp(log(A))", r"A (= 0|with entries ≤ 0|with zero entries)"),
    # a cancelling ⊘ rule without `A nonzero`
    ("hdiv-cancel-bare : (A ⊙ B) ⊘ A => B", r"A (= 0|with zero entries|with entries ≤ 0)"),
    ("hdiv-self-bare : A ⊘ A => ones", r"A (= 0|with zero entries|with entries ≤ 0)"),
    ("s-div-s-bare : s / s => 1", r"s = 0"),
    ("inv-left-square : A⁻¹ A => I  if A square", r"A (= 0|of rank)"),
    ("sm-denominator : (A + x yᵀ)⁻¹ = A⁻¹ - A⁻¹ x yᵀ A⁻¹ / (1 + yᵀ A⁻¹ x)  if A invertible, x vector, y vector",
     r"(x|y) scaled by .*, so that (A \+ x yᵀ is singular|1 \+ yᵀ A⁻¹ x is zero)"),
    ("push-through-ab : (I + A B)⁻¹ = I - A (I + B A)⁻¹ B", r"(A|B) scaled by .*, so that I \+ A B is singular"),
    ("log-had : log(A ⊙ B) = log(A) + log(B)", r"(A|B) (= 0|with zero entries)"),
    ("diag-inv-bare : diag(x)⁻¹ = diag(ones ⊘ x)   if x vector", r"x (= 0|with zero entries|of rank)"),
    # issue 16: sign(0) = step(0) = 0, and pinv is a left inverse only at full column rank
    ("step-flip : step(-A) = ones - step(A)", r"A (= 0|with zero entries)"),
    ("sign-square : sign(A) ⊙ sign(A) => ones", r"A (= 0|with zero entries)"),
    ("pinv-left-square : pinv(A) A => I   if A square", r"A (= 0|of rank)"),
    ("pinv-normal-bare : pinv(A) = (Aᵀ A)⁻¹ Aᵀ   if A square", r"A (= 0|of rank)"),
]


@pytest.mark.parametrize("line, point", DEGENERATE, ids=[w[0].split()[0] for w in DEGENERATE])
def test_a_rule_false_only_at_a_degenerate_point_refuses_to_load(line, point, tmp_path):
    planted = write_rules(tmp_path, "planted.rules", line, line_no=4)
    with pytest.raises(RuleError) as caught:
        rules.load(str(tmp_path))
    assert str(caught.value).startswith(f"{planted}:4:")
    assert f"rule '{line.split()[0]}' is false" in str(caught.value)
    [rule] = read_rules(line)
    with pytest.raises(RuleError) as caught:
        rules.validate(rule, draws=0)  # the degenerate points alone
    message = str(caught.value)
    assert re.search(f"at the degenerate point {point}", message), message
    assert "on the left" in message and "on the right" in message or re.search(r"left side  -?\d", message)


CORRECTED = [
    "d-abs : d(abs(A)) => sign(A) ⊙ d(A)    if A smooth",
    "pinv-left : pinv(A) A => I   if A fullcolrank",
    "diag-of-square : diag(X) = (I ⊙ X) ones   if X square",
    "inv-split : A (A + B)⁻¹ = I - B (A + B)⁻¹   if A + B invertible",
    "push-shift-s : (A B + s I)⁻¹ A = A (B A + s I)⁻¹   if s invertible",
    "push-through : (I + A B)⁻¹ A = A (I + B A)⁻¹",  # holds at every point: both sides 0 together
    "exp-log : exp(log(A)) => A     if A positive",
    "hdiv-cancel : (A ⊙ B) ⊘ A => B   if A nonzero",
    "inv-mul : (A B)⁻¹ => B⁻¹ A⁻¹   if A square, B square",
    "logdet-inv : logdet(A⁻¹) => -logdet(A)   if A square",
    "sm-applied : (A + x yᵀ)⁻¹ x => A⁻¹ x / (1 + yᵀ A⁻¹ x)   if A invertible, x vector, y vector",
]


@pytest.mark.parametrize("line", CORRECTED, ids=[c.split()[0] for c in CORRECTED])
def test_the_same_rules_with_their_conditions_pass_at_the_degenerate_points(line):
    [rule] = read_rules(line)
    for seed in (0, 1, 2):
        rules.validate(rule, seed=seed)


PROPERTY_WRONG = [
    ("prod-rank-wrong : A B is fullcolrank if A fullrowrank, B fullcolrank", None),  # issue 16
    ("gram-wrong : Aᵀ A is invertible if A fullrowrank", None),
    ("sum-invertible : A + B is invertible if A invertible, B invertible", "A = -B"),
    ("inv-any-invertible : A⁻¹ is invertible if A square", "A (= 0|of rank)"),
    ("norm-any-invertible : norm(A) is invertible", "A = 0"),
    ("had-half-nonzero : A ⊙ B is nonzero if A nonzero", "B (= 0|with zero entries)"),
    ("product-symmetric : A B is symmetric if A symmetric, B symmetric", None),
    ("product-positive : A B is positive if A positive", None),
]


@pytest.mark.parametrize("line, point", PROPERTY_WRONG, ids=[w[0].split()[0] for w in PROPERTY_WRONG])
def test_a_wrong_property_rule_refuses_to_load(line, point, tmp_path):
    """The kernel discharges conditions with property rules: a wrong one is as unsound as a
    wrong equation."""
    write_rules(tmp_path, "planted.rules", line, line_no=4)
    with pytest.raises(RuleError, match=f"rule '{line.split()[0]}' is false") as caught:
        rules.load(str(tmp_path))
    word = line.split(" is ")[1].split()[0]
    assert f"is not {word}" in str(caught.value)
    if point:
        assert re.search(f"at the degenerate point {point}", str(caught.value)), str(caught.value)


# ---------------------------------------------------------------------------
# A safety net for rule authors: the one-way rules terminate


def nonterminating(base: rules.RuleBase) -> list[str]:
    """The rules on a side of which the `=>` rules do not reach a one-way form."""
    from rewrite.kernel import Context
    from rewrite.rewriting import Rewriter

    oneway = [r.name for r in base.rules if r.oneway and r.rhs is not None]
    stuck = []
    for rule in base.rules:
        compiled = base.compiled[rule.name]
        rewriter = Rewriter(Context(compiled.env, frozenset(), (), base.compiled, base.properties), oneway)
        for side in compiled.sides:
            try:
                rewriter.reduce(side)
            except RewriteError as e:  # BudgetError: did not terminate within MAX_STEPS
                stuck.append(f"{rule.name}: {e.message}")
    return stuck


def test_the_one_way_rules_terminate_on_both_sides_of_every_rule():
    """The `=>` rules are applied until none applies (`rewriting`): a new `=>` rule that
    undoes another, or grows a term without end, would make that loop forever (it stops at
    `MAX_STEPS` and the search goes on without it). Both sides of every rule, taken as terms
    with the pattern variables as names, must reach their one-way form."""
    stuck = nonterminating(rules.load())
    assert not stuck, "\n".join(stuck)


def test_a_one_way_rule_that_loops_is_caught(tmp_path):
    (tmp_path / "trace.rules").write_text((RULES / "trace.rules").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "loop.rules").write_text("tr-swap-loop : tr(A B) => tr(B A)\n", encoding="utf-8")
    stuck = nonterminating(rules.load(str(tmp_path), check=False))
    assert any(line.startswith(("tr-cyclic", "tr-swap-loop")) and "did not terminate" in line for line in stuck), stuck


# ---------------------------------------------------------------------------
# The cache of loaded rule bases: a start-up reads what an earlier load validated


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder, and `load`'s in-process memo cleared around the test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("REWRITE_CACHE_DIR", str(folder))
    rules.load.cache_clear()
    yield folder
    rules.load.cache_clear()


def _counting(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = rules.validate
    monkeypatch.setattr(rules, "validate", lambda rule, **kw: (seen.append(rule.name), real(rule, **kw))[1])
    return seen


def good_folder(tmp_path: Path) -> Path:
    """A rule folder holding one valid rule file."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "trace.rules").write_text(GOOD, encoding="utf-8")
    return folder


def test_a_second_load_reads_the_validated_rule_base_from_the_cache(cache, tmp_path, monkeypatch):
    folder = good_folder(tmp_path)
    seen = _counting(monkeypatch)
    first = rules.load(str(folder))
    assert seen == ["tr-cyclic"] and len(list(cache.glob("rules-*.pickle"))) == 1
    rules.load.cache_clear()
    again = rules.load(str(folder))
    assert seen == ["tr-cyclic"], "the second start validated again"
    assert again == first and again.compiled == first.compiled and again.properties == first.properties


def test_a_changed_rule_file_is_validated_again_and_a_wrong_one_refused(cache, tmp_path, monkeypatch):
    folder = good_folder(tmp_path)
    rules.load(str(folder))
    rules.load.cache_clear()
    write_rules(folder, "trace.rules", WRONG[0])  # same file, new text: a new digest
    with pytest.raises(RuleError, match="is false"):
        rules.load(str(folder))
    rules.load.cache_clear()
    with pytest.raises(RuleError, match="is false"):  # refused again: a refusal is never cached
        rules.load(str(folder))


def test_an_unchecked_load_is_not_a_validation_verdict(cache, tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    write_rules(folder, "planted.rules", WRONG[0])
    assert "tr-swap" in rules.load(str(folder), check=False).texts  # cached as not validated
    rules.load.cache_clear()
    with pytest.raises(RuleError):
        rules.load(str(folder))


def test_a_changed_checker_is_a_new_key(cache, tmp_path, monkeypatch):
    """The key holds the code's digest: a cached verdict of other code is not read."""
    folder = good_folder(tmp_path)
    rules.load(str(folder))
    rules.load.cache_clear()
    monkeypatch.setattr(rules, "code_digest", lambda: "other code")
    seen = _counting(monkeypatch)
    rules.load(str(folder))
    assert seen == ["tr-cyclic"]


def test_a_damaged_or_foreign_cache_entry_is_ignored(cache, tmp_path, monkeypatch):
    folder = good_folder(tmp_path)
    rules.load(str(folder))
    (entry,) = cache.glob("rules-*.pickle")
    seen = _counting(monkeypatch)
    for damage in (b"", b"not a pickle", entry.read_bytes()[:100],
                   __import__("pickle").dumps({"key": "someone else's", "validated": True, "base": None})):
        entry.write_bytes(damage)
        rules.load.cache_clear()
        assert rules.load(str(folder)).texts == {"tr-cyclic": "tr-cyclic : tr(A B) = tr(B A)"}
    assert seen == ["tr-cyclic"] * 4


def test_a_stale_compiled_file_is_rewritten_not_trusted_from_the_cache(cache, tmp_path):
    folder = good_folder(tmp_path)
    rules.load(str(folder))
    (folder / "compiled.sexp").write_text("; something else\n", encoding="utf-8")
    rules.load.cache_clear()
    rules.load(str(folder))
    from rewrite.compiled import trusted

    assert list(trusted(folder)) == ["tr-cyclic"]


def test_caching_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("REWRITE_CACHE_DIR", "off")
    rules.load.cache_clear()
    folder = good_folder(tmp_path)
    try:
        rules.load(str(folder))
    finally:
        rules.load.cache_clear()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["compiled.sexp", "trace.rules"]
