"""glassgrad's autograd: a scalar computation graph you can look into. The public names."""

from . import ops, stepper  # stepper attaches Value.backward_steps
from .anomaly import AnomalyError, AnomalyWarning, detect_anomaly
from .forward import Jacobian, hessian, hvp, jacobian, jvp
from .functional import grad, no_grad
from .gradcheck import GradcheckResult, check_op, gradcheck, gradgradcheck
from .notebook import show_stepper
from .op import REGISTRY, Op, defop
from .ops import log_softmax, logsumexp, maximum, softmax, sum_values
from .parse import ParseError, parse_expression
from .value import Value, apply, topological_order
from .viz import draw_dot, render

__all__ = [
    "REGISTRY", "AnomalyError", "AnomalyWarning", "GradcheckResult", "Jacobian", "Op", "ParseError",
    "Value", "apply", "check_op", "defop", "detect_anomaly", "draw_dot", "grad", "gradcheck",
    "gradgradcheck", "hessian", "hvp", "jacobian", "jvp", "log_softmax", "logsumexp", "maximum",
    "no_grad", "ops", "parse_expression", "render", "show_stepper", "softmax", "stepper", "sum_values",
    "topological_order",
]
