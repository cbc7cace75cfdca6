"""`present.tidy`: derived formulas written as a person writes them, by ring laws only.

Every change `tidy` makes is certified by one `linear` kernel step, so the property that
matters is that the kernel's normal form (and the numbers) cannot tell `tidy(e)` from `e`.
"""

from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewrite import kernel, numeric
from rewrite.parse import parse_decl, parse_expr
from rewrite.present import tidy
from rewrite.printing import show
from rewrite.shapes import elaborate, env_from_decls, infer
from rewrite.strategies import well_shaped

DECLS = ["let A, B : Mat(n, n)", "let C : Mat(n, m)", "let X : Mat(n, n) invertible",
         "let a, b, x, y : Vec(n)", "let s, λ : Scalar"]
ENV = env_from_decls([parse_decl(t) for t in DECLS])
SHAPES = sorted({info.shape for info in ENV.values()}, key=str)


def tidied(text: str) -> str:
    e, _ = elaborate(parse_expr(text), ENV)
    return show(tidy(e, ENV))


@pytest.mark.parametrize("before, after", [
    ("Aᵀ (2 (A x - b))", "2 Aᵀ (A x - b)"),          # numerals to the front
    ("λ (-(2 x))", "-2 λ x"),                        # signs out of products
    ("2 (A x) - 2 (B y)", "2 (A x - B y)"),          # a common numeral taken out
    ("A x - A y", "A (x - y)"),                      # a common first factor
    ("A x + B x", "(A + B) x"),                      # a common last factor
    ("A x - λ x", "A x - λ x"),                      # but not when the rest do not fit: A - λ
    ("x + (a - x)", "a"),                            # like terms gathered
    ("2 x + x", "3 x"),
    ("X⁻¹ X A", "A"),                                # an inverse cancelled
    ("X⁻ᵀ I", "X⁻ᵀ"),                                # an identity dropped
    ("(2 x) ⊙ y", "2 (x ⊙ y)"),                      # numerals out of Hadamard products
    ("a ⊙ (x ⊙ y)", "a ⊙ x ⊙ y"),                    # ⊙ chained to the left
    ("(1 / s) x", "x / s"),                          # divisions float out
    ("x : y", "xᵀ y"),                               # the inner product of columns
    ("A x + 0", "A x"),
    ("tr(-(A B))", "-tr(A B)"),                      # signs out of traces
])
def test_tidy_writes_what_a_person_writes(before: str, after: str) -> None:
    assert tidied(before) == after


@lru_cache(maxsize=None)
def _trees(shape):
    return well_shaped(ENV, shape, max_depth=3)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tidy_keeps_the_normal_form_and_the_value(data) -> None:
    e = data.draw(_trees(data.draw(st.sampled_from(SHAPES))))
    out = tidy(e, ENV)
    assert infer(out, ENV) == infer(e, ENV)
    # the kernel's normal form under the declarations (X is declared invertible: X X⁻¹ is I)
    normal = kernel.Context(ENV, frozenset(), (), {}, []).full
    try:
        same = normal(e) == normal(out)
    except Exception:  # past the normal form's budget: the numbers still decide
        same = None
    assert same is not False, f"{show(e)} → {show(out)}"
    verdict = numeric.compare(e, out, ENV)
    assert verdict.agrees is not False, f"{show(e)} → {show(out)}"


def test_a_size_made_of_numbers_is_that_number() -> None:
    """`ones(k) : ones(k)` reads back as the size `k⋅1`; it is written `k`."""
    from rewrite import syntax as S
    e = S.Mul(S.Num(2), S.Mul(S.SizeOf(S.Dim(("n",))), S.SizeOf(S.Dim((1,)))))
    assert show(tidy(e, ENV)) == "2 n"
    assert show(tidy(S.SizeOf(S.Dim((2, 3))), ENV)) == "6"


@pytest.mark.parametrize("text, found", [
    ("exp(-(x - y)ᵀ (x - y)) (x - y)", ("x - y", True)),
    ("(a + b)ᵀ (a + b) x", ("a + b", False)),
    ("xᵀ x a", None),                                 # a name's own inner product stays
    ("a / ((x - y)ᵀ (x - y))", None),                 # a divisor stays as the proof divides by it
    ("(a - b)ᵀ (x - y) a", None),                     # two different columns
])
def test_squared_norm_is_found_where_a_person_writes_one(text, found) -> None:
    from rewrite.present import squared_norm
    e, _ = elaborate(parse_expr(text), ENV)
    got = squared_norm(e, ENV)
    assert (None if got is None else (show(got[1]), got[2])) == found
