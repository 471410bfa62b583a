"""The public op mechanism, `defop`: what it refuses, and what it does with odd user rules."""

from __future__ import annotations

import math
import random

import pytest

import autograd
from autograd import REGISTRY, Value, defop, grad, no_grad
from autograd.ops import POW


def _drop(*names: str) -> None:
    for name in names:
        REGISTRY.pop(name, None)


def test_a_user_op_cannot_silently_take_a_builtin_operator():
    with pytest.raises(ValueError, match="Value.__add__ is op '\\+'"):
        defop("t_my_add", lambda a, b: 0.0, lambda a, b, out: (1.0, 1.0), args=("a", "b"),
              method="__add__")
    assert "t_my_add" not in REGISTRY  # a refused declaration leaves no trace
    assert (Value(1.0) + 1).data == 2.0
    with pytest.raises(ValueError, match="Value.backward is one of Value.s own attributes"):
        defop("t_bad_method", math.exp, lambda x, out: (out,), method="backward")
    assert "t_bad_method" not in REGISTRY
    op = defop("t_bad_method", math.exp, lambda x, out: (out,), method="t_bad_method_m")
    try:
        assert Value(0.0).t_bad_method_m().data == 1.0
    finally:
        _drop("t_bad_method")
        delattr(Value, "t_bad_method_m")
    assert op.name == "t_bad_method"


@pytest.mark.parametrize("n", [2, 4])
def test_a_rule_with_too_few_derivatives_is_an_error_not_a_wrong_gradient(n):
    names = tuple("abcd"[:n])
    op = defop(f"t_short{n}", lambda *xs: sum(xs), lambda *xs_out: (1.0,) * (len(xs_out) - 2),
               args=names)
    try:
        xs = [Value(float(i + 1), label=f"x{i}") for i in range(n)]
        with pytest.raises(TypeError, match="one derivative per input"):
            op(*xs).backward()
        with pytest.raises(TypeError, match="one derivative per input"):
            grad(op(*xs), xs, create_graph=True)
        with pytest.raises(TypeError, match="one derivative per input"):
            list(op(*xs).backward_steps())
    finally:
        _drop(f"t_short{n}")


def test_bound_text_replaces_whole_parameter_names_only():
    fam = defop("t_scaled_exp", lambda x, p: math.exp(p * x), lambda x, out, p: (p * out,),
                expr="exp(p·x)", formulas=("p·exp(p·x)",), params={"p": 1.0})
    try:
        bound = fam.bind(p=2.0)
        assert bound.expr == "exp(2·x)" and bound.formulas == ("2·exp(2·x)",)
    finally:
        _drop("t_scaled_exp")


def test_caches_of_bound_ops_stay_small():
    x = Value(1.5)
    rng = random.Random(0)
    for _ in range(2000):
        x ** rng.random()
    assert len(POW._bound) <= 256
    from autograd import ops

    assert len(ops._POWERS) <= 256
    assert (x ** 0.123456).data == pytest.approx(1.5 ** 0.123456)


def test_create_graph_records_even_inside_no_grad():
    x = Value(3.0)
    y = x ** 3
    with no_grad():
        (d1,) = grad(y, [x], create_graph=True)
        assert (x * 2).children == ()  # still off for ordinary ops
    (d2,) = grad(d1, [x])
    assert (d1.data, d2.data) == (27.0, 18.0)


def test_grad_with_a_single_value_as_inputs_says_how_to_call_it():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"grad\(output, \[x\]\)"):
        grad(x * 2, x)


def test_ops_are_listed_in_the_public_registry():
    assert autograd.REGISTRY["tanh"] is autograd.ops.TANH
